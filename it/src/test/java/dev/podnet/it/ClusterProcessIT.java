package dev.podnet.it;

import dev.podnet.dataplane.Route;
import dev.podnet.diag.LoopbackPorts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Three node agents in cluster mode, three JVM processes started from the shaded jar as a user would:
 * nothing about addresses is configured. Node 1's cluster port is the only seed; the control plane
 * leases each node a /24 of 10.244.0.0/16 and replicates every node's pods, and the nodes are driven
 * only through their HTTP APIs.
 * <pre>
 *                  control plane (Akka cluster on 127.0.0.1, node-1 the seed)
 *   node-1 (/24)  node-1-1, node-1-2   node-2 (/24) ...   node-3 (/24) ...
 *          ========== tunnels: udp 127.0.0.1, one per pair of nodes ==========
 * </pre>
 * The tests run in order on the same three processes: leases, pod tables, connectivity, then node 3
 * is killed (SIGKILL: its route must go within 6 s) and node 2 is stopped (SIGTERM: it leaves).
 * Agent logs: {@code it/target/agent-logs/cluster-*.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterProcessIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Three JVMs starting at once on a small box: generous, the tests themselves are bounded more tightly. */
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    private final List<Agent> agents = new ArrayList<>();
    private Agent node1;
    private Agent node2;
    private Agent node3;

    private record Agent(String name, Process process, int apiPort, int clusterPort, Path log)
    {
        String url(final String path)
        {
            return "http://127.0.0.1:" + apiPort + path;
        }
    }

    private record Reply(int status, String body)
    {
        JsonNode json() throws IOException
        {
            return JSON.readTree(body);
        }
    }

    @BeforeAll
    void startThreeAgents() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        final Path logs = Files.createDirectories(basedir.resolve("target/agent-logs"));

        final int seedPort = LoopbackPorts.freeTcpPort();
        final String seed = "127.0.0.1:" + seedPort;
        node1 = start(jar, logs, "node-1", seedPort, seed);
        node2 = start(jar, logs, "node-2", LoopbackPorts.freeTcpPort(), seed);
        node3 = start(jar, logs, "node-3", LoopbackPorts.freeTcpPort(), seed);

        for (final Agent agent : agents)
        {
            awaitCondition(agent, "become ready (GET /readyz)", START, () -> status(agent, "/readyz") == 200);
        }
    }

    @AfterAll
    void stopAgents() throws InterruptedException
    {
        for (final Agent agent : agents)
        {
            agent.process().destroy();
        }
        for (final Agent agent : agents)
        {
            if (!agent.process().waitFor(30, TimeUnit.SECONDS))
            {
                agent.process().destroyForcibly();
                agent.process().waitFor(10, TimeUnit.SECONDS);
            }
            removeAeronDirectory(agent);
        }
    }

    /**
     * A killed agent leaves its Aeron directory behind (about 15 MB, in /dev/shm: memory); one that
     * stopped removed it itself. Named {@code podnet-NODE-PID-*} ({@code TunnelConfig.resolveAeronDir}).
     */
    private static void removeAeronDirectory(final Agent agent)
    {
        final String prefix = "podnet-" + agent.name() + "-" + agent.process().pid() + "-";
        for (final String base : List.of("/dev/shm", System.getProperty("java.io.tmpdir")))
        {
            try (var dirs = Files.list(Path.of(base)))
            {
                for (final Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList())
                {
                    try (var tree = Files.walk(dir))
                    {
                        for (final Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList())
                        {
                            Files.deleteIfExists(path);
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                // nothing there, or not ours to remove
            }
        }
    }

    @Test
    @Order(1)
    void shouldLeaseEveryNodeADistinctSubnetOfTheClusterCidr() throws Exception
    {
        final Set<String> leases = new HashSet<>();
        for (final Agent agent : agents)
        {
            final JsonNode node = get(agent, "/api/v1/node").json();
            assertThat(node.get("name").asText()).isEqualTo(agent.name());
            assertThat(node.get("mode").asText()).isEqualTo("cluster");
            assertThat(node.get("ready").asBoolean()).as("%s", node).isTrue();
            final String cidr = node.get("cidr").asText();
            assertThat(cidr).as("a /24 of 10.244.0.0/16").matches("10\\.244\\.\\d{1,3}\\.0/24");
            leases.add(cidr);
        }
        assertThat(leases).as("no two nodes share a lease").hasSize(3);
        awaitCondition(node1, "see three members Up", CONVERGE, () -> members(node1).equals(List.of(
            "node-1 Up reachable", "node-2 Up reachable", "node-3 Up reachable")));

        for (final Agent agent : agents)
        {
            awaitCondition(agent, "route to both other nodes through connected (or idle) tunnels", CONVERGE, () ->
            {
                final JsonNode routes = getJsonOrNull(agent, "/api/v1/routes");
                if (routes == null || routes.size() != 2)
                {
                    return false;
                }
                for (final JsonNode route : routes)
                {
                    if (!Route.isHealthy(route.get("tunnel").asText()) || !leases.contains(route.get("cidr").asText()))
                    {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    @Test
    @Order(2)
    void shouldListEveryPodOfEveryNodeOnEveryNode() throws Exception
    {
        for (final Agent agent : agents)
        {
            awaitCondition(agent, "list all 6 pods", CONVERGE, () ->
            {
                final JsonNode pods = getJsonOrNull(agent, "/api/v1/pods");
                return pods != null && pods.size() == 6;
            });
            final List<String> names = new ArrayList<>();
            for (final JsonNode pod : get(agent, "/api/v1/pods").json())
            {
                names.add(pod.get("name").asText());
                final String lease = lease(node(pod.get("node").asText()));
                assertThat(inside(pod.get("ip").asText(), lease)).as("%s inside %s", pod, lease).isTrue();
            }
            assertThat(names).containsExactlyInAnyOrder(
                "node-1-1", "node-1-2", "node-2-1", "node-2-2", "node-3-1", "node-3-2");
        }
    }

    @Test
    @Order(3)
    void shouldPingAPodOnAnotherNodeThroughTwoRoutersWithoutNat() throws Exception
    {
        final JsonNode ping = post(node1, "/api/v1/pods/node-1-1/ping", "{\"target\":\"node-3-1\",\"count\":3,\"intervalMs\":50}");
        assertThat(ping.get("received").asInt()).as("%s", ping).isEqualTo(3);
        for (final JsonNode reply : ping.get("replies"))
        {
            assertThat(reply.get("ttl").asInt()).as("64 less two routed hops").isEqualTo(62);
        }

        final String ownIp = get(node1, "/api/v1/pods/node-1-1").json().get("ip").asText();
        final ObjectNode body = JSON.createObjectNode();
        body.put("target", "node-3-1");
        body.put("port", 8081);
        body.put("payload", "clientip");
        final JsonNode clientIp = post(node1, "/api/v1/pods/node-1-1/udp", body.toString());
        assertThat(clientIp.get("reply").asText()).as("the callee saw the caller's own address")
            .matches(Pattern.quote(ownIp) + ":\\d{1,5}");
    }

    @Test
    @Order(4)
    void shouldWithdrawTheRouteToAKilledNodeWithinSixSeconds() throws Exception
    {
        final String lease3 = lease(node3);
        final String podIp3 = get(node1, "/api/v1/pods/node-3-1").json().get("ip").asText();
        assertThat(get(node1, "/api/v1/routes").body()).contains(lease3);

        final long killedAt = System.nanoTime();
        node3.process().destroyForcibly();
        awaitCondition(node1, "withdraw the route to the killed node-3 (" + lease3 + ")", Duration.ofSeconds(6), () ->
        {
            final JsonNode routes = getJsonOrNull(node1, "/api/v1/routes");
            return routes != null && !routes.toString().contains(lease3);
        });
        final long withdrawnMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertThat(node3.process().waitFor(10, TimeUnit.SECONDS)).isTrue();

        final JsonNode ping = post(node1, "/api/v1/pods/node-1-1/ping",
            "{\"target\":\"" + podIp3 + "\",\"count\":1,\"timeoutMs\":1000}");
        assertThat(ping.get("received").asInt()).isZero();
        assertThat(ping.get("errors")).as("%s", ping).hasSize(1);
        assertThat(ping.get("errors").get(0).get("type").asText()).isEqualTo("net-unreachable");
        assertThat(withdrawnMillis).as("failure detection (1 s pause) plus sync").isLessThan(6_000);

        // the split brain resolver downs it once membership has been stable for 1.5 s; stopping another node
        // before that would make the membership unstable (with these fast settings, that can down everybody)
        awaitCondition(node1, "see node-3 removed", CONVERGE, () -> members(node1).equals(List.of(
            "node-1 Up reachable", "node-2 Up reachable")));
    }

    @Test
    @Order(5)
    void shouldLeaveTheClusterAndExitOnSigterm() throws Exception
    {
        final String lease2 = lease(node2);

        node2.process().destroy();

        assertThat(node2.process().waitFor(30, TimeUnit.SECONDS)).as("node-2 exits after SIGTERM").isTrue();
        assertThat(node2.process().exitValue()).as("the JVM's status for SIGTERM, not 3 (removed)").isEqualTo(143);
        assertThat(log(node2)).contains("node node-2 stopping: leaving the cluster").contains("node node-2 stopped")
            .as("every line names the node").contains(" INFO  node-2 [main] ");
        awaitCondition(node1, "withdraw the route to node-2, which left", CONVERGE, () ->
        {
            final JsonNode routes = getJsonOrNull(node1, "/api/v1/routes");
            return routes != null && !routes.toString().contains(lease2);
        });
        assertThat(get(node1, "/readyz").body()).isEqualTo("ok");
        awaitCondition(node1, "forget node-2's pods, which it withdrew as it left", CONVERGE, () ->
            !getJsonOrNull(node1, "/api/v1/pods").toString().contains("\"node-2\""));
        // node-3 was killed: its pods stay listed under it, NotReady, until it returns or its lease is reclaimed
        assertThat(get(node1, "/api/v1/pods").json()).extracting(pod -> pod.get("node").asText())
            .containsOnly("node-1", "node-3");
        assertThat(get(node1, "/api/v1/nodes/node-3").json().get("status").asText()).isEqualTo("NotReady");
        awaitCondition(node1, "see itself the only member", CONVERGE, () -> members(node1).equals(List.of("node-1 Up reachable")));
        assertThat(node1.process().isAlive()).isTrue();
        assertThat(log(node1)).doesNotContain("was removed from the cluster (status");
    }

    // ------------------------------------------------------------------ helpers

    private Agent start(final Path jar, final Path logs, final String node, final int clusterPort, final String seed)
        throws IOException
    {
        final Path log = logs.resolve("cluster-" + node + ".log");
        final int apiPort = LoopbackPorts.freeTcpPort();
        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "agent",
            "--node", node,
            "--seeds", seed,
            "--cluster-port", Integer.toString(clusterPort),
            "--advertised-host", "127.0.0.1", "--cluster-bind", "127.0.0.1",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(LoopbackPorts.freeUdpPort()),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(apiPort),
            "--heartbeat-interval-ms", "200", "--acceptable-pause-ms", "1000", "--stable-after-ms", "1500",
            "--state-dir", logs.resolve("../cluster-process-state/" + node + "-" + System.nanoTime()).normalize().toString(),
            "--pods", "2")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        // the agent's settings come from flags only: variables of whoever runs the build must not leak in
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        builder.environment().put("PODNET_CLUSTER_SECRET", "cluster-process-it-secret-0123");
        final Agent agent = new Agent(node, builder.start(), apiPort, clusterPort, log);
        agents.add(agent);
        return agent;
    }

    private Agent node(final String name)
    {
        return agents.stream().filter(agent -> agent.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no agent " + name));
    }

    /** The members {@code agent} sees, as {@code "name status reachable|unreachable"}, sorted by name. */
    private static List<String> members(final Agent agent) throws IOException
    {
        final List<String> members = new ArrayList<>();
        for (final JsonNode member : get(agent, "/api/v1/node").json().get("members"))
        {
            members.add(member.get("node").asText() + " " + member.get("status").asText() + " " +
                (member.get("reachable").asBoolean() ? "reachable" : "unreachable"));
        }
        return members;
    }

    private static String lease(final Agent agent) throws IOException
    {
        return get(agent, "/api/v1/node").json().get("cidr").asText();
    }

    private static boolean inside(final String ip, final String cidr)
    {
        return Ipv4Cidr.parse(cidr).contains(Ipv4Address.parse(ip));
    }

    @FunctionalInterface
    private interface Condition
    {
        boolean holds() throws IOException;
    }

    private static void awaitCondition(final Agent agent, final String what, final Duration limit, final Condition condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (true)
        {
            try
            {
                if (condition.holds())
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                // not answering yet
            }
            if (!agent.process().isAlive())
            {
                fail("agent %s exited with %d before it could %s; its log:%n%s", agent.name(), agent.process().exitValue(),
                    what, log(agent));
            }
            if (System.nanoTime() > deadline)
            {
                fail("agent %s did not %s within %s; its log:%n%s", agent.name(), what, limit, log(agent));
            }
            Thread.sleep(50);
        }
    }

    private static String log(final Agent agent)
    {
        try
        {
            return Files.readString(agent.log(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }

    private static int status(final Agent agent, final String path)
    {
        try
        {
            return get(agent, path).status();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    /** The JSON of a 200 answer, null for any other status. */
    private static JsonNode getJsonOrNull(final Agent agent, final String path) throws IOException
    {
        final Reply reply = get(agent, path);
        return reply.status() == 200 ? reply.json() : null;
    }

    private static JsonNode post(final Agent agent, final String path, final String body) throws IOException
    {
        final Reply reply = send(agent, "POST", path, body);
        assertThat(reply.status()).as("POST %s %s -> %s", path, body, reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static Reply get(final Agent agent, final String path) throws IOException
    {
        return send(agent, "GET", path, null);
    }

    private static Reply send(final Agent agent, final String method, final String path, final String body) throws IOException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(agent.url(path)))
            .timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }


}
