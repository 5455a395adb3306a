package dev.podnet.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;
import dev.podnet.testing.Http.Reply;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/v1/trace} against three real agents in one JVM (a1, a2 on node-1, b1, b2 on node-2, c1, c2 on
 * node-3): the packet's walk as every stage on every node reported it, for a pod on the same node, one across the
 * tunnel (with the trace id carried over), an impaired link, an address no route leads to and a closed UDP port; and a live packet the pod sent by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceApiTest
{
    private static final String SOLO = """
        apiVersion: v1
        kind: Service
        metadata: {name: solo}
        spec:
          selector: {trace: solo}
          ports:
          - {name: udp, protocol: UDP, port: 80, targetPort: 8081}
          - {name: http, protocol: TCP, port: 80, targetPort: 8080}
        """;

    private LocalCluster cluster;
    private String soloIp;

    @BeforeAll
    void startCluster()
    {
        cluster = LocalCluster.start(3, 2);
        for (int i = 1; i <= 3; i++)
        {
            final String api = cluster.api(i);
            LocalCluster.await(() -> Http.get(api + "/api/v1/pods").json().size() == 6, LocalCluster.CONVERGE,
                "node-" + i + " knows the 6 pods");
        }
        // every pod has talked to every pod: bridges know every MAC, pods their gateway's (a first contact floods and ARPs)
        LocalCluster.await(() -> Http.post(cluster.api(1) + "/api/v1/check", "{}").json().get("failed").isEmpty(),
            LocalCluster.CONVERGE, "every pair connects");

        // a Service whose one endpoint is b2 (node-2), with a UDP port onto netexec and a TCP one onto its HTTP server
        assertThat(Http.send("PUT", cluster.api(1) + "/api/v1/pods/b2/labels", "{\"labels\": {\"trace\": \"solo\"}}").status())
            .isEqualTo(200);
        final Reply applied = Http.post(cluster.api(1) + "/api/v1/apply", SOLO);
        assertThat(applied.status()).as(applied.body()).isEqualTo(200);
        for (int i = 1; i <= 2; i++)
        {
            final String api = cluster.api(i);
            LocalCluster.await(() -> Http.get(api + "/api/v1/namespaces/default/endpoints/solo").json().path("addresses").size() == 1,
                LocalCluster.CONVERGE, "node-" + i + " knows solo's endpoint");
        }
        soloIp = Http.get(cluster.api(1) + "/api/v1/namespaces/default/services/solo").json().get("clusterIP").asText();
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private JsonNode trace(final int asked, final String body)
    {
        final Reply reply = Http.post(cluster.api(asked) + "/api/v1/trace", body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** Each hop as "node component action". */
    private static List<String> walk(final JsonNode trace)
    {
        final List<String> steps = new ArrayList<>();
        trace.get("hops").forEach(hop -> steps.add(hop.get("node").asText() + " " + hop.get("component").asText() + " " +
            hop.get("action").asText()));
        return steps;
    }

    /** Every hop of {@code node component action}, in order. */
    private static List<JsonNode> hops(final JsonNode trace, final String node, final String component, final String action)
    {
        final List<JsonNode> found = new ArrayList<>();
        for (final JsonNode hop : trace.get("hops"))
        {
            if (hop.get("node").asText().equals(node) && hop.get("component").asText().equals(component) &&
                hop.get("action").asText().equals(action))
            {
                found.add(hop);
            }
        }
        assertThat(found).as("hops '" + node + " " + component + " " + action + "' in " + walk(trace)).isNotEmpty();
        return found;
    }

    private String ip(final String pod)
    {
        return Http.get(cluster.api(1) + "/api/v1/pods/" + pod).json().get("ip").asText();
    }

    private static JsonNode hop(final JsonNode trace, final String node, final String component, final String action)
    {
        for (final JsonNode hop : trace.get("hops"))
        {
            if (hop.get("node").asText().equals(node) && hop.get("component").asText().equals(component) &&
                hop.get("action").asText().equals(action))
            {
                return hop;
            }
        }
        throw new AssertionError("no hop '" + node + " " + component + " " + action + "' in " + walk(trace));
    }

    @Test
    void shouldWalkAPingBetweenPodsOfOneNodeThroughTheBridgeAndBack()
    {
        final JsonNode trace = trace(2, "{\"from\": \"a1\", \"to\": \"a2\"}");

        assertThat(walk(trace)).containsExactly(
            "node-1 pod a1 sent", "node-1 anti-spoofing passed", "node-1 bridge forwarded", "node-1 pod a2 received",
            "node-1 pod a2 sent", "node-1 anti-spoofing passed", "node-1 bridge forwarded", "node-1 pod a1 received");
        assertThat(trace.get("delivered").asBoolean()).isTrue();
        assertThat(trace.get("replied").asBoolean()).isTrue();
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to a2; the answer came back to a1");
        assertThat(hop(trace, "node-1", "bridge", "forwarded").get("detail").asText()).startsWith("to port a2 (from port a1): FDB entry");
        assertThat(hop(trace, "node-1", "pod a1", "sent").get("headers").asText()).contains("ICMP echo-request");
        assertThat(trace.get("hops").get(4).get("headers").asText()).contains("ICMP echo-reply");
    }

    @Test
    void shouldWalkAPingAcrossTheTunnelWithEveryStageOnBothNodes()
    {
        final JsonNode trace = trace(3, "{\"from\": \"a1\", \"to\": \"b2\"}");

        assertThat(walk(trace)).containsExactly(
            "node-1 pod a1 sent", "node-1 anti-spoofing passed", "node-1 bridge forwarded", "node-1 router forwarded",
            "node-1 tunnel encapsulated",
            "node-2 tunnel received", "node-2 router forwarded", "node-2 bridge forwarded", "node-2 pod b2 received",
            "node-2 pod b2 sent", "node-2 anti-spoofing passed", "node-2 bridge forwarded", "node-2 router forwarded",
            "node-2 tunnel encapsulated",
            "node-1 tunnel received", "node-1 router forwarded", "node-1 bridge forwarded", "node-1 pod a1 received");
        final JsonNode route = hop(trace, "node-1", "router", "forwarded");
        assertThat(route.get("detail").asText()).startsWith("to node node-2 through the tunnel: route 10.244.").contains("TTL 64 -> 63");
        assertThat(route.get("headers").asText()).contains("ttl 64");
        assertThat(route.get("headersAfter").asText()).contains("ttl 63");
        assertThat(hop(trace, "node-1", "tunnel", "encapsulated").get("detail").asText())
            .contains("underlay 127.0.0.1:" + cluster.agent(2).settings().tunnelPort()).endsWith("trace id carried");
        assertThat(hop(trace, "node-2", "router", "forwarded").get("detail").asText()).contains("TTL 63 -> 62");
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to b2; the answer came back to a1");
        assertThat(trace.get("unanswered")).isEmpty();
        long previous = 0;
        for (final JsonNode hop : trace.get("hops"))
        {
            assertThat(hop.get("sinceStartUs").asLong()).isGreaterThanOrEqualTo(previous);
            previous = hop.get("sinceStartUs").asLong();
        }
    }

    @Test
    void shouldShowTheLinkImpairmentOnTheWay()
    {
        Http.send("PUT", cluster.api(1) + "/api/v1/links/node-1/node-3", "{\"delay\": \"20ms\"}");
        try
        {
            final JsonNode trace = trace(1, "{\"from\": \"a2\", \"to\": \"c1\", \"protocol\": \"udp\", \"port\": 7}");

            final JsonNode link = hop(trace, "node-1", "link", "delayed");
            assertThat(link.get("detail").asText()).isEqualTo("the link to node-3 (delay 20ms) holds it 20.0 ms");
            assertThat(walk(trace)).containsSubsequence("node-1 router forwarded", "node-1 link delayed", "node-1 tunnel encapsulated",
                "node-3 tunnel received");
            assertThat(trace.get("replied").asBoolean()).as("netexec's echo answers").isTrue();
        }
        finally
        {
            Http.send("DELETE", cluster.api(1) + "/api/v1/links/node-1/node-3", "");
        }
    }

    @Test
    void shouldExplainADropByAPartitionInOneLine()
    {
        Http.send("PUT", cluster.api(1) + "/api/v1/links/node-2/node-1", "{\"partition\": true}");
        try
        {
            final JsonNode trace = trace(1, "{\"from\": \"b1\", \"to\": \"a1\", \"timeoutMs\": 500}");

            assertThat(trace.get("delivered").asBoolean()).isFalse();
            assertThat(trace.get("drop").asText())
                .isEqualTo("node-2 link: netem-partition: the link to the peer is partitioned in this direction");
            assertThat(walk(trace)).endsWith("node-2 router forwarded", "node-2 link dropped");
        }
        finally
        {
            Http.send("DELETE", cluster.api(1) + "/api/v1/links/node-2/node-1", "");
        }
    }

    @Test
    void shouldExplainAnAddressNoRouteLeadsTo()
    {
        final JsonNode trace = trace(1, "{\"from\": \"a1\", \"to\": \"10.244.250.9\"}");

        assertThat(trace.get("delivered").asBoolean()).isFalse();
        assertThat(trace.get("drop").asText()).isEqualTo("node-1 router: no-route: no route to the destination's network: " +
            "answered with ICMP net unreachable");
        assertThat(walk(trace)).containsExactly("node-1 pod a1 sent", "node-1 anti-spoofing passed", "node-1 bridge forwarded",
            "node-1 router dropped", "node-1 router answered", "node-1 bridge forwarded", "node-1 pod a1 received");
        assertThat(trace.get("hops").get(6).get("headers").asText()).contains("ICMP net-unreachable");
        assertThat(trace.get("verdict").asText()).startsWith("dropped at node-1 router: no-route").endsWith("a1 got the error back");
    }

    @Test
    void shouldExplainAClosedUdpPortAtTheReceivingPod()
    {
        final JsonNode trace = trace(2, "{\"from\": \"c2\", \"to\": \"b1\", \"protocol\": \"udp\", \"port\": 7777}");

        assertThat(trace.get("delivered").asBoolean()).isTrue();
        assertThat(trace.get("drop").asText()).startsWith("node-2 pod b1: no-socket: no socket listens on that UDP port");
        assertThat(walk(trace)).containsSubsequence("node-2 pod b1 received", "node-2 pod b1 dropped", "node-2 pod b1 sent",
            "node-3 pod c2 received");
    }

    @Test
    void shouldShowTheServiceStageChoosingTheEndpointAndTranslatingTheReplyBack()
    {
        final JsonNode trace = trace(3, "{\"from\": \"a1\", \"to\": \"solo\", \"protocol\": \"udp\", \"port\": 80}");

        assertThat(walk(trace)).containsExactly(
            "node-1 pod a1 sent", "node-1 anti-spoofing passed", "node-1 bridge forwarded", "node-1 service translated",
            "node-1 router forwarded", "node-1 tunnel encapsulated",
            "node-2 tunnel received", "node-2 router forwarded", "node-2 bridge forwarded", "node-2 pod b2 received",
            "node-2 pod b2 sent", "node-2 anti-spoofing passed", "node-2 bridge forwarded", "node-2 router forwarded",
            "node-2 tunnel encapsulated",
            "node-1 tunnel received", "node-1 service translated", "node-1 router forwarded", "node-1 bridge forwarded",
            "node-1 pod a1 received");
        final String b2 = ip("b2");
        assertThat(trace.get("toIp").asText()).as("a1's resolver found the Service").isEqualTo(soloIp);
        assertThat(trace.get("deliveredTo").asText()).isEqualTo("b2");
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to b2 (through " + soloIp + "); the answer came back to a1");

        final List<JsonNode> translated = hops(trace, "node-1", "service", "translated");
        assertThat(translated.get(0).get("detail").asText()).isEqualTo("new connection to Service default/solo:udp (" + soloIp +
            ":80): DNAT to endpoint " + b2 + ":8081, chosen at random of 1; tracked");
        assertThat(translated.get(0).get("headers").asText()).contains(" > " + soloIp + " ").contains(" > 80 ");
        assertThat(translated.get(0).get("headersAfter").asText()).contains(" > " + b2 + " ").contains(" > 8081 ");
        assertThat(translated.get(1).get("detail").asText()).isEqualTo("reply of a tracked connection to Service default/solo:udp (" +
            soloIp + ":80) from endpoint " + b2 + ":8081: source back to " + soloIp + ":80 (un-DNAT)");
        assertThat(translated.get(1).get("headers").asText()).contains("IPv4 " + b2 + " > ").contains("UDP 8081 > ");
        assertThat(translated.get(1).get("headersAfter").asText()).contains("IPv4 " + soloIp + " > ").contains("UDP 80 > ");
    }

    @Test
    void shouldShowAnEndpointOnTheClientsNodeTranslatedBackOnTheBridge()
    {
        final JsonNode trace = trace(1, "{\"from\": \"b1\", \"to\": \"" + soloIp + "\", \"protocol\": \"udp\", \"port\": 80}");

        // the endpoint answers its client on its own bridge: the reply is switched, not routed, and br_netfilter's
        // connection tracking still translates it back
        assertThat(walk(trace)).containsExactly(
            "node-2 pod b1 sent", "node-2 anti-spoofing passed", "node-2 bridge forwarded", "node-2 service translated",
            "node-2 router forwarded", "node-2 bridge forwarded", "node-2 pod b2 received",
            "node-2 pod b2 sent", "node-2 anti-spoofing passed", "node-2 service translated", "node-2 bridge forwarded",
            "node-2 pod b1 received");
        assertThat(hops(trace, "node-2", "service", "translated").get(1).get("detail").asText())
            .startsWith("reply of a tracked connection to Service default/solo:udp").endsWith("(un-DNAT)");
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to b2 (through " + soloIp + "); the answer came back to b1");
    }

    @Test
    void shouldNameTheEndpointReachedNotAPodAFloodedCopyReached()
    {
        // a new pod has sent nothing yet: its node's bridge floods the first frame to it, and every other pod drops a copy
        final Reply created = Http.post(cluster.api(1) + "/api/v1/pods", "{\"name\": \"fresh\", \"node\": \"node-2\", " +
            "\"labels\": {\"trace\": \"fresh\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        final Reply applied = Http.post(cluster.api(1) + "/api/v1/apply",
            "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"fresh-svc\"}, \"spec\": {\"selector\": " +
            "{\"trace\": \"fresh\"}, \"ports\": [{\"protocol\": \"UDP\", \"port\": 80, \"targetPort\": 8081}]}}");
        assertThat(applied.status()).as(applied.body()).isEqualTo(200);
        LocalCluster.await(() -> Http.get(cluster.api(1) + "/api/v1/namespaces/default/endpoints/fresh-svc").json().path("addresses")
            .size() == 1, LocalCluster.CONVERGE, "node-1 knows fresh's endpoint");

        final JsonNode trace = trace(1, "{\"from\": \"a1\", \"to\": \"fresh-svc\", \"protocol\": \"udp\", \"port\": 80}");

        assertThat(walk(trace)).contains("node-2 bridge flooded", "node-2 pod b1 dropped", "node-2 pod fresh received");
        assertThat(trace.get("deliveredTo").asText()).isEqualTo("fresh");
        assertThat(trace.get("verdict").asText()).startsWith("delivered to fresh (through ").endsWith("the answer came back to a1");
    }

    @Test
    void shouldWalkATcpHandshakeThroughAServiceAndSayItWasEstablished()
    {
        final JsonNode trace = trace(1, "{\"from\": \"c1\", \"to\": \"solo\", \"protocol\": \"tcp\", \"port\": 80}");

        assertThat(trace.get("tcp").asText()).isEqualTo("established");
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to b2 (through " + soloIp + "); the answer came back to c1; " +
            "TCP: established");
        final List<JsonNode> translated = hops(trace, "node-3", "service", "translated");
        assertThat(translated.get(0).get("detail").asText()).startsWith("new connection to Service default/solo:http (" + soloIp +
            ":80): DNAT to endpoint " + ip("b2") + ":8080");
        assertThat(translated.get(0).get("headers").asText()).contains("TCP ").contains(" > 80 flags SYN");
        assertThat(translated.get(1).get("detail").asText()).startsWith("reply of a tracked connection");
        assertThat(translated.get(1).get("headersAfter").asText()).contains("TCP 80 > ").contains("flags SYN,ACK");
        // the SYN, the SYN-ACK and the client's reset: the handshake and nothing more
        final List<String> sent = new ArrayList<>();
        trace.get("hops").forEach(hop -> sent.add(hop.get("action").asText().equals("sent") ?
            hop.get("node").asText() + " " + hop.get("component").asText() + ": " + hop.get("headers").asText().replaceAll(".*flags ", "") : ""));
        sent.removeIf(String::isEmpty);
        assertThat(sent).containsExactly("node-3 pod c1: SYN", "node-2 pod b2: SYN,ACK", "node-3 pod c1: RST,ACK");
    }

    @Test
    void shouldSayATcpPortNobodyListensOnRefusedTheConnection()
    {
        final JsonNode trace = trace(1, "{\"from\": \"a1\", \"to\": \"c2\", \"protocol\": \"tcp\", \"port\": 4444}");

        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to c2; the answer came back to a1; TCP: connection-refused");
        assertThat(hop(trace, "node-3", "pod c2", "sent").get("headers").asText()).contains("TCP 4444 > ").contains("flags RST");
    }

    @Test
    void shouldFollowTheNextMatchingLivePacketInjectingNothing() throws Exception
    {
        final CompletableFuture<Reply> live = CompletableFuture.supplyAsync(() ->
            Http.post(cluster.api(2) + "/api/v1/trace", "{\"from\": \"c1\", \"to\": \"a2\", \"protocol\": \"udp\", " +
                "\"port\": 8081, \"live\": true, \"timeoutMs\": 20000}"));
        // what the pod sends by itself, now and then, until the trace has caught one of them
        while (!live.isDone())
        {
            Http.post(cluster.api(3) + "/api/v1/pods/c1/udp", "{\"target\": \"a2\", \"port\": 8081, \"payload\": \"hostname\"}");
            Thread.sleep(200);
        }

        final Reply reply = live.get();
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        final JsonNode trace = reply.json();
        assertThat(trace.get("live").asBoolean()).isTrue();
        assertThat(trace.get("verdict").asText()).isEqualTo("delivered to a2; the answer came back to c1");
        assertThat(trace.get("hops").get(0).get("headers").asText()).contains("UDP").contains(" > 8081 ");
        assertThat(walk(trace)).startsWith("node-3 pod c1 sent").endsWith("node-3 pod c1 received");
    }

    @Test
    void shouldSayWhenNoLivePacketCame()
    {
        assertError(Http.post(cluster.api(1) + "/api/v1/trace",
            "{\"from\": \"a1\", \"to\": \"b1\", \"protocol\": \"udp\", \"port\": 4444, \"live\": true, \"timeoutMs\": 300}"),
            504, "no matching packet within 300 ms");
    }

    @Test
    void shouldRefuseABadTraceRequestNamingTheField()
    {
        assertError(Http.post(cluster.api(1) + "/api/v1/trace", "{\"from\": \"a1\"}"), 400, "missing field 'to'");
        assertError(Http.post(cluster.api(1) + "/api/v1/trace", "{\"from\": \"a1\", \"to\": \"b1\", \"protocol\": \"sctp\"}"),
            400, "field 'protocol': 'sctp' (expected: icmp, udp or tcp)");
        assertError(Http.post(cluster.api(1) + "/api/v1/trace", "{\"from\": \"a1\", \"to\": \"b1\", \"protocol\": \"udp\"}"),
            400, "missing field 'port'");
        assertError(Http.post(cluster.api(1) + "/api/v1/trace", "{\"from\": \"zz\", \"to\": \"b1\"}"), 404, "no pod 'zz'");
        assertError(Http.post(cluster.api(1) + "/api/v1/trace", "{\"from\": \"a1\", \"to\": \"b1\", \"port\": 5}"),
            400, "ICMP has no ports");
    }

    @Test
    void shouldPrintTheWalkAndTheVerdictWithPodnetctl()
    {
        final java.io.StringWriter out = new java.io.StringWriter();
        final java.io.StringWriter err = new java.io.StringWriter();
        final var cmd = dev.podnet.cli.PodnetCtl.commandLine(java.util.Map.of());
        cmd.setOut(new java.io.PrintWriter(out, true));
        cmd.setErr(new java.io.PrintWriter(err, true));

        final int exit = cmd.execute("--server", cluster.api(1), "trace", "b1", "c2", "--udp", "7", "-v");

        assertThat(exit).as(err.toString()).isZero();
        final List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).matches("trace [0-9a-f]+: b1 -> c2 \\(10\\.244\\.\\d+\\.\\d+\\), UDP to port 7");
        assertThat(lines.get(1).split(" {2,}")).containsExactly("#", "TIME", "NODE", "COMPONENT", "ACTION", "DETAIL");
        assertThat(lines.get(2)).contains("node-2").contains("pod b1").contains("sent");
        assertThat(lines.get(3)).contains("UDP").contains(" > 7 ");
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("in:  ").contains("ttl 64"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("out: ").contains("ttl 63"));
        assertThat(lines.get(lines.size() - 1)).isEqualTo("verdict: delivered to c2; the answer came back to b1");

        final int failed = cmd.execute("--server", cluster.api(1), "trace", "b1", "10.244.250.1");
        assertThat(failed).isEqualTo(1);
    }

    private static void assertError(final Reply reply, final int status, final String detail)
    {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().get("detail").asText()).contains(detail);
    }
}
