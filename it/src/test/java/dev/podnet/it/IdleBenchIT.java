package dev.podnet.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code podnet bench idle} run from the shaded jar as a user runs it: three agent JVMs started as the
 * demo starts them, measured, recorded with JFR, stopped. Figures are not asserted (a loaded build box
 * says nothing about them); that every row and verdict is printed, the recordings exist and nothing is
 * left running, is.
 */
class IdleBenchIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int NODES = 3;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldPrintEachAgentsIdleCpuMemoryAndTimeToReadyAndRecordTheWindowWithJfr() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        final Path dir = basedir.resolve("target/bench-idle");
        deleteTree(dir);
        Files.createDirectories(dir);
        final DemoPorts ports = DemoPorts.pick(NODES);
        final int apiBase = ports.api();
        final int clusterBase = ports.cluster();
        final int tunnelBase = ports.tunnel();
        final Path out = dir.resolve("bench.out");

        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "bench", "idle", "--nodes", Integer.toString(NODES), "--pods", "2",
            "--settle-seconds", "1", "--seconds", "5", "--jfr", dir.resolve("jfr").toString(),
            "--api-port", Integer.toString(apiBase), "--cluster-port", Integer.toString(clusterBase),
            "--tunnel-port", Integer.toString(tunnelBase), "--logs", dir.resolve("agents").toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        final Process bench = builder.start();
        try
        {
            assertThat(bench.waitFor(280, TimeUnit.SECONDS)).as("the bench ends").isTrue();
            final String printed = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(bench.exitValue()).as("exit status; output:%n%s", printed).isZero();

            assertThat(printed).contains("NODE", "PID", "READY AFTER", "IDLE (cores)", "RSS (MB)", "ANON/FILE/SHMEM (MB)", "PSS (MB)");
            for (int i = 1; i <= NODES; i++)
            {
                assertThat(printed).as("a row for node-%d", i)
                    .containsPattern("(?m)^node-" + i + " +\\d+ +\\d+\\.\\d s +\\d+\\.\\d{4} +\\d+\\.\\d +\\d+/\\d+/\\d+ +\\d+\\.\\d$");
            }
            assertThat(printed)
                .containsPattern("all 3 nodes Ready after +\\d+\\.\\d s")
                .containsPattern("idle CPU per agent, mean / max +\\d\\.\\d{4} / \\d\\.\\d{4} cores +target <= 0\\.03: (met|MISSED)")
                .containsPattern("RSS per agent, mean / max +\\d+\\.\\d / \\d+\\.\\d MB +target <= 128 MB: (met|MISSED)")
                .containsPattern("load average +\\d+\\.\\d+ \\d+\\.\\d+ \\d+\\.\\d+ at the start")
                .contains("command: podnet bench idle --nodes 3 --pods 2 --settle-seconds 1 --seconds 5");
            for (int i = 1; i <= NODES; i++)
            {
                final Path recording = dir.resolve("jfr").resolve("node-" + i + ".jfr");
                assertThat(recording).as("node-%d's recording of the window", i).isRegularFile();
                assertThat(Files.size(recording)).isPositive();
            }
            assertThat(bench.descendants().filter(ProcessHandle::isAlive).toList()).as("agents left running").isEmpty();
        }
        finally
        {
            bench.descendants().forEach(ProcessHandle::destroyForcibly);
            bench.destroyForcibly();
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> tree = Files.walk(root))
        {
            for (final Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.delete(path);
            }
        }
    }
}
