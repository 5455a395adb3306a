package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.diag.LoopbackPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code podnet demo --nodes 3 --pods 2} run from the shaded jar as a user runs it: one launcher
 * process, three agent JVMs under it. In order: the demo comes up (three Ready nodes with distinct
 * leases, a full matrix); an agent killed with SIGKILL is restarted by the launcher and Ready again;
 * SIGTERM to the launcher stops everything: it exits 0 and leaves no process, no open API port and no
 * Aeron directory behind. Then, on the same ports: a second demo killed with SIGKILL takes every agent
 * with it within 5 s (no port held, no Aeron directory left), and a third one, started in the
 * background of a script (so SIGINT is ignored), starts and stops cleanly on SIGTERM. The launchers'
 * output: {@code it/target/demo-logs/demo-N.out}; the agents' logs next to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Three JVMs and the launcher starting on a small shared box: generous. */
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration RESTART = Duration.ofSeconds(90);
    private static final Duration STOP = Duration.ofSeconds(60);
    /** How long agents may outlive a demo that died without stopping them (the bound). */
    private static final Duration ORPHAN_BOUND = Duration.ofSeconds(5);
    private static final int NODES = 3;

    private Path jar;
    private Path logs;
    private int apiBase;
    private int clusterBase;
    private int tunnelBase;
    /** The demo running now (one at a time, on the same ports). */
    private Demo demo;
    private int demos;

    @BeforeAll
    void startTheDemo() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        logs = basedir.resolve("target/demo-logs");
        deleteTree(logs);
        Files.createDirectories(logs);

        final DemoPorts ports = DemoPorts.pick(NODES);
        apiBase = ports.api();
        clusterBase = ports.cluster();
        tunnelBase = ports.tunnel();

        demo = startDemo(false);
        demo.awaitOutput("podnet demo: ready", READY);
        demo.agents.addAll(demo.agentProcesses());
    }

    @AfterAll
    void leaveNothingRunning() throws InterruptedException
    {
        if (demo != null)
        {
            demo.destroy();
        }
    }

    @Test
    @Order(1)
    void shouldStartThreeReadyNodesWithDistinctLeasesAndShowTheFullMatrix() throws Exception
    {
        final String printed = demo.output();
        for (int i = 1; i <= NODES; i++)
        {
            assertThat(printed)
                .containsPattern("node-" + i + " +Ready +10\\.244\\.\\d{1,3}\\.0/24 +api 127\\.0\\.0\\.1:" + (apiBase + i - 1));
        }
        assertThat(printed).contains("    a1  a2  b1  b2  c1  c2\n", "a1  -   ok  ok  ok  ok  ok\n", "30/30 pairs ok\n",
            "web view: http://localhost:" + apiBase + "/");
        // started straight from this JVM, the demo inherits its SIGINT disposition: a build run in the background of a
        // script (nohup ... &) ignores SIGINT, and then so does the demo, which says so
        assertThat(printed).contains(sigintIgnoredHere() ? "SIGINT is ignored (started in the background)" : "Ctrl-C stops every agent.");

        final JsonNode nodes = get(apiBase, "/api/v1/nodes");
        assertThat(nodes).hasSize(NODES);
        final Set<String> leases = new HashSet<>();
        for (int i = 0; i < NODES; i++)
        {
            final JsonNode node = nodes.get(i);
            assertThat(node.get("name").asText()).isEqualTo("node-" + (i + 1));
            assertThat(node.get("status").asText()).as("%s", node).isEqualTo("Ready");
            assertThat(node.get("api").asText()).isEqualTo("127.0.0.1:" + (apiBase + i));
            leases.add(node.get("cidr").asText());
        }
        assertThat(leases).as("no two nodes share a lease").hasSize(NODES);
        assertThat(get(apiBase + 2, "/api/v1/pods")).extracting(pod -> pod.get("name").asText())
            .containsExactlyInAnyOrder("a1", "a2", "b1", "b2", "c1", "c2");
        assertThat(demo.agents).as("one agent JVM per node under the launcher").hasSize(NODES);
    }

    @Test
    @Order(2)
    void shouldRestartAnAgentKilledWithSigkill() throws Exception
    {
        final int node2Api = apiBase + 1;
        final String lease = get(node2Api, "/api/v1/node").get("cidr").asText();
        final ProcessHandle node2 = demo.agent("node-2").orElseThrow(() -> new AssertionError("no node-2 agent under the launcher"));

        assertThat(node2.destroyForcibly()).isTrue();

        demo.awaitOutput("node-2 exited with status 137 (SIGKILL); restarting", RESTART);
        demo.awaitOutput("node-2 Ready again", RESTART);
        final ProcessHandle restarted = demo.agent("node-2").orElseThrow(() -> new AssertionError("no node-2 agent after the restart"));
        assertThat(restarted.pid()).isNotEqualTo(node2.pid());
        assertThat(node2.isAlive()).isFalse();
        final JsonNode node = get(node2Api, "/api/v1/node");
        assertThat(node.get("ready").asBoolean()).as("%s", node).isTrue();
        assertThat(node.get("cidr").asText()).as("the lease it had").isEqualTo(lease);
        assertThat(aeronDirectories(node2)).as("the killed agent's Aeron directory, removed by the launcher").isEmpty();
        assertThat(demo.launcher.isAlive()).isTrue();
    }

    @Test
    @Order(3)
    void shouldStopEveryAgentAndExit0OnSigterm() throws Exception
    {
        demo.agents.addAll(demo.agentProcesses());

        demo.launcher.destroy();

        assertThat(demo.launcher.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)).as("the launcher exits after SIGTERM").isTrue();
        assertThat(demo.launcher.exitValue()).as("output:%n%s", demo.output()).isZero();
        assertThat(demo.launcher.descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
        assertNothingLeft(demo);
        assertThat(demo.output()).contains("stopping (SIGTERM)", "node-1 exited 143, node-2 exited 143, node-3 exited 143");
        try (var archives = Files.list(Files.createDirectories(logs.resolve("cache/podnet"))))
        {
            assertThat(archives.map(path -> path.getFileName().toString()).toList())
                .as("node-1 wrote the agents' class archive as it exited").singleElement().asString()
                .startsWith("agent-classes-").endsWith(".jsa");
        }
    }

    @Test
    @Order(4)
    void shouldTakeEveryAgentDownWithinFiveSecondsWhenTheDemoIsKilled() throws Exception
    {
        demo = startDemo(false);
        demo.awaitOutput("podnet demo: ready", READY);
        demo.agents.addAll(demo.agentProcesses());
        assertThat(demo.agents).hasSize(NODES);

        demo.launcher.destroyForcibly(); // SIGKILL: no handler, no shutdown hook, nothing of the demo runs again
        assertThat(demo.launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
        final long killedAt = System.nanoTime();

        final long deadline = killedAt + ORPHAN_BOUND.toNanos();
        while (demo.agents.stream().anyMatch(DemoIT::running) && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        final List<Long> orphans = demo.agents.stream().filter(DemoIT::running).map(ProcessHandle::pid).toList();
        demo.agents.forEach(ProcessHandle::destroyForcibly); // whatever the verdict: the next test needs the ports
        assertThat(orphans).as("agents still running %d ms after the demo was killed", took).isEmpty();
        System.out.printf("DemoIT: every agent of the SIGKILLed demo had exited %d ms after it%n", took);
        // an orphan is reaped by init: some inits take their time (a zombie holds no port, but is still "alive")
        final long reapDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (demo.agents.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < reapDeadline)
        {
            Thread.sleep(50);
        }
        assertNothingLeft(demo);
        assertThat(Files.readString(demo.agentLog("node-1"), StandardCharsets.UTF_8))
            .as("node-1's log").contains("standard input closed");
    }

    @Test
    @Order(5)
    void shouldStartAgainAfterAKilledDemoAndStopOnSigtermInTheBackgroundOfAScriptWhereSigintIsIgnored() throws Exception
    {
        demo = startDemo(true);
        demo.awaitOutput("podnet demo: ready", READY);
        final ProcessHandle demoJvm = demo.demoJvm().orElseThrow(() -> new AssertionError("no demo JVM under the script"));
        assertThat(demo.output()).contains("SIGINT is ignored (started in the background): kill " + demoJvm.pid() +
            " (SIGTERM) stops every agent.");
        assertThat(get(apiBase, "/api/v1/nodes")).hasSize(NODES);
        demo.agents.addAll(demo.agentProcesses());
        assertThat(demo.agents).as("every agent maps the class archive an earlier demo's node-1 wrote").allSatisfy(agent ->
            assertThat(agent.info().arguments().orElseThrow()).anyMatch(argument -> argument.startsWith("-XX:SharedArchiveFile=")));

        signal("INT", demoJvm); // ignored, as the shell made it
        assertThat(demoJvm.destroy()).isTrue(); // SIGTERM, as `kill PID`

        assertThat(demo.launcher.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)).as("the script ends after the demo").isTrue();
        assertThat(demo.output()).as("the first signal it handled was SIGTERM")
            .contains("stopping (SIGTERM)", "node-1 exited 143, node-2 exited 143, node-3 exited 143", "the demo exited with status 0");
        assertNothingLeft(demo);
    }

    // ------------------------------------------------------------------ helpers

    /** Whether this JVM ignores SIGINT (bit 2 of SigIgn in /proc/self/status), as its children then do. */
    private static boolean sigintIgnoredHere() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("SigIgn:"))
            {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /**
     * Starts a demo on the class's ports: its JVM directly, or (inScript) in the background of a
     * non-interactive shell, which starts it with SIGINT ignored (POSIX: asynchronous commands of a
     * shell without job control ignore SIGINT and SIGQUIT).
     */
    private Demo startDemo(final boolean inScript) throws IOException
    {
        demos++;
        final Path out = logs.resolve("demo-" + demos + ".out");
        final List<String> java = List.of(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "demo", "--nodes", Integer.toString(NODES), "--pods", "2",
            "--api-port", Integer.toString(apiBase), "--cluster-port", Integer.toString(clusterBase),
            "--tunnel-port", Integer.toString(tunnelBase), "--logs", logs.resolve("agents-" + demos).toString(),
            "--state-dir", logs.resolve("state").toString()); // one for every demo, as a user's default is
        final ProcessBuilder builder;
        if (inScript)
        {
            final String demoCommand = String.join(" ", java.stream().map(DemoIT::quote).toList());
            builder = new ProcessBuilder("sh", "-c", demoCommand + " >>" + quote(out.toString()) + " 2>&1 &\n" +
                "wait $!\necho \"the demo exited with status $?\" >>" + quote(out.toString()));
        }
        else
        {
            // to a file, not a pipe: Process.destroy() closes the pipe, and the last lines (the stop) would be lost
            builder = new ProcessBuilder(java).redirectErrorStream(true).redirectOutput(out.toFile());
        }
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        builder.environment().put("XDG_CACHE_HOME", logs.resolve("cache").toString()); // the agents' class archive: fresh
        return new Demo(builder.start(), out, logs.resolve("agents-" + demos));
    }

    /** No agent of {@code finished} alive, no Aeron directory of theirs, none of the demo's ports held. */
    private void assertNothingLeft(final Demo finished)
    {
        for (final ProcessHandle agent : finished.agents)
        {
            assertThat(agent.isAlive()).as("agent pid %d", agent.pid()).isFalse();
            assertThat(aeronDirectories(agent)).as("Aeron directory of agent pid %d", agent.pid()).isEmpty();
        }
        for (int i = 0; i < NODES; i++)
        {
            assertThat(listening(apiBase + i)).as("API port %d", apiBase + i).isFalse();
            assertThat(listening(clusterBase + i)).as("cluster port %d", clusterBase + i).isFalse();
            assertThat(LoopbackPorts.udpFree(tunnelBase + i)).as("tunnel port %d/udp free", tunnelBase + i).isTrue();
        }
    }

    /** One demo: its launcher (the demo JVM, or the script around it), its output and every agent seen under it. */
    private static final class Demo
    {
        final Process launcher;
        final Path out;
        final Path agentLogs;
        /** Every agent process seen under the launcher, killed ones included. */
        final Set<ProcessHandle> agents = new HashSet<>();

        Demo(final Process launcher, final Path out, final Path agentLogs)
        {
            this.launcher = launcher;
            this.out = out;
            this.agentLogs = agentLogs;
        }

        /** The agent JVMs under the launcher now. */
        List<ProcessHandle> agentProcesses()
        {
            return launcher.descendants().filter(process -> hasArgument(process, "agent")).toList();
        }

        Optional<ProcessHandle> agent(final String node)
        {
            return agentProcesses().stream()
                .filter(process -> process.info().arguments().map(args -> argument(args, "--node").equals(node)).orElse(false))
                .findFirst();
        }

        /** The demo's own JVM: the launcher, or its child in a script. */
        Optional<ProcessHandle> demoJvm()
        {
            return hasArgument(launcher.toHandle(), "demo") ? Optional.of(launcher.toHandle()) :
                launcher.children().filter(process -> hasArgument(process, "demo")).findFirst();
        }

        Path agentLog(final String node)
        {
            return agentLogs.resolve(node + ".log");
        }

        void awaitOutput(final String text, final Duration limit) throws InterruptedException
        {
            final long deadline = System.nanoTime() + limit.toNanos();
            while (!output().contains(text))
            {
                if (!launcher.isAlive())
                {
                    fail("the demo exited with %d while waiting for '%s'; its output:%n%s", launcher.exitValue(), text, output());
                }
                if (System.nanoTime() > deadline)
                {
                    fail("waited %s for the demo to print '%s'; its output:%n%s", limit, text, output());
                }
                Thread.sleep(100);
            }
        }

        String output()
        {
            try
            {
                return Files.readString(out, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                return "(cannot read " + out + ": " + ex + ")";
            }
        }

        /** After a test that failed half-way: SIGTERM, then SIGKILL to whatever is left. */
        void destroy() throws InterruptedException
        {
            agents.addAll(agentProcesses());
            final List<ProcessHandle> under = launcher.descendants().toList();
            under.forEach(ProcessHandle::destroy);
            launcher.destroy();
            if (!launcher.waitFor(STOP.toSeconds(), TimeUnit.SECONDS))
            {
                launcher.destroyForcibly();
            }
            under.forEach(ProcessHandle::destroyForcibly);
            agents.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Alive and not a zombie: an agent that has exited, but whose new parent (init, after the demo died)
     * has not collected its status yet, runs no more and holds no port ({@code /proc/PID/stat}'s state).
     */
    private static boolean running(final ProcessHandle process)
    {
        if (!process.isAlive())
        {
            return false;
        }
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"), StandardCharsets.US_ASCII);
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        }
        catch (final IOException ex)
        {
            return false; // gone meanwhile
        }
    }

    private static boolean hasArgument(final ProcessHandle process, final String argument)
    {
        return process.info().arguments().map(args -> List.of(args).contains(argument)).orElse(false);
    }

    private static String argument(final String[] args, final String flag)
    {
        for (int i = 0; i + 1 < args.length; i++)
        {
            if (args[i].equals(flag))
            {
                return args[i + 1];
            }
        }
        return "";
    }

    private static String quote(final String word)
    {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static void signal(final String name, final ProcessHandle process) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", name, process.pid()).isZero();
    }

    /** What is left of an agent's Aeron directory ({@code podnet-NODE-PID-*}, TunnelConfig.resolveAeronDir). */
    private static List<Path> aeronDirectories(final ProcessHandle agent)
    {
        final String pid = "-" + agent.pid() + "-";
        final List<Path> left = new ArrayList<>();
        for (final String base : List.of("/dev/shm", System.getProperty("java.io.tmpdir")))
        {
            try (Stream<Path> dirs = Files.list(Path.of(base)))
            {
                dirs.filter(dir -> dir.getFileName().toString().startsWith("podnet-node-") &&
                    dir.getFileName().toString().contains(pid)).forEach(left::add);
            }
            catch (final IOException ex)
            {
                // no such directory here
            }
        }
        return left;
    }

    private static JsonNode get(final int port, final String path) throws IOException, InterruptedException
    {
        final HttpResponse<String> response = CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s on %d: %s", path, port, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static boolean listening(final int port)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static void deleteTree(final Path root)
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
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
