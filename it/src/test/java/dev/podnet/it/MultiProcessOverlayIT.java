package dev.podnet.it;

import dev.podnet.dataplane.Route;
import dev.podnet.diag.LoopbackPorts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two node agents in two JVM processes, started from the shaded jar exactly as a user would, talking
 * through the Aeron tunnel on loopback and driven only through their HTTP APIs:
 * <pre>
 *   node a (10.244.1.0/24)  a-1, a-2  ==== tunnel udp 127.0.0.1 ====  node c (10.244.3.0/24)  c-1, c-2
 * </pre>
 * Routes come from {@code --peer}; each node is told the other's pods through
 * {@code PUT /api/v1/endpoints} (static configuration, until the control plane does it).
 * Agent logs: {@code it/target/agent-logs/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultiProcessOverlayIT
{
    /**
     * The pod MTU with the default 1500-byte underlay: 1500 - 28 (outer IPv4 + UDP), rounded down to
     * a multiple of 32 = 1472, - 32 (Aeron header) - 13 (Protobuf envelope) - 14 (inner Ethernet)
     * (TunnelConfig, docs/MTU.md).
     */
    private static final int POD_MTU = 1413;
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Agent> agents = new ArrayList<>();
    private Agent a;
    private Agent c;
    private JsonNode podA;
    private JsonNode podC;

    private record Agent(String name, Process process, int apiPort, Path log)
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
    void startTwoAgents() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        final Path logs = Files.createDirectories(basedir.resolve("target/agent-logs"));

        final int tunnelA = LoopbackPorts.freeUdpPort();
        final int tunnelC = LoopbackPorts.freeUdpPort();
        a = start(jar, logs, "a", "10.244.1.0/24", tunnelA, LoopbackPorts.freeTcpPort(), "c=10.244.3.0/24@127.0.0.1:" + tunnelC);
        c = start(jar, logs, "c", "10.244.3.0/24", tunnelC, LoopbackPorts.freeTcpPort(), "a=10.244.1.0/24@127.0.0.1:" + tunnelA);

        for (final Agent agent : agents)
        {
            awaitCondition(agent, "answers /healthz", () -> healthy(agent));
        }

        final JsonNode podsA = get(a, "/api/v1/pods").json();
        final JsonNode podsC = get(c, "/api/v1/pods").json();
        assertThat(podsA).hasSize(2);
        assertThat(podsC).hasSize(2);
        podA = podsA.get(0);
        podC = podsC.get(0);
        assertThat(podA.get("name").asText()).isEqualTo("a-1");
        assertThat(podC.get("name").asText()).isEqualTo("c-1");

        for (final JsonNode pod : podsA)
        {
            assertThat(send(c, "PUT", "/api/v1/endpoints", endpoint(pod)).status()).isEqualTo(204);
        }
        for (final JsonNode pod : podsC)
        {
            assertThat(send(a, "PUT", "/api/v1/endpoints", endpoint(pod)).status()).isEqualTo(204);
        }

        for (final Agent agent : agents)
        {
            awaitCondition(agent, "shows its tunnel connected (or idle)", () -> tunnelConnected(agent));
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
            if (!agent.process().waitFor(15, TimeUnit.SECONDS))
            {
                agent.process().destroyForcibly();
                agent.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldPingAPodOnTheOtherNodeThroughTwoRouters() throws Exception
    {
        final JsonNode ping = post(a, "/api/v1/pods/a-1/ping", "{\"target\":\"c-1\",\"count\":3,\"intervalMs\":50}");

        assertThat(ping.get("targetIp").asText()).isEqualTo(ip(podC));
        assertThat(ping.get("received").asInt()).as("%s", ping).isEqualTo(3);
        for (final JsonNode reply : ping.get("replies"))
        {
            assertThat(reply.get("from").asText()).isEqualTo(ip(podC));
            assertThat(reply.get("ttl").asInt()).as("64 less two routed hops").isEqualTo(62);
        }

        final JsonNode back = post(c, "/api/v1/pods/c-1/ping", "{\"target\":\"a-1\",\"count\":3,\"intervalMs\":50}");
        assertThat(back.get("received").asInt()).as("%s", back).isEqualTo(3);
        assertThat(back.get("replies").get(0).get("ttl").asInt()).isEqualTo(62);
    }

    @Test
    void shouldTraceTheGatewayThenTheOtherNodeThenThePod() throws Exception
    {
        final JsonNode trace = post(a, "/api/v1/pods/a-1/traceroute", "{\"target\":\"c-1\"}");

        assertThat(trace.get("reached").asBoolean()).as("%s", trace).isTrue();
        final List<String> hops = new ArrayList<>();
        trace.get("hops").forEach(hop -> hops.add(hop.get("address").asText()));
        assertThat(hops).containsExactly("10.244.1.1", "10.244.3.0", ip(podC));
    }

    @Test
    void shouldShowTheCallerItsOwnAddressWithoutNat() throws Exception
    {
        final JsonNode clientIp = udp(a, "a-1", "c-1", "clientip");
        assertThat(clientIp.get("from").asText()).isEqualTo(ip(podC) + ":8081");
        assertThat(clientIp.get("reply").asText()).matches(Pattern.quote(ip(podA)) + ":\\d{1,5}");

        assertThat(udp(a, "a-1", "c-1", "hostname").get("reply").asText()).isEqualTo("c-1");
    }

    @Test
    void shouldCarryTheLargestUnfragmentedPacketAndReportFragNeededBeyond() throws Exception
    {
        final JsonNode fits = post(a, "/api/v1/pods/a-1/ping",
            "{\"target\":\"c-1\",\"count\":2,\"intervalMs\":50,\"dontFragment\":true,\"size\":" + (POD_MTU - 28) + "}");
        assertThat(fits.get("received").asInt()).as("%s", fits).isEqualTo(2);

        final JsonNode tooBig = post(a, "/api/v1/pods/a-1/ping",
            "{\"target\":\"c-1\",\"count\":1,\"dontFragment\":true,\"size\":" + (POD_MTU - 27) + "}");
        assertThat(tooBig.get("received").asInt()).as("%s", tooBig).isZero();
        final JsonNode error = tooBig.get("errors").get(0);
        assertThat(error.get("type").asText()).isEqualTo("frag-needed");
        assertThat(error.get("mtu").asInt()).isEqualTo(POD_MTU);
    }

    @Test
    void shouldEchoADatagramThatNeedsFragmentation() throws Exception
    {
        final StringBuilder text = new StringBuilder(8000);
        for (int i = 0; text.length() < 8000; i++)
        {
            text.append((char)('a' + i % 26));
        }

        final JsonNode echo = udp(a, "a-1", "c-1", "echo " + text);

        assertThat(echo.get("reply").asText()).isEqualTo(text.toString());
    }

    @Test
    void shouldAddAndWithdrawARouteThroughTheApi() throws Exception
    {
        final String route = "{\"node\":\"x\",\"cidr\":\"10.244.9.0/24\",\"host\":\"127.0.0.1\",\"port\":" + LoopbackPorts.freeUdpPort() + "}";
        assertThat(send(a, "PUT", "/api/v1/routes", route).status()).isEqualTo(204);
        assertThat(get(a, "/api/v1/routes").body()).contains("\"cidr\":\"10.244.9.0/24\"");

        final Reply overlapping = send(a, "PUT", "/api/v1/routes",
            "{\"node\":\"y\",\"cidr\":\"10.244.9.0/25\",\"host\":\"127.0.0.1\",\"port\":1}");
        assertThat(overlapping.status()).as(overlapping.body()).isEqualTo(409);

        assertThat(send(a, "DELETE", "/api/v1/routes?cidr=10.244.9.0/24", null).status()).isEqualTo(204);
        assertThat(send(a, "DELETE", "/api/v1/routes?cidr=10.244.9.0/24", null).status()).isEqualTo(404);
        assertThat(get(a, "/api/v1/routes").body()).doesNotContain("10.244.9.0/24");
    }

    // ------------------------------------------------------------------ helpers

    private Agent start(
        final Path jar, final Path logs, final String node, final String cidr, final int tunnelPort, final int apiPort,
        final String peer) throws IOException
    {
        final Path log = logs.resolve("agent-" + node + ".log");
        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "agent",
            "--node", node, "--pod-cidr", cidr,
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(tunnelPort),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(apiPort),
            "--peer", peer, "--pods", "2")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        // the agent's settings come from flags only: variables of whoever runs the build must not leak in
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        final Agent agent = new Agent(node, builder.start(), apiPort, log);
        agents.add(agent);
        return agent;
    }

    private static void awaitCondition(final Agent agent, final String what, final BooleanSupplier condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (!agent.process().isAlive())
            {
                fail("agent %s exited with %d before it %s; its log:%n%s", agent.name(), agent.process().exitValue(), what, log(agent));
            }
            if (System.nanoTime() > deadline)
            {
                fail("agent %s did not %s within 30 s; its log:%n%s", agent.name(), what, log(agent));
            }
            Thread.sleep(50);
        }
    }

    private static boolean healthy(final Agent agent)
    {
        try
        {
            final Reply reply = get(agent, "/healthz");
            return reply.status() == 200 && reply.body().equals("ok");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Its one tunnel is healthy: connected, or idle (quiet, not broken: it may go idle whenever nothing is sent). */
    private static boolean tunnelConnected(final Agent agent)
    {
        try
        {
            final JsonNode routes = get(agent, "/api/v1/routes").json();
            return routes.size() == 1 && Route.isHealthy(routes.get(0).get("tunnel").asText());
        }
        catch (final IOException ex)
        {
            return false;
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

    private static String endpoint(final JsonNode pod)
    {
        final ObjectNode endpoint = JSON.createObjectNode();
        endpoint.put("ip", pod.get("ip").asText());
        endpoint.put("mac", pod.get("mac").asText());
        endpoint.put("node", pod.get("node").asText());
        endpoint.put("pod", pod.get("name").asText());
        return endpoint.toString();
    }

    private static String ip(final JsonNode pod)
    {
        return pod.get("ip").asText();
    }

    private static JsonNode udp(final Agent agent, final String from, final String target, final String payload) throws IOException
    {
        final ObjectNode body = JSON.createObjectNode();
        body.put("target", target);
        body.put("port", 8081);
        body.put("payload", payload);
        return post(agent, "/api/v1/pods/" + from + "/udp", body.toString());
    }

    private static JsonNode post(final Agent agent, final String path, final String body) throws IOException
    {
        final Reply reply = send(agent, "POST", path, body);
        assertThat(reply.status()).as("POST %s %s -> %s", path, body.length() > 200 ? body.substring(0, 200) + "..." : body,
            reply.body()).isEqualTo(200);
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
