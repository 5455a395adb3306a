package dev.podnet.it;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.it.containers.AgentApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Leases survive a restart of the whole cluster: three agent JVMs from the shaded jar, each with its
 * own {@code --state-dir}, all stopped (SIGTERM to every one, and separately SIGKILL to every one), then
 * started again, the seed first and the other two in the opposite order: every node gets the CIDR it
 * had. Without the persisted table the second node to start would take the second /24. A state
 * directory that cannot be used makes the agent exit 1 at once, naming it; a second agent started with
 * the name of a live node stays NotReady (name-in-use) and exits 1 after a bounded wait.
 * Agent logs: {@code it/target/agent-logs/restart-*.log}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LeaseRestartIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Duration START = Duration.ofSeconds(90);
    private static final List<String> NAMES = List.of("node-1", "node-2", "node-3");

    private final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final Map<String, int[]> ports = new LinkedHashMap<>();
    private Path stateDirs;
    private Path logs;

    private record Agent(String name, Process process, AgentApi api, Path log)
    {
    }

    @AfterEach
    void stopAgents() throws InterruptedException
    {
        for (final Agent agent : agents.values())
        {
            agent.process().destroyForcibly();
            agent.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldGiveEveryNodeItsCidrBackAfterTheWholeClusterWasStoppedWithSigterm() throws Exception
    {
        final Map<String, String> before = startCluster("node-1", "node-2", "node-3");

        stopAll(false);

        assertThat(startCluster("node-1", "node-3", "node-2")).isEqualTo(before);
    }

    @Test
    void shouldGiveEveryNodeItsCidrBackAfterTheWholeClusterWasKilled() throws Exception
    {
        final Map<String, String> before = startCluster("node-1", "node-2", "node-3");

        stopAll(true);

        assertThat(startCluster("node-1", "node-3", "node-2")).isEqualTo(before);
    }

    @Test
    void shouldExitAtOnceNamingAStateDirectoryItCannotUse() throws Exception
    {
        prepare();
        final Path corrupt = Files.createDirectories(stateDirs.resolve("node-1/leases"));
        Files.write(corrupt.resolve("data.mdb"), "this is not an LMDB file".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        final Agent agent = start("node-1", LoopbackPorts.freeTcpPort());

        assertThat(agent.process().waitFor(60, TimeUnit.SECONDS)).as("exits without waiting for a lease").isTrue();
        assertThat(agent.process().exitValue()).isEqualTo(1);
        assertThat(Files.readString(agent.log())).contains("podnet agent: node node-1 cannot start: PODNET_STATE_DIR / --state-dir: " +
            "state directory " + stateDirs.resolve("node-1") + ": its lease store " + corrupt.resolve("data.mdb") + " cannot be read");
    }

    @Test
    void shouldRefuseASecondAgentWithTheNameOfALiveNodeAndExit1() throws Exception
    {
        startCluster("node-1", "node-2");
        final Agent first = agents.get("node-2");
        final int firstClusterPort = ports.get("node-2")[0];
        final int firstTunnelPort = ports.get("node-2")[1];
        final String cidr = first.api().get("/api/v1/node").json().get("cidr").asText();

        ports.remove("node-2"); // the second one gets ports of its own
        // on the same host with the same state directory, it is refused by the directory's lock at once
        final Agent sameDirectory = start("node-2", ports.get("node-1")[0], stateDirs.resolve("node-2"));
        agents.put("node-2 (first)", first);
        assertThat(sameDirectory.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sameDirectory.process().exitValue()).isEqualTo(1);
        assertThat(read(sameDirectory.log())).contains("state directory " + stateDirs.resolve("node-2") +
            ": in use by another agent (pid " + first.process().pid() + ")");

        // elsewhere (its own state directory), it joins the cluster and is refused the name
        final Agent second = start("node-2", ports.get("node-1")[0], stateDirs.resolve("node-2-elsewhere"));
        final String reason = "name-in-use: node name node-2 is held by the live member at 127.0.0.1:" + firstClusterPort +
            " (Up), which has lease " + cidr;
        AgentApi.await(() -> second.api().get("/readyz").body().contains(reason), START, "the second node-2 says who holds the name");

        assertThat(second.process().waitFor(90, TimeUnit.SECONDS)).as("gives up after a bounded wait").isTrue();
        assertThat(second.process().exitValue()).isEqualTo(1);
        assertThat(read(second.log())).contains("podnet agent: node node-2 cannot start: node node-2 gave up after 15 s: " + reason);
        assertThat(first.process().isAlive()).isTrue();
        assertThat(agents.get("node-1").api().get("/api/v1/routes").body()).as("node-1 still routes to the first node-2")
            .contains(cidr).contains("\"port\":" + firstTunnelPort);
    }

    // ------------------------------------------------------------------ helpers

    private void prepare() throws IOException
    {
        if (stateDirs == null)
        {
            stateDirs = Files.createDirectories(basedir.resolve("target/lease-restart-state"));
            try (var old = Files.walk(stateDirs))
            {
                old.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(stateDirs)).forEach(p -> p.toFile().delete());
            }
            logs = Files.createDirectories(basedir.resolve("target/agent-logs"));
            for (final String name : NAMES)
            {
                ports.put(name, new int[] {LoopbackPorts.freeTcpPort(), LoopbackPorts.freeUdpPort(), LoopbackPorts.freeTcpPort()});
            }
        }
    }

    /** Starts the nodes one after the other (each once the one before is Ready); returns each node's CIDR. */
    private Map<String, String> startCluster(final String... order) throws IOException
    {
        prepare();
        final Map<String, String> cidrs = new TreeMap<>();
        for (final String name : order)
        {
            final Agent agent = start(name, ports.get("node-1")[0]);
            awaitReady(agent);
            cidrs.put(name, agent.api().get("/api/v1/node").json().get("cidr").asText());
        }
        assertThat(new ArrayList<>(cidrs.values())).doesNotHaveDuplicates();
        return cidrs;
    }

    private void stopAll(final boolean kill) throws InterruptedException
    {
        for (final Agent agent : agents.values())
        {
            if (kill)
            {
                agent.process().destroyForcibly();
            }
            else
            {
                agent.process().destroy();
            }
        }
        for (final Agent agent : agents.values())
        {
            assertThat(agent.process().waitFor(60, TimeUnit.SECONDS)).as("%s stops", agent.name()).isTrue();
            assertThat(agent.process().exitValue()).as("%s's status", agent.name()).isEqualTo(kill ? 137 : 143);
        }
        agents.clear();
    }

    private Agent start(final String name, final int seedPort) throws IOException
    {
        return start(name, seedPort, stateDirs.resolve(name));
    }

    private Agent start(final String name, final int seedPort, final Path stateDir) throws IOException
    {
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        final int[] own = ports.computeIfAbsent(name, n -> new int[] {LoopbackPorts.freeTcpPort(), LoopbackPorts.freeUdpPort(),
            LoopbackPorts.freeTcpPort()});
        final Path log = logs.resolve("restart-" + name + "-" + System.nanoTime() + ".log");
        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-Xmx192m", "-XX:+UseSerialGC",
            "-jar", jar.toString(), "agent",
            "--node", name,
            "--seeds", "127.0.0.1:" + seedPort,
            "--cluster-port", Integer.toString(own[0]),
            "--advertised-host", "127.0.0.1", "--cluster-bind", "127.0.0.1",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(own[1]),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(own[2]),
            "--heartbeat-interval-ms", "200", "--acceptable-pause-ms", "1000", "--stable-after-ms", "1500",
            "--state-dir", stateDir.toString(),
            "--pods", "1")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(variable -> variable.startsWith("PODNET_"));
        builder.environment().put("PODNET_CLUSTER_SECRET", "lease-restart-it-secret-0123");
        final Agent agent = new Agent(name, builder.start(), new AgentApi("http://127.0.0.1:" + own[2]), log);
        agents.put(name, agent);
        return agent;
    }

    private static void awaitReady(final Agent agent)
    {
        final long deadline = System.nanoTime() + START.toNanos();
        while (true)
        {
            try
            {
                if (agent.api().get("/readyz").status() == 200)
                {
                    return;
                }
            }
            catch (final RuntimeException ex)
            {
                // not listening yet
            }
            if (!agent.process().isAlive() || System.nanoTime() > deadline)
            {
                fail("agent %s did not become ready (%s); its log:%n%s", agent.name(),
                    agent.process().isAlive() ? "still starting" : "exited " + agent.process().exitValue(), read(agent.log()));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }
}
