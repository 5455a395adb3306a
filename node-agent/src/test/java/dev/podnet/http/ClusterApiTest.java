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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole cluster's API against three real agents in one JVM: every agent answers for every node
 * and pod, forwarding what another node owns; each route's errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterApiTest
{
    private LocalCluster cluster;

    @BeforeAll
    void startCluster()
    {
        cluster = LocalCluster.start(3, 2);
        awaitTheSixPodsEverywhere();
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldListEveryNodeReadyWithItsLeaseFromAnyAgent()
    {
        for (int asked = 1; asked <= 3; asked++)
        {
            final JsonNode nodes = Http.get(cluster.api(asked) + "/api/v1/nodes").json();
            assertThat(nodes).hasSize(3);
            final Set<String> cidrs = new HashSet<>();
            for (int i = 0; i < 3; i++)
            {
                final JsonNode node = nodes.get(i);
                assertThat(node.get("name").asText()).isEqualTo("node-" + (i + 1));
                assertThat(node.get("status").asText()).isEqualTo("Ready");
                assertThat(node.get("reason").isNull()).isTrue();
                assertThat(node.get("pods").asInt()).isEqualTo(2);
                assertThat(node.get("cidr").asText()).matches("10\\.244\\.\\d+\\.0/24");
                assertThat(node.get("gateway").asText()).isEqualTo(node.get("cidr").asText().replace(".0/24", ".1"));
                assertThat(node.get("api").asText()).isEqualTo("127.0.0.1:" + cluster.agent(i + 1).settings().apiPort());
                assertThat(node.get("tunnel").asText()).isEqualTo("127.0.0.1:" + cluster.agent(i + 1).settings().tunnelPort());
                assertThat(node.get("address").asText()).startsWith("127.0.0.1:");
                cidrs.add(node.get("cidr").asText());
            }
            assertThat(cidrs).as("distinct leases").hasSize(3);
        }
        final Reply one = Http.get(cluster.api(2) + "/api/v1/nodes/node-3");
        assertThat(one.json().get("name").asText()).isEqualTo("node-3");
        assertError(Http.get(cluster.api(2) + "/api/v1/nodes/node-9"), 404, "not-found", "no node 'node-9'");
    }

    @Test
    void shouldListEveryPodOfTheClusterFromAnyAgent()
    {
        final JsonNode pods = Http.get(cluster.api(2) + "/api/v1/pods").json();
        final List<String> names = new ArrayList<>();
        pods.forEach(pod -> names.add(pod.get("node").asText() + "/" + pod.get("name").asText()));
        assertThat(names).containsExactly("node-1/a1", "node-1/a2", "node-2/b1", "node-2/b2", "node-3/c1", "node-3/c2");
        final JsonNode c1 = Http.get(cluster.api(1) + "/api/v1/pods/c1").json();
        assertThat(c1.get("node").asText()).isEqualTo("node-3");
        assertThat(Http.get(cluster.api(1) + "/api/v1/pods/" + c1.get("ip").asText()).json().get("name").asText())
            .as("a pod by its IP").isEqualTo("c1");
        assertError(Http.get(cluster.api(1) + "/api/v1/pods/zz"), 404, "not-found", "no pod 'zz' in namespace default in the cluster");
        assertError(Http.get(cluster.api(1) + "/api/v1/pods/10.244.x.1"), 400, "bad-request", "field 'pod'");
    }

    @Test
    void shouldForwardPodOperationsToTheNodeThatRunsThePod()
    {
        final String c1Ip = Http.get(cluster.api(1) + "/api/v1/pods/c1").json().get("ip").asText();
        final String a1Ip = Http.get(cluster.api(1) + "/api/v1/pods/a1").json().get("ip").asText();

        // asked node-1 about a pod of node-2, pinging a pod of node-3 by name
        final Reply ping = Http.post(cluster.api(1) + "/api/v1/pods/b1/ping", "{\"target\":\"c1\",\"count\":2}");
        assertThat(ping.status()).as(ping.body()).isEqualTo(200);
        assertThat(ping.json().get("targetIp").asText()).isEqualTo(c1Ip);
        assertThat(ping.json().get("received").asInt()).isEqualTo(2);
        assertThat(ping.json().get("replies").get(0).get("ttl").asInt()).as("two routers on the way").isEqualTo(62);

        final Reply clientIp = Http.post(cluster.api(3) + "/api/v1/pods/a1/udp",
            "{\"target\":\"c1\",\"port\":8081,\"payload\":\"clientip\"}");
        assertThat(clientIp.json().get("reply").asText()).as("no NAT").startsWith(a1Ip + ":");

        final Reply trace = Http.post(cluster.api(2) + "/api/v1/pods/a2/traceroute", "{\"target\":\"" + c1Ip + "\"}");
        assertThat(trace.json().get("reached").asBoolean()).isTrue();
        assertThat(trace.json().get("hops")).hasSize(3);

        final JsonNode arp = Http.get(cluster.api(2) + "/api/v1/pods/a1/arp").json();
        assertThat(arp).as("a1 resolved its gateway").isNotEmpty();

        assertError(Http.post(cluster.api(2) + "/api/v1/pods/a1/ping", "{\"target\":\"c1\",\"count\":0}"),
            400, "bad-request", "field 'count'");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods/a1/ping", "{\"target\":\"nobody\"}"),
            404, "not-found", "no pod 'nobody'");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods/a1/ping", "{\"target\":"),
            400, "bad-request", "malformed JSON");
    }

    @Test
    void shouldServeEachNodesTablesFromAnyAgent()
    {
        final String lease1 = Http.get(cluster.api(1) + "/api/v1/node").json().get("cidr").asText();
        LocalCluster.await(() -> Http.get(cluster.api(2) + "/api/v1/routes").json().size() == 2, LocalCluster.CONVERGE,
            "node-2 routes to both others");
        final JsonNode routesOf2 = Http.get(cluster.api(1) + "/api/v1/nodes/node-2/routes").json();
        assertThat(routesOf2).hasSize(2);
        assertThat(routesOf2.toString()).contains(lease1).doesNotContain(
            Http.get(cluster.api(2) + "/api/v1/node").json().get("cidr").asText() + "\"");
        assertThat(Http.get(cluster.api(1) + "/api/v1/nodes/node-3/fdb").status()).isEqualTo(200);
        assertThat(Http.get(cluster.api(3) + "/api/v1/nodes/node-3/endpoints").json()).hasSize(6);
        assertThat(Http.get(cluster.api(3) + "/api/v1/nodes/node-1/drops").json().isObject()).isTrue();
        assertError(Http.get(cluster.api(3) + "/api/v1/nodes/node-7/routes"), 404, "not-found", "no node 'node-7'");
    }

    @Test
    void shouldCreatePodsWhereAskedOrOnTheLeastLoadedNodeAndDeleteThemFromAnyAgent()
    {
        final Reply created = Http.post(cluster.api(1) + "/api/v1/pods", "{\"name\":\"web\",\"node\":\"node-3\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("node").asText()).isEqualTo("node-3");
        assertThat(created.json().get("ip").asText()).startsWith(
            Http.get(cluster.api(3) + "/api/v1/node").json().get("cidr").asText().replace(".0/24", "."));
        LocalCluster.await(() -> Http.get(cluster.api(2) + "/api/v1/pods/web").status() == 200, LocalCluster.CONVERGE,
            "node-2 knows web");

        assertError(Http.post(cluster.api(2) + "/api/v1/pods", "{\"name\":\"web\"}"), 409, "conflict",
            "pod 'web' already exists in namespace default on node node-3");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods", "{\"name\":\"Web_1\"}"), 400, "bad-request", "DNS-1123");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods", "{\"name\":\"x\",\"node\":\"node-9\"}"), 404, "not-found",
            "no node 'node-9'");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods", "{\"name\":\"x\",\"nodes\":\"node-1\"}"), 400,
            "bad-request", "unknown field 'nodes'");
        assertError(Http.post(cluster.api(2) + "/api/v1/pods", "{\"name\":7}"), 400, "bad-request", "field 'name'");

        // node-3 has 3 pods now, node-1 and node-2 two each: asked node-3, the new pod goes to node-1 or node-2
        final Reply placed = Http.post(cluster.api(3) + "/api/v1/pods", "{\"name\":\"placed\"}");
        assertThat(placed.status()).as(placed.body()).isEqualTo(201);
        assertThat(placed.json().get("node").asText()).isIn("node-1", "node-2");

        assertThat(Http.send("DELETE", cluster.api(2) + "/api/v1/pods/web", null).status()).isEqualTo(204);
        assertThat(Http.send("DELETE", cluster.api(1) + "/api/v1/pods/placed", null).status()).isEqualTo(204);
        assertError(Http.send("DELETE", cluster.api(1) + "/api/v1/pods/web", null), 404, "not-found", "web");
        awaitTheSixPodsEverywhere();
    }

    @Test
    void shouldCheckEveryPodToEveryPodAcrossTheCluster()
    {
        final Reply reply = Http.post(cluster.api(2) + "/api/v1/check", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        final JsonNode check = reply.json();
        assertThat(check.get("node").asText()).isEqualTo("node-2");
        assertThat(check.get("pairs").asInt()).isEqualTo(30);
        assertThat(check.get("failed")).as(check.get("failed").toString()).isEmpty();
        assertThat(check.get("ok").asInt()).isEqualTo(30);
        assertThat(check.get("pods").toString()).isEqualTo("[\"a1\",\"a2\",\"b1\",\"b2\",\"c1\",\"c2\"]");
        assertThat(check.get("matrix")).hasSize(30);
        check.get("matrix").forEach(pair ->
        {
            assertThat(pair.get("ok").asBoolean()).isTrue();
            assertThat(pair.get("error").isNull()).isTrue();
            assertThat(pair.get("from").asText()).isNotEqualTo(pair.get("to").asText());
        });
        assertThat(Http.get(cluster.api(2) + "/api/v1/check").json()).as("the last check").isEqualTo(check);

        assertError(Http.get(cluster.api(3) + "/api/v1/check"), 404, "not-found", "no connectivity check has run on node node-3");
        assertError(Http.post(cluster.api(1) + "/api/v1/check", "{\"timeoutMs\":0}"), 400, "bad-request", "field 'timeoutMs'");
        assertError(Http.post(cluster.api(1) + "/api/v1/check", "[1]"), 400, "bad-request", "expected a JSON object");
        assertError(Http.post(cluster.api(1) + "/api/v1/nodes/node-1/check", "{\"sources\":[\"a1\"],\"targets\":[{\"name\":\"a1\"}]}"),
            400, "bad-request", "targets[0].ip");
    }

    @Test
    void shouldStreamAPcapOfAPodOnAnotherNode() throws Exception
    {
        final String a1Ip = Http.get(cluster.api(1) + "/api/v1/pods/a1").json().get("ip").asText();
        final java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<byte[]>> capture =
            java.net.http.HttpClient.newHttpClient().sendAsync(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.api(1) + "/api/v1/capture?target=c1&seconds=2"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        // the capture starts when node-3 taps its bridge: ping until c1 has been seen answering within it
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && !capture.isDone())
        {
            Http.post(cluster.api(2) + "/api/v1/pods/a1/ping", "{\"target\":\"c1\",\"count\":1}");
        }
        final java.net.http.HttpResponse<byte[]> response = capture.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/vnd.tcpdump.pcap");
        final java.nio.ByteBuffer pcap = java.nio.ByteBuffer.wrap(response.body()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(pcap.getInt(0)).as("pcap magic").isEqualTo(0xa1b2c3d4);
        int packets = 0;
        boolean fromA1 = false;
        final byte[] a1 = java.net.InetAddress.getByName(a1Ip).getAddress();
        for (int at = 24; at + 16 <= pcap.limit(); packets++)
        {
            final int length = pcap.getInt(at + 8);
            final int frame = at + 16;
            // Ethernet (14) + IPv4 source address at 12
            fromA1 |= length >= 34 && java.util.Arrays.equals(java.util.Arrays.copyOfRange(response.body(), frame + 26, frame + 30), a1);
            at = frame + length;
        }
        assertThat(packets).isPositive();
        assertThat(fromA1).as("c1's veth saw a1's echo requests, source address intact").isTrue();

        assertError(Http.get(cluster.api(1) + "/api/v1/capture"), 400, "bad-request", "missing query parameter 'target'");
        assertError(Http.get(cluster.api(1) + "/api/v1/capture?target=c1&seconds=0"), 400, "bad-request", "'seconds'");
        assertError(Http.get(cluster.api(1) + "/api/v1/capture?target=nobody"), 404, "not-found", "no pod 'nobody'");
    }

    @Test
    void shouldExposePrometheusMetricsOfTheDataPlaneAndTheControlPlane()
    {
        assertThat(Http.post(cluster.api(1) + "/api/v1/pods", "{\"name\":\"lag-probe\",\"node\":\"node-3\"}").status())
            .isEqualTo(201);
        LocalCluster.await(() -> Http.get(cluster.api(1) + "/api/v1/pods/lag-probe").status() == 200 &&
                Http.get(cluster.api(1) + "/api/v1/nodes/node-1/endpoints").body().contains("lag-probe"),
            LocalCluster.CONVERGE, "node-1 installed lag-probe's endpoint");
        LocalCluster.await(() -> !Http.get(cluster.api(1) + "/metrics").body()
                .contains("podnet_endpoint_propagation_lag_seconds_count{node=\"node-1\"} 0\n"),
            LocalCluster.CONVERGE, "node-1 measured a propagation");
        Http.post(cluster.api(1) + "/api/v1/pods/a1/ping", "{\"target\":\"b1\",\"count\":1}");

        final Reply metrics = Http.get(cluster.api(1) + "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        final String text = metrics.body();
        assertThat(text.lines().filter(line -> !line.startsWith("#")))
            .as("every sample is name{labels} value")
            .allMatch(line -> line.matches("[a-z_]+\\{[^}]*\\} [0-9.]+"));
        assertThat(text)
            .contains("podnet_node_ready{node=\"node-1\"} 1\n")
            .contains("podnet_cluster_members{node=\"node-1\",status=\"Up\",reachable=\"true\"} 3\n")
            .contains("podnet_lease_held{node=\"node-1\",cidr=\"10.244.")
            .contains("podnet_drops_total{node=\"node-1\",reason=\"queue-full\"} 0\n")
            .contains("podnet_tunnel_back_pressure_total{node=\"node-1\"} ")
            .contains("podnet_port_frames_total{node=\"node-1\",port=\"a1\",direction=\"out\"} ")
            .contains("podnet_tunnel_connected{node=\"node-1\",peer=\"node-2\"} 1\n")
            .containsPattern("podnet_tunnel_idle\\{node=\"node-1\",peer=\"node-2\"} [01]\n")
            .contains("podnet_endpoint_propagation_lag_seconds_bucket{node=\"node-1\",le=\"+Inf\"} ")
            .containsPattern("podnet_tunnel_frames_total\\{node=\"node-1\",peer=\"node-2\",cidr=\"[0-9./]+\",direction=\"out\"} [1-9]")
            .containsPattern("podnet_endpoints\\{node=\"node-1\"} [0-9]+")
            .containsPattern("podnet_sync_pending_changes\\{node=\"node-1\"} [0-9]+\n")
            .containsPattern("podnet_sync_resyncs_total\\{node=\"node-1\"} [0-9]+\n")
            .containsPattern("podnet_sync_repairs_total\\{node=\"node-1\"} [0-9]+\n");
        assertThat(Http.send("DELETE", cluster.api(1) + "/api/v1/pods/lag-probe", null).status()).isEqualTo(204);
        awaitTheSixPodsEverywhere();
    }

    /** Tests that add pods remove them again: the others count on the six. */
    private void awaitTheSixPodsEverywhere()
    {
        LocalCluster.await(() -> Http.get(cluster.api(1) + "/api/v1/pods").json().size() == 6 &&
                Http.get(cluster.api(2) + "/api/v1/pods").json().size() == 6 &&
                Http.get(cluster.api(3) + "/api/v1/pods").json().size() == 6,
            LocalCluster.CONVERGE, "every agent knows the 6 pods, and only them");
    }

    @Test
    void shouldProbeEveryPodContinuouslyFromANodesPodsAndPageThroughTheLog()
    {
        final Reply started = Http.post(cluster.api(1) + "/api/v1/nodes/node-2/probes", "{\"intervalMs\":200,\"timeoutMs\":1000}");
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        assertThat(started.json().get("running").asBoolean()).isTrue();
        assertThat(started.json().get("node").asText()).isEqualTo("node-2");

        // two rounds: from b1 and b2 to the 5 others, ping, udp and tcp each = 30 probes a round
        LocalCluster.await(() -> Http.get(cluster.api(3) + "/api/v1/nodes/node-2/probes").json().get("probes").size() >= 60,
            LocalCluster.CONVERGE, "two rounds of probes logged");
        final JsonNode page = Http.get(cluster.api(2) + "/api/v1/nodes/node-2/probes?limit=40").json();
        assertThat(page.get("probes")).hasSize(40);
        final List<String> kinds = new ArrayList<>();
        final Map<String, Set<Long>> opened = new HashMap<>();
        page.get("probes").forEach(probe ->
        {
            assertThat(probe.get("from").asText()).isIn("b1", "b2");
            assertThat(probe.get("ok").asBoolean()).as(probe.toString()).isTrue();
            assertThat(probe.get("result").asText()).isEqualTo("ok");
            assertThat(probe.get("at").asLong()).isPositive();
            kinds.add(probe.get("kind").asText());
            if (probe.get("kind").asText().equals("tcp"))
            {
                // the round's time is taken before its probes reach the data plane, which opens the first connection
                assertThat(probe.get("since").asLong()).as("when its connection was opened").isPositive()
                    .isLessThan(probe.get("at").asLong() + 1_000);
                opened.computeIfAbsent(probe.get("from").asText() + ">" + probe.get("to").asText(), pair -> new HashSet<>())
                    .add(probe.get("since").asLong());
            }
            else
            {
                assertThat(probe.get("since").asLong()).isZero();
            }
        });
        assertThat(kinds).contains("ping", "udp", "tcp");
        assertThat(opened.values()).as("one connection per pair across the rounds").allSatisfy(times -> assertThat(times).hasSize(1));
        final List<String> tcpPorts = new ArrayList<>();
        Http.get(cluster.api(2) + "/api/v1/pods/b1/sockets").json().forEach(socket ->
        {
            if ("probe".equals(socket.get("app").asText()))
            {
                tcpPorts.add(socket.get("local").asText() + " > " + socket.get("peer").asText() + " " + socket.get("state").asText());
            }
        });
        assertThat(tcpPorts).as("one long-lived connection per target, kept across rounds").hasSize(5)
            .allSatisfy(line -> assertThat(line).endsWith(":7 ESTAB"));
        final long next = page.get("next").asLong();
        assertThat(page.get("probes").get(39).get("seq").asLong()).isEqualTo(next);
        LocalCluster.await(() -> Http.get(cluster.api(2) + "/api/v1/nodes/node-2/probes?after=" + next + "&limit=5").json()
            .get("probes").size() == 5, LocalCluster.CONVERGE, "more probes after " + next);
        final JsonNode after = Http.get(cluster.api(2) + "/api/v1/nodes/node-2/probes?after=" + next + "&limit=5").json();
        assertThat(after.get("probes").get(0).get("seq").asLong()).isEqualTo(next + 1);

        assertThat(Http.send("DELETE", cluster.api(1) + "/api/v1/nodes/node-2/probes", null).status()).isEqualTo(204);
        assertThat(Http.get(cluster.api(2) + "/api/v1/nodes/node-2/probes?limit=1").json().get("running").asBoolean()).isFalse();
        assertError(Http.post(cluster.api(2) + "/api/v1/nodes/node-2/probes", "{\"intervalMs\":5}"), 400, "bad-request",
            "field 'intervalMs'");
        assertError(Http.get(cluster.api(2) + "/api/v1/nodes/node-2/probes?after=-1"), 400, "bad-request", "'after'");
        assertError(Http.get(cluster.api(2) + "/api/v1/nodes/node-9/probes"), 404, "not-found", "no node 'node-9'");
    }

    @Test
    void shouldGetNetexecOverHttpFromAPodOfAnotherNodeWithItsTimings()
    {
        final String a1Ip = Http.get(cluster.api(1) + "/api/v1/pods/a1").json().get("ip").asText();
        final String c2Ip = Http.get(cluster.api(1) + "/api/v1/pods/c2").json().get("ip").asText();

        // asked node-2 about a pod of node-1, getting from a pod of node-3 by name
        final Reply hostname = Http.post(cluster.api(2) + "/api/v1/pods/a1/http", "{\"url\":\"http://c2:8080/hostname\"}");
        assertThat(hostname.status()).as(hostname.body()).isEqualTo(200);
        final JsonNode answer = hostname.json();
        assertThat(answer.get("status").asInt()).isEqualTo(200);
        assertThat(answer.get("body").asText()).isEqualTo("c2");
        assertThat(answer.get("server").asText()).isEqualTo(c2Ip + ":8080");
        assertThat(answer.get("version").asText()).isEqualTo("HTTP/1.1");
        assertThat(answer.get("headers").get(1).get("name").asText()).isEqualTo("Content-Length");
        final JsonNode timings = answer.get("timings");
        assertThat(timings.get("connectUs").asLong()).isPositive();
        assertThat(timings.get("firstByteUs").asLong()).isGreaterThanOrEqualTo(timings.get("connectUs").asLong());
        assertThat(timings.get("totalUs").asLong()).isGreaterThanOrEqualTo(timings.get("firstByteUs").asLong());

        final Reply clientIp = Http.post(cluster.api(1) + "/api/v1/pods/a1/http",
            "{\"url\":\"http://" + c2Ip + ":8080/clientip\"}");
        assertThat(clientIp.json().get("body").asText()).as("no NAT")
            .isEqualTo(a1Ip + ":" + clientIp.json().get("localPort").asInt());
        final Reply echo = Http.post(cluster.api(3) + "/api/v1/pods/b1/http", "{\"url\":\"http://c2:8080/echo?msg=hi+there\"}");
        assertThat(echo.json().get("body").asText()).isEqualTo("hi there");
    }

    @Test
    void shouldAnswer502WhenThePodsConnectionIsRefusedAnd400ForABadUrl()
    {
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a1/http", "{\"url\":\"http://b1:81/\"}"), 502,
            "connection-refused", "refused the connection");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a1/http", "{\"url\":\"https://b1/\"}"), 400, "bad-request",
            "field 'url'");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a1/http", "{\"url\":\"http://nobody:8080/\"}"), 404,
            "not-found", "no pod 'nobody'");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a1/http", "{\"url\":\"http:/x\"}"), 400, "bad-request",
            "has no host");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a1/http", "{\"url\":\"http://b1:8080/\",\"timeoutMs\":0}"),
            400, "bad-request", "field 'timeoutMs'");
    }

    @Test
    void shouldMeasureTcpThroughputBetweenNodesAndListTheSockets()
    {
        final Reply perf = Http.post(cluster.api(3) + "/api/v1/pods/a2/tcp-perf",
            "{\"target\":\"b2\",\"seconds\":1,\"intervalMs\":250}");

        assertThat(perf.status()).as(perf.body()).isEqualTo(200);
        final JsonNode result = perf.json();
        assertThat(result.get("port").asInt()).isEqualTo(9);
        assertThat(result.get("bytes").asLong()).isPositive();
        assertThat(result.get("bitsPerSecond").asLong()).isPositive();
        assertThat(result.get("seconds").asDouble()).isBetween(0.99, 1.1);
        assertThat(result.get("samples")).hasSizeBetween(3, 5);
        assertThat(result.get("samples").get(0).get("cwnd").asLong()).isPositive();
        assertThat(result.get("samples").get(0).get("rttUs").asLong()).isPositive();

        final JsonNode sockets = Http.get(cluster.api(1) + "/api/v1/pods/b2/sockets").json();
        assertThat(sockets.get(0).get("state").asText()).isEqualTo("LISTEN");
        assertThat(sockets.get(0).get("local").asText()).endsWith(":7");
        assertThat(sockets.get(0).get("peer").asText()).isEqualTo("*:*");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a2/tcp-perf", "{\"target\":\"b2\",\"seconds\":0}"), 400,
            "bad-request", "field 'seconds'");
        assertError(Http.post(cluster.api(1) + "/api/v1/pods/a2/tcp-perf", "{\"target\":\"b2\",\"port\":19,\"seconds\":1}"),
            502, "connection-refused", ":19");
    }

    private static void assertError(final Reply reply, final int status, final String error, final String detail)
    {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).isEqualTo("application/json");
        assertThat(reply.json().get("error").asText()).isEqualTo(error);
        assertThat(reply.json().get("detail").asText()).contains(detail);
    }
}
