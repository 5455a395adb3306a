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
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code podnet demo --nodes 3 --pods 2} run from the shaded jar as a user runs it: one launcher
 * process, three agent JVMs under it. In order: the demo comes up (three Ready nodes with distinct
 * leases, a full matrix); an agent killed with SIGKILL is restarted by the launcher and Ready again;
 * SIGTERM to the launcher stops everything: it exits 0 and leaves no process, no open API port and no
 * Aeron directory behind. The launcher's output: {@code it/target/demo-logs/demo.out}; the agents' logs
 * next to it.
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
    private static final int NODES = 3;

    /** Every agent process seen under the launcher, killed ones included. */
    private final Set<ProcessHandle> agents = new HashSet<>();
    private Process launcher;
    private Path out;
    private int apiBase;
    private Path logs;

    @BeforeAll
    void startTheDemo() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        logs = basedir.resolve("target/demo-logs");
        deleteTree(logs);
        Files.createDirectories(logs);

        apiBase = LoopbackPorts.consecutiveFree(NODES, false);
        int clusterBase;
        do
        {
            clusterBase = LoopbackPorts.consecutiveFree(NODES, false);
        }
        while (clusterBase < apiBase + NODES && apiBase < clusterBase + NODES);
        final int tunnelBase = LoopbackPorts.consecutiveFree(NODES, true);

        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "demo", "--nodes", Integer.toString(NODES), "--pods", "2",
            "--api-port", Integer.toString(apiBase), "--cluster-port", Integer.toString(clusterBase),
            "--tunnel-port", Integer.toString(tunnelBase), "--logs", logs.resolve("agents").toString(),
            "--state-dir", logs.resolve("state").toString())
            .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        // to a file, not a pipe: Process.destroy() closes the pipe, and the last lines (the stop) would be lost
        out = logs.resolve("demo.out");
        launcher = builder.redirectOutput(out.toFile()).start();

        awaitOutput("podnet demo: ready", READY);
        agents.addAll(agentProcesses());
    }

    @AfterAll
    void leaveNothingRunning() throws InterruptedException
    {
        if (launcher == null)
        {
            return;
        }
        agents.addAll(agentProcesses());
        if (launcher.isAlive())
        {
            launcher.destroy();
            if (!launcher.waitFor(STOP.toSeconds(), TimeUnit.SECONDS))
            {
                launcher.destroyForcibly();
            }
        }
        agents.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    @Order(1)
    void shouldStartThreeReadyNodesWithDistinctLeasesAndShowTheFullMatrix() throws Exception
    {
        final String printed = output();
        for (int i = 1; i <= NODES; i++)
        {
            assertThat(printed)
                .containsPattern("node-" + i + " +Ready +10\\.244\\.\\d{1,3}\\.0/24 +api 127\\.0\\.0\\.1:" + (apiBase + i - 1));
        }
        assertThat(printed).contains("    a1  a2  b1  b2  c1  c2\n", "a1  -   ok  ok  ok  ok  ok\n", "30/30 pairs ok\n",
            "web view: http://localhost:" + apiBase + "/");

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
        assertThat(agents).as("one agent JVM per node under the launcher").hasSize(NODES);
    }

    @Test
    @Order(2)
    void shouldRestartAnAgentKilledWithSigkill() throws Exception
    {
        final int node2Api = apiBase + 1;
        final String lease = get(node2Api, "/api/v1/node").get("cidr").asText();
        final ProcessHandle node2 = agent("node-2").orElseThrow(() -> new AssertionError("no node-2 agent under the launcher"));

        assertThat(node2.destroyForcibly()).isTrue();

        awaitOutput("node-2 exited with status 137 (SIGKILL); restarting", RESTART);
        awaitOutput("node-2 Ready again", RESTART);
        final ProcessHandle restarted = agent("node-2").orElseThrow(() -> new AssertionError("no node-2 agent after the restart"));
        agents.add(restarted);
        assertThat(restarted.pid()).isNotEqualTo(node2.pid());
        assertThat(node2.isAlive()).isFalse();
        final JsonNode node = get(node2Api, "/api/v1/node");
        assertThat(node.get("ready").asBoolean()).as("%s", node).isTrue();
        assertThat(node.get("cidr").asText()).as("the lease it had").isEqualTo(lease);
        assertThat(aeronDirectories(node2)).as("the killed agent's Aeron directory, removed by the launcher").isEmpty();
        assertThat(launcher.isAlive()).isTrue();
    }

    @Test
    @Order(3)
    void shouldStopEveryAgentAndExit0OnSigterm() throws Exception
    {
        agents.addAll(agentProcesses());

        launcher.destroy();

        assertThat(launcher.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)).as("the launcher exits after SIGTERM").isTrue();
        assertThat(launcher.exitValue()).as("output:%n%s", output()).isZero();
        assertThat(launcher.descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
        for (final ProcessHandle agent : agents)
        {
            assertThat(agent.isAlive()).as("agent pid %d", agent.pid()).isFalse();
            assertThat(aeronDirectories(agent)).as("Aeron directory of agent pid %d", agent.pid()).isEmpty();
        }
        for (int port = apiBase; port < apiBase + NODES; port++)
        {
            assertThat(listening(port)).as("API port %d", port).isFalse();
        }
        assertThat(output()).contains("stopping (SIGTERM)", "node-1 exited 143, node-2 exited 143, node-3 exited 143");
    }

    // ------------------------------------------------------------------ helpers

    /** The agent JVMs under the launcher now. */
    private List<ProcessHandle> agentProcesses()
    {
        return launcher.descendants()
            .filter(process -> process.info().arguments().map(args -> List.of(args).contains("agent")).orElse(false))
            .toList();
    }

    private Optional<ProcessHandle> agent(final String node)
    {
        return agentProcesses().stream()
            .filter(process -> process.info().arguments().map(args -> argument(args, "--node").equals(node)).orElse(false))
            .findFirst();
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

    private void awaitOutput(final String text, final Duration limit) throws InterruptedException
    {
        await("the demo to print '" + text + "'", limit, () -> output().contains(text));
    }

    private void await(final String what, final Duration limit, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (!launcher.isAlive())
            {
                fail("the demo exited with %d while waiting for %s; its output:%n%s", launcher.exitValue(), what, output());
            }
            if (System.nanoTime() > deadline)
            {
                fail("waited %s for %s; the demo's output:%n%s", limit, what, output());
            }
            Thread.sleep(100);
        }
    }

    private String output()
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
