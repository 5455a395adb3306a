package dev.podnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.agent.AgentSettings.Setting;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code podnet pack}: three real cluster-mode agents in this JVM (Akka members, Aeron tunnels, data planes, APIs), one
 * crashed through the API as chaos does: the others withdraw it, the pack starts it again, it gets its lease back and
 * every pod reaches every other once more.
 */
class AgentPackTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Map<String, String> ENV = Map.of(AgentSettings.CLUSTER_SECRET_ENV, LocalCluster.SECRET);

    private AgentPack pack;

    @AfterEach
    void stop()
    {
        if (pack != null)
        {
            pack.close();
        }
    }

    @Test
    void shouldRunAgentsInOneJvmAndStartACrashedOneAgainWithItsLease() throws Exception
    {
        final int seedPort = LoopbackPorts.freeTcpPort();
        final List<AgentSettings> settings = new ArrayList<>();
        for (int i = 1; i <= 3; i++)
        {
            final Map<Setting, String> flags = LocalCluster.flags("node-" + i, seedPort, i == 1 ? seedPort : LoopbackPorts.freeTcpPort());
            flags.put(Setting.PODS, LocalCluster.podName(i, 1));
            settings.add(AgentSettings.resolve(flags, Map.of(AgentSettings.CLUSTER_SECRET_ENV, LocalCluster.SECRET), () -> "unused"));
        }
        pack = AgentPack.start(settings);
        final int api1 = settings.get(0).apiPort();
        final int api3 = settings.get(2).apiPort();
        assertThat(pack.nodeNames()).containsExactly("node-1", "node-2", "node-3");
        LocalCluster.await(() -> check(api1).path("ok").asInt() == 6, LIMIT, "every pod reaches every other");
        final String lease = get(api3, "/api/v1/node").get("cidr").asText();
        final ClusterAgent firstLife = pack.agent("node-3");

        // asked through node-1, forwarded to node-3's agent, which stops without a word to the cluster
        final HttpResponse<String> crash = send(api1, "POST", "/api/v1/nodes/node-3/crash");
        assertThat(crash.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(crash.body()).get("crash").asText()).contains("without leaving the cluster");

        LocalCluster.await(() -> firstLife.exitStatus() == ClusterAgent.EXIT_CRASHED, LIMIT, "node-3's agent crashed");
        LocalCluster.await(() -> !memberStatus(api1, "node-3").equals("Up/reachable"), LIMIT,
            "node-1 finds out through its failure detector (no leave)");
        LocalCluster.await(() -> pack.lives("node-3") == 2 && ready(api3), LIMIT, "the pack starts node-3 again, Ready");
        assertThat(get(api3, "/api/v1/node").get("cidr").asText()).as("its lease back").isEqualTo(lease);
        LocalCluster.await(() -> check(api1).path("ok").asInt() == 6, LIMIT, "every pod reaches every other again");
        assertThat(pack.lives("node-1")).as("the others untouched").isEqualTo(1);
        assertThat(pack.lives("node-2")).isEqualTo(1);

        pack.close();
        for (final AgentSettings each : settings)
        {
            assertThatThrownBy(() -> get(each.apiPort(), "/healthz")).as("every API closed").isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldLetAgentsStartInTheirOrderAFewAtATime() throws Exception
    {
        final AgentPack.StartGate gate = new AgentPack.StartGate(2);
        gate.await(0);
        gate.await(1);
        final java.util.concurrent.CountDownLatch third = new java.util.concurrent.CountDownLatch(1);
        final Thread waiting = new Thread(() ->
        {
            gate.await(2);
            third.countDown();
        });
        waiting.start();

        assertThat(third.await(300, java.util.concurrent.TimeUnit.MILLISECONDS)).as("the third waits: two are starting").isFalse();
        gate.ended();
        assertThat(third.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("one of the first two ended").isTrue();
        waiting.join();
        final Thread fourth = new Thread(() -> gate.await(3));
        fourth.start();
        fourth.join(300);
        assertThat(fourth.isAlive()).as("the fourth waits for a second start to end").isTrue();
        gate.ended();
        fourth.join(10_000);
        assertThat(fourth.isAlive()).isFalse();
    }

    @Test
    void shouldFailTheWholePackWhenAnAgentCannotStart() throws Exception
    {
        final int seedPort = LoopbackPorts.freeTcpPort();
        final Map<Setting, String> first = LocalCluster.flags("node-1", seedPort, seedPort);
        final Map<Setting, String> second = LocalCluster.flags("node-2", seedPort, LoopbackPorts.freeTcpPort());
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            second.put(Setting.API_PORT, Integer.toString(taken.getLocalPort()));
            final List<AgentSettings> settings = List.of(
                AgentSettings.resolve(first, Map.of(AgentSettings.CLUSTER_SECRET_ENV, LocalCluster.SECRET), () -> "unused"),
                AgentSettings.resolve(second, Map.of(AgentSettings.CLUSTER_SECRET_ENV, LocalCluster.SECRET), () -> "unused"));

            assertThatThrownBy(() -> AgentPack.start(settings))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node node-2 cannot start: cannot serve the API on 127.0.0.1:" + taken.getLocalPort());
            assertThatThrownBy(() -> get(settings.get(0).apiPort(), "/healthz")).as("node-1 stopped with it")
                .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldRefuseAPackOfAgentsThatCollideNamingTheAgent()
    {
        assertThatThrownBy(() -> PackCommand.resolve(List.of("--node a --seeds 127.0.0.1:2552", "--node a --seeds 127.0.0.1:2552 " +
            "--cluster-port 2553"), ENV))
            .hasMessage("--agent #2: node a is in the pack twice");
        assertThatThrownBy(() -> PackCommand.resolve(List.of("--node a --seeds 127.0.0.1:2552", "--node b --seeds 127.0.0.1:2552"), ENV))
            .hasMessage("--agent #2 (node b): its api port 8080 is another agent's of this pack");
        assertThatThrownBy(() -> PackCommand.resolve(List.of("--node a --pod-cidr 10.244.1.0/24"), ENV))
            .hasMessage("--agent #1 (node a): a packed agent runs in cluster mode: give it --seeds");
        assertThatThrownBy(() -> PackCommand.resolve(List.of("--node a --seeds 127.0.0.1:2552 --nope"), ENV))
            .hasMessageStartingWith("--agent #1 ('--node a --seeds 127.0.0.1:2552 --nope'): Unknown option: '--nope'");
    }

    @Test
    void shouldGiveEachPackedAgentItsTunnelIdleTimeFromItsOptionsOrTheEnvironment()
    {
        final Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put(AgentSettings.Setting.TUNNEL_IDLE.env(), "5000");

        final List<AgentSettings> agents = PackCommand.resolve(List.of("--node a --seeds 127.0.0.1:2552 --tunnel-idle-ms 0",
            "--node b --seeds 127.0.0.1:2552 --cluster-port 2553 --api-port 8081 --tunnel-port 8473"), env);

        assertThat(agents).extracting(settings -> settings.tunnelConfig().peerIdleMs()).containsExactly(0L, 5000L);
        assertThatThrownBy(() -> PackCommand.resolve(List.of("--node a --seeds 127.0.0.1:2552 --tunnel-idle-ms 10"), ENV))
            .hasMessageStartingWith("--agent #1: PODNET_TUNNEL_IDLE_MS / --tunnel-idle-ms: 10 ms is shorter than 100 ms");
    }

    private static boolean ready(final int port)
    {
        try
        {
            return get(port, "/api/v1/node").path("ready").asBoolean();
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }

    private static String memberStatus(final int port, final String node)
    {
        try
        {
            for (final JsonNode member : get(port, "/api/v1/node").path("members"))
            {
                if (member.path("node").asText().equals(node))
                {
                    return member.path("status").asText() + "/" + (member.path("reachable").asBoolean() ? "reachable" : "unreachable");
                }
            }
            return "gone";
        }
        catch (final IOException | InterruptedException ex)
        {
            return "unknown";
        }
    }

    private static JsonNode check(final int port)
    {
        try
        {
            final HttpResponse<String> response = send(port, "POST", "/api/v1/check");
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        }
        catch (final IOException | InterruptedException ex)
        {
            return JSON.createObjectNode();
        }
    }

    private static JsonNode get(final int port, final String path) throws IOException, InterruptedException
    {
        return JSON.readTree(send(port, "GET", path).body());
    }

    private static HttpResponse<String> send(final int port, final String method, final String path)
        throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody())
            .header("Content-Type", "application/json")
            .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
