package dev.podnet.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP API against a real node (its data plane on its own thread, no tunnel) over real HTTP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiServerTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Node node;
    private static ApiServer api;
    private static String pod1Ip;
    private static String pod2Ip;

    @BeforeAll
    static void startNode() throws Exception
    {
        node = Node.start(NodeConfig.defaults("node-1", Ipv4Cidr.parse("10.244.1.0/24")));
        api = ApiServer.start("127.0.0.1", 0, node.proxy(), "node-1");
        pod1Ip = call(api, "POST", "/api/v1/pods", "{\"name\":\"pod-1\"}").json().get("ip").asText();
        pod2Ip = call(api, "POST", "/api/v1/pods", "{\"name\":\"pod-2\"}").json().get("ip").asText();
    }

    @AfterAll
    static void stopNode()
    {
        if (api != null)
        {
            api.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    // ------------------------------------------------------------------ health, routing, limits

    @Test
    void shouldAnswerOkOnHealthz() throws Exception
    {
        final Reply reply = call("GET", "/healthz", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("ok");
        assertThat(reply.contentType()).startsWith("text/plain");
    }

    @Test
    void shouldListenOnAnEphemeralPortWhenAskedForPortZero()
    {
        assertThat(api.port()).isBetween(1, 65535);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api", "/ui/", "/ui/nope.js", "/api/v2/pods", "/api/v1/pods/pod-1/pong", "/api/v1/pods/pod-1/arp/extra", "/api/v1/pods/"})
    void shouldAnswer404ForAnUnknownPath(final String path) throws Exception
    {
        assertError(call("GET", path, null), 404, "not-found");
    }

    @Test
    void shouldAnswer405WithAllowForAWrongMethod() throws Exception
    {
        final Reply put = call("PUT", "/api/v1/pods", "{}");
        assertError(put, 405, "method-not-allowed");
        assertThat(put.header("Allow")).isEqualTo("GET, POST");

        assertError(call("GET", "/api/v1/pods/pod-1/ping", null), 405, "method-not-allowed");
        assertError(call("POST", "/healthz", "{}"), 405, "method-not-allowed");
    }

    @Test
    void shouldAnswer413ForABodyOver64KiB() throws Exception
    {
        final String payload = "x".repeat(70_000);
        final Reply reply = call("POST", "/api/v1/pods/pod-1/udp",
            "{\"target\":\"pod-2\",\"port\":8081,\"payload\":\"" + payload + "\"}");

        assertError(reply, 413, "payload-too-large");
    }

    // ------------------------------------------------------------------ pods

    @Test
    void shouldCreateListGetAndDeleteAPod() throws Exception
    {
        final Reply created = call("POST", "/api/v1/pods", "{\"name\":\"web\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("name").asText()).isEqualTo("web");
        assertThat(created.json().get("node").asText()).isEqualTo("node-1");
        final String ip = created.json().get("ip").asText();
        assertThat(ip).startsWith("10.244.1.");
        assertThat(created.json().get("mac").asText()).isEqualTo(expectedMac(ip));

        final Reply list = call("GET", "/api/v1/pods", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(names(list.json())).contains("pod-1", "pod-2", "web");

        final Reply one = call("GET", "/api/v1/pods/web", null);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("ip").asText()).isEqualTo(ip);

        final Reply deleted = call("DELETE", "/api/v1/pods/web", null);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();

        assertError(call("DELETE", "/api/v1/pods/web", null), 404, "not-found");
        assertError(call("GET", "/api/v1/pods/web", null), 404, "not-found");
        assertThat(names(call("GET", "/api/v1/pods", null).json())).doesNotContain("web");
    }

    @Test
    void shouldAnswer409WhenThePodNameIsTaken() throws Exception
    {
        assertError(call("POST", "/api/v1/pods", "{\"name\":\"pod-1\"}"), 409, "conflict");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"name\":\"Web_1\"}",
        "{\"name\":\"-web\"}",
        "{\"name\":\"\"}",
        "{\"name\":7}",
        "{}",
        "{\"name\":\"web\",\"image\":\"nginx\"}",
        "[\"web\"]",
        "",
        "{\"name\":",
        "{\"name\":\"a\"} {\"name\":\"b\"}",
        "{\"name\":\"a\",\"name\":\"b\"}"})
    void shouldAnswer400ForABadPodCreation(final String body) throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods", body);

        assertError(reply, 400, "bad-request");
    }

    @Test
    void shouldAnswer400ForAbsurdlyDeepJson() throws Exception
    {
        final String deep = "{\"name\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";

        assertError(call("POST", "/api/v1/pods", deep), 400, "bad-request");
    }

    @Test
    void shouldAnswer503WhenTheNodeHasNoFreeAddress() throws Exception
    {
        try (Node small = Node.start(NodeConfig.defaults("small", Ipv4Cidr.parse("10.244.9.0/28")));
            ApiServer smallApi = ApiServer.start("127.0.0.1", 0, small.proxy(), "small"))
        {
            for (int i = 1; i <= 13; i++)
            {
                assertThat(call(smallApi, "POST", "/api/v1/pods", "{\"name\":\"p-" + i + "\"}").status()).isEqualTo(201);
            }

            assertError(call(smallApi, "POST", "/api/v1/pods", "{\"name\":\"p-14\"}"), 503, "unavailable");
        }
    }

    // ------------------------------------------------------------------ ping

    @Test
    void shouldPingAnotherPodByName() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"pod-2\",\"count\":2,\"intervalMs\":0}");

        assertThat(reply.status()).isEqualTo(200);
        final JsonNode ping = reply.json();
        assertThat(ping.get("target").asText()).isEqualTo("pod-2");
        assertThat(ping.get("targetIp").asText()).isEqualTo(pod2Ip);
        assertThat(ping.get("sent").asInt()).isEqualTo(2);
        assertThat(ping.get("received").asInt()).isEqualTo(2);
        assertThat(ping.get("errors")).isEmpty();
        for (final JsonNode echo : ping.get("replies"))
        {
            assertThat(echo.get("from").asText()).isEqualTo(pod2Ip);
            assertThat(echo.get("ttl").asInt()).isEqualTo(64);
            assertThat(echo.get("rttUs").asLong()).isGreaterThanOrEqualTo(0);
        }
        assertThat(ping.get("replies").get(0).get("seq").asInt()).isEqualTo(1);
    }

    @Test
    void shouldPingAnIpAddressWithEveryOptionGiven() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-2/ping", "{\"target\":\"" + pod1Ip + "\",\"count\":1," +
            "\"size\":1000,\"dontFragment\":true,\"timeoutMs\":2000,\"intervalMs\":10,\"ttl\":5}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("target").asText()).isEqualTo(pod1Ip);
        assertThat(reply.json().get("received").asInt()).isEqualTo(1);
        assertThat(reply.json().get("replies").get(0).get("from").asText()).isEqualTo(pod1Ip);
    }

    @Test
    void shouldReportNetUnreachableFromTheGatewayForAnAddressWithoutRoute() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"10.9.9.9\",\"count\":1}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("received").asInt()).isZero();
        final JsonNode error = reply.json().get("errors").get(0);
        assertThat(error.get("seq").asInt()).isEqualTo(1);
        assertThat(error.get("type").asText()).isEqualTo("net-unreachable");
        assertThat(error.get("from").asText()).isEqualTo("10.244.1.1");
        assertThat(error.get("mtu").asInt()).isZero();
    }

    @Test
    void shouldReportTimeoutsWithAnEmptyFrom() throws Exception
    {
        // nobody has this address: ARP is still asking when the 100 ms timeout passes
        final Reply reply = call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"10.244.1.200\",\"count\":1,\"timeoutMs\":100}");

        assertThat(reply.status()).isEqualTo(200);
        final JsonNode error = reply.json().get("errors").get(0);
        assertThat(error.get("type").asText()).isEqualTo("timeout");
        assertThat(error.get("from").asText()).isEmpty();
    }

    @Test
    void shouldAnswer404ForAnUnknownTargetNameOrSourcePod() throws Exception
    {
        assertError(call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"nobody\"}"), 404, "not-found");
        assertError(call("POST", "/api/v1/pods/nobody/ping", "{\"target\":\"pod-1\"}"), 404, "not-found");
        assertError(call("POST", "/api/v1/pods/nobody/ping", "{\"target\":\"10.244.1.2\"}"), 404, "not-found");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"target\":null}",
        "{\"target\":5}",
        "{\"target\":\"10.244.1\"}",
        "{\"target\":\"10.244.1.300\"}",
        "{\"target\":\"Pod_2\"}",
        "{\"target\":\"pod-2\",\"count\":\"3\"}",
        "{\"target\":\"pod-2\",\"count\":2.5}",
        "{\"target\":\"pod-2\",\"count\":0}",
        "{\"target\":\"pod-2\",\"count\":10001}",
        "{\"target\":\"pod-2\",\"count\":99999999999999999999999}",
        "{\"target\":\"pod-2\",\"size\":-1}",
        "{\"target\":\"pod-2\",\"size\":65508}",
        "{\"target\":\"pod-2\",\"timeoutMs\":-1}",
        "{\"target\":\"pod-2\",\"timeoutMs\":0}",
        "{\"target\":\"pod-2\",\"timeoutMs\":60001}",
        "{\"target\":\"pod-2\",\"intervalMs\":-5}",
        "{\"target\":\"pod-2\",\"ttl\":0}",
        "{\"target\":\"pod-2\",\"ttl\":256}",
        "{\"target\":\"pod-2\",\"dontFragment\":\"yes\"}",
        "{\"target\":\"pod-2\",\"dontFragment\":1}",
        "{\"target\":\"pod-2\",\"count\":10000,\"intervalMs\":1000}",
        "{\"target\":\"pod-2\",\"timeout\":100}",
        "{\"target\":\"pod-2\",\"count\":{}}",
        "{\"target\":[\"pod-2\"]}",
        "\"pod-2\"",
        "null",
        "{target:\"pod-2\"}",
        "{\"target\":\"pod-2\"",
        "{\"target\":\"pod-2\"}x"})
    void shouldAnswer400ForABadPing(final String body) throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/ping", body);

        assertError(reply, 400, "bad-request");
    }

    @Test
    void shouldNameTheFieldAndItsRangeInTheDetail() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"pod-2\",\"count\":10001}");

        assertThat(reply.json().get("detail").asText()).contains("count").contains("1..10000");
    }

    // ------------------------------------------------------------------ traceroute

    @Test
    void shouldTraceAPodOnTheSameNodeInOneHop() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/traceroute", "{\"target\":\"pod-2\"}");

        assertThat(reply.status()).isEqualTo(200);
        final JsonNode trace = reply.json();
        assertThat(trace.get("target").asText()).isEqualTo("pod-2");
        assertThat(trace.get("targetIp").asText()).isEqualTo(pod2Ip);
        assertThat(trace.get("reached").asBoolean()).isTrue();
        assertThat(trace.get("hops")).hasSize(1);
        final JsonNode hop = trace.get("hops").get(0);
        assertThat(hop.get("ttl").asInt()).isEqualTo(1);
        assertThat(hop.get("address").asText()).isEqualTo(pod2Ip);
        assertThat(hop.get("kind").asText()).isEqualTo("reply");
        assertThat(hop.get("rttUs").asLong()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void shouldStopTheTraceAtTheGatewayWhenThereIsNoRoute() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/traceroute", "{\"target\":\"10.9.9.9\",\"maxHops\":4,\"timeoutMs\":500}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("reached").asBoolean()).isFalse();
        final JsonNode hops = reply.json().get("hops");
        assertThat(hops.size()).isBetween(1, 4);
        final JsonNode last = hops.get(hops.size() - 1);
        assertThat(last.get("address").asText()).isEqualTo("10.244.1.1");
        assertThat(last.get("kind").asText()).isEqualTo("net-unreachable");
    }

    @Test
    void shouldShowAStarForAHopThatDidNotAnswer() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/traceroute", "{\"target\":\"10.244.1.200\",\"maxHops\":1,\"timeoutMs\":100}");

        assertThat(reply.status()).isEqualTo(200);
        final JsonNode hop = reply.json().get("hops").get(0);
        assertThat(hop.get("kind").asText()).isEqualTo("timeout");
        assertThat(hop.get("address").asText()).isEqualTo("*");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"target\":\"pod-2\",\"maxHops\":0}",
        "{\"target\":\"pod-2\",\"maxHops\":65}",
        "{\"target\":\"pod-2\",\"timeoutMs\":-1}",
        "{\"target\":\"pod-2\",\"timeoutMs\":60001}",
        "{\"target\":\"pod-2\",\"count\":1}"})
    void shouldAnswer400ForABadTraceroute(final String body) throws Exception
    {
        assertError(call("POST", "/api/v1/pods/pod-1/traceroute", body), 400, "bad-request");
    }

    @Test
    void shouldAnswer404ForATracerouteToAnUnknownName() throws Exception
    {
        assertError(call("POST", "/api/v1/pods/pod-1/traceroute", "{\"target\":\"nobody\"}"), 404, "not-found");
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void shouldAskNetexecForTheHostnameAndClientIp() throws Exception
    {
        final Reply hostname = call("POST", "/api/v1/pods/pod-1/udp", "{\"target\":\"pod-2\",\"port\":8081,\"payload\":\"hostname\"}");
        assertThat(hostname.status()).isEqualTo(200);
        assertThat(hostname.json().get("from").asText()).isEqualTo(pod2Ip + ":8081");
        assertThat(hostname.json().get("reply").asText()).isEqualTo("pod-2");

        final Reply clientIp = call("POST", "/api/v1/pods/pod-1/udp",
            "{\"target\":\"" + pod2Ip + "\",\"port\":8081,\"payload\":\"clientip\",\"timeoutMs\":2000}");
        assertThat(clientIp.status()).isEqualTo(200);
        assertThat(clientIp.json().get("reply").asText()).matches(java.util.regex.Pattern.quote(pod1Ip) + ":\\d+");
    }

    @Test
    void shouldAnswer502WithTheSenderForAnIcmpError() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/udp", "{\"target\":\"pod-2\",\"port\":9999,\"payload\":\"hi\"}");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().get("error").asText()).isEqualTo("port-unreachable");
        assertThat(reply.json().get("from").asText()).isEqualTo(pod2Ip);
        assertThat(reply.json().get("detail").asText()).contains("9999");
    }

    @Test
    void shouldAnswer504WhenNoReplyComesInTime() throws Exception
    {
        final Reply reply = call("POST", "/api/v1/pods/pod-1/udp",
            "{\"target\":\"10.244.1.200\",\"port\":8081,\"payload\":\"hi\",\"timeoutMs\":100}");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.json().get("error").asText()).isEqualTo("timeout");
        assertThat(reply.json().get("from").asText()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"target\":\"pod-2\",\"payload\":\"hi\"}",
        "{\"target\":\"pod-2\",\"port\":0,\"payload\":\"hi\"}",
        "{\"target\":\"pod-2\",\"port\":65536,\"payload\":\"hi\"}",
        "{\"target\":\"pod-2\",\"port\":\"8081\",\"payload\":\"hi\"}",
        "{\"target\":\"pod-2\",\"port\":8081}",
        "{\"target\":\"pod-2\",\"port\":8081,\"payload\":42}",
        "{\"target\":\"pod-2\",\"port\":8081,\"payload\":\"hi\",\"timeoutMs\":-1}",
        "{\"port\":8081,\"payload\":\"hi\"}"})
    void shouldAnswer400ForABadUdpRequest(final String body) throws Exception
    {
        assertError(call("POST", "/api/v1/pods/pod-1/udp", body), 400, "bad-request");
    }

    @Test
    void shouldAnswer404ForUdpFromAnUnknownPod() throws Exception
    {
        assertError(call("POST", "/api/v1/pods/nobody/udp", "{\"target\":\"pod-2\",\"port\":8081,\"payload\":\"hi\"}"),
            404, "not-found");
    }

    // ------------------------------------------------------------------ tables

    @Test
    void shouldShowAPodsArpCacheAfterItTalked() throws Exception
    {
        call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"pod-2\",\"count\":1}");

        final Reply reply = call("GET", "/api/v1/pods/pod-1/arp", null);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode entry = null;
        for (final JsonNode line : reply.json())
        {
            if (line.get("ip").asText().equals(pod2Ip))
            {
                entry = line;
            }
        }
        assertThat(entry).as("ARP entry for %s in %s", pod2Ip, reply.body()).isNotNull();
        assertThat(entry.get("mac").asText()).isEqualTo(expectedMac(pod2Ip));
        assertThat(entry.get("state").asText()).isEqualTo("REACHABLE");
        assertThat(entry.get("ageMs").asLong()).isGreaterThanOrEqualTo(0);

        assertError(call("GET", "/api/v1/pods/nobody/arp", null), 404, "not-found");
    }

    @Test
    void shouldShowTheFdbWithThePermanentGatewayEntry() throws Exception
    {
        final Reply reply = call("GET", "/api/v1/fdb", null);

        assertThat(reply.status()).isEqualTo(200);
        boolean gateway = false;
        for (final JsonNode line : reply.json())
        {
            assertThat(line.get("mac").asText()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
            assertThat(line.has("ageMs")).isTrue();
            if (line.get("port").asText().equals("gateway"))
            {
                gateway = true;
                assertThat(line.get("permanent").asBoolean()).isTrue();
                assertThat(line.get("mac").asText()).isEqualTo("0a:58:0a:f4:01:01");
            }
        }
        assertThat(gateway).as("gateway in %s", reply.body()).isTrue();
    }

    @Test
    void shouldShowNoRoutesOnANodeWithoutTunnel() throws Exception
    {
        final Reply reply = call("GET", "/api/v1/routes", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().isArray()).isTrue();
        assertThat(reply.json()).isEmpty();
    }

    @Test
    void shouldShowDropCountersByReason() throws Exception
    {
        call("POST", "/api/v1/pods/pod-1/udp", "{\"target\":\"pod-2\",\"port\":9998,\"payload\":\"x\"}");

        final Reply reply = call("GET", "/api/v1/drops", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().isObject()).isTrue();
        assertThat(reply.json().get("no-socket").asLong()).isPositive();
    }

    @Test
    void shouldListLocalPodsAsEndpoints() throws Exception
    {
        final Reply reply = call("GET", "/api/v1/endpoints", null);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode pod1 = null;
        for (final JsonNode line : reply.json())
        {
            if ("pod-1".equals(line.get("pod").asText()))
            {
                pod1 = line;
            }
        }
        assertThat(pod1).isNotNull();
        assertThat(pod1.get("ip").asText()).isEqualTo(pod1Ip);
        assertThat(pod1.get("mac").asText()).isEqualTo(expectedMac(pod1Ip));
        assertThat(pod1.get("node").asText()).isEqualTo("node-1");
    }

    // ------------------------------------------------------------------ static configuration

    @Test
    void shouldPutResolveAndDeleteARemoteEndpoint() throws Exception
    {
        final Reply put = call("PUT", "/api/v1/endpoints",
            "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\",\"pod\":\"far-1\"}");
        assertThat(put.status()).isEqualTo(204);

        assertThat(call("GET", "/api/v1/endpoints", null).body())
            .contains("{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\",\"pod\":\"far-1\"}");
        assertThat(call("GET", "/api/v1/pods", null).body())
            .contains("{\"name\":\"far-1\",\"node\":\"node-2\",\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"netns\":null," +
                "\"namespace\":\"default\",\"labels\":{}}");

        // the name resolves; with no route to node-2 the gateway answers net unreachable
        final Reply ping = call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"far-1\",\"count\":1}");
        assertThat(ping.status()).isEqualTo(200);
        assertThat(ping.json().get("targetIp").asText()).isEqualTo("10.244.2.5");
        assertThat(ping.json().get("errors").get(0).get("type").asText()).isEqualTo("net-unreachable");

        assertThat(call("DELETE", "/api/v1/endpoints/10.244.2.5", null).status()).isEqualTo(204);
        assertError(call("DELETE", "/api/v1/endpoints/10.244.2.5", null), 404, "not-found");
        assertError(call("POST", "/api/v1/pods/pod-1/ping", "{\"target\":\"far-1\"}"), 404, "not-found");
    }

    @Test
    void shouldAcceptAnEndpointWithoutPodNameButNotListItAsAPod() throws Exception
    {
        assertThat(call("PUT", "/api/v1/endpoints", "{\"ip\":\"10.244.2.9\",\"mac\":\"0a:58:0a:f4:02:09\",\"node\":\"node-2\"}")
            .status()).isEqualTo(204);

        assertThat(call("GET", "/api/v1/endpoints", null).body()).contains("\"ip\":\"10.244.2.9\"");
        assertThat(call("GET", "/api/v1/pods", null).body()).doesNotContain("10.244.2.9");

        assertThat(call("DELETE", "/api/v1/endpoints/10.244.2.9", null).status()).isEqualTo(204);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"ip\":\"10.244.1.77\",\"mac\":\"0a:58:0a:f4:01:4d\",\"node\":\"node-2\",\"pod\":\"x\"}",
        "{\"ip\":\"10.244.2\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02\",\"node\":\"node-2\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"ff:ff:ff:ff:ff:ff\",\"node\":\"node-2\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"00:00:00:00:00:00\",\"node\":\"node-2\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"Node_2\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\",\"pod\":\"A\"}",
        "{\"ip\":\"10.244.2.5\",\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\",\"zone\":\"x\"}",
        "{\"ip\":167903749,\"mac\":\"0a:58:0a:f4:02:05\",\"node\":\"node-2\"}"})
    void shouldAnswer400ForABadEndpoint(final String body) throws Exception
    {
        assertError(call("PUT", "/api/v1/endpoints", body), 400, "bad-request");
    }

    @Test
    void shouldAnswer400ForDeletingAnEndpointThatIsNotAnAddress() throws Exception
    {
        assertError(call("DELETE", "/api/v1/endpoints/far-1", null), 400, "bad-request");
    }

    @Test
    void shouldAnswer503ForARouteOnANodeWithoutTunnel() throws Exception
    {
        final Reply reply = call("PUT", "/api/v1/routes",
            "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"127.0.0.1\",\"port\":8472}");

        assertError(reply, 503, "unavailable");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.1/24\",\"host\":\"127.0.0.1\",\"port\":8472}",
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0\",\"host\":\"127.0.0.1\",\"port\":8472}",
        "{\"node\":\"Node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"127.0.0.1\",\"port\":8472}",
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"\",\"port\":8472}",
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"127.0.0.1\",\"port\":70000}",
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"127.0.0.1\"}",
        "{\"node\":\"node-2\",\"cidr\":\"10.244.2.0/24\",\"host\":\"127.0.0.1\",\"port\":8472,\"via\":\"x\"}"})
    void shouldAnswer400ForABadRoute(final String body) throws Exception
    {
        assertError(call("PUT", "/api/v1/routes", body), 400, "bad-request");
    }

    @ParameterizedTest
    @CsvSource({
        "/api/v1/routes?cidr=10.244.2.0/24, 404",
        "/api/v1/routes?cidr=10.244.2.0%2F24, 404",
        "/api/v1/routes, 400",
        "/api/v1/routes?cidr=10.244.2.1/24, 400",
        "/api/v1/routes?cidr=banana, 400",
        "/api/v1/routes?cidr=10.244.2.0/24&cidr=10.244.3.0/24, 400"})
    void shouldAnswerForDeletingARoute(final String path, final int status) throws Exception
    {
        assertThat(call("DELETE", path, null).status()).isEqualTo(status);
    }

    // ------------------------------------------------------------------ status and readiness

    @Test
    void shouldBeReadyAndShowTheConfiguredCidrInStaticMode() throws Exception
    {
        assertThat(call("GET", "/readyz", null).body()).isEqualTo("ok");

        final JsonNode node = call("GET", "/api/v1/node", null).json();

        assertThat(node.get("name").asText()).isEqualTo("node-1");
        assertThat(node.get("mode").asText()).isEqualTo("static");
        assertThat(node.get("cidr").asText()).isEqualTo("10.244.1.0/24");
        assertThat(node.get("ready").asBoolean()).isTrue();
        assertThat(node.get("reason").isNull()).isTrue();
        assertThat(node.get("members")).isEmpty();
    }

    @Test
    void shouldAnswerOnlyStatusRoutesUntilTheDataPlaneIsServedThenEverything() throws Exception
    {
        final NodeStatus waiting = NodeStatus.notReady("later", NodeStatus.CLUSTER, null, "waiting for a CIDR lease");
        final java.util.concurrent.atomic.AtomicReference<NodeStatus> status = new java.util.concurrent.atomic.AtomicReference<>(waiting);
        final Node later = Node.start(NodeConfig.defaults("later", Ipv4Cidr.parse("10.244.9.0/24")));
        try (ApiServer laterApi = ApiServer.startNotReady("127.0.0.1", 0, "later", status::get))
        {
            assertThat(call(laterApi, "GET", "/healthz", null).body()).as("alive").isEqualTo("ok");
            final Reply notReady = call(laterApi, "GET", "/readyz", null);
            assertError(notReady, 503, "not-ready");
            assertThat(notReady.json().get("detail").asText()).isEqualTo("node later is not ready: waiting for a CIDR lease");
            assertThat(call(laterApi, "GET", "/api/v1/node", null).json().get("ready").asBoolean()).isFalse();
            assertError(call(laterApi, "GET", "/api/v1/pods", null), 503, "not-ready");
            assertError(call(laterApi, "PUT", "/api/v1/routes", "{}"), 503, "not-ready");

            laterApi.serve(later.proxy(), ApiServer.ConfigSource.CONTROL_PLANE);
            status.set(NodeStatus.ready("later", NodeStatus.CLUSTER, "10.244.9.0/24"));

            assertThat(call(laterApi, "GET", "/readyz", null).body()).isEqualTo("ok");
            assertThat(call(laterApi, "GET", "/api/v1/pods", null).status()).isEqualTo(200);
            assertThat(call(laterApi, "GET", "/api/v1/nothing", null).status()).as("a 404 once serving").isEqualTo(404);
        }
        finally
        {
            later.close();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PUT    | /api/v1/endpoints                  | {\"ip\":\"10.244.2.2\",\"mac\":\"0a:58:0a:f4:02:02\",\"node\":\"b\"}",
        "DELETE | /api/v1/endpoints/10.244.2.2       | ",
        "PUT    | /api/v1/routes                     | {\"node\":\"b\",\"cidr\":\"10.244.2.0/24\",\"host\":\"h\",\"port\":1}",
        "DELETE | /api/v1/routes?cidr=10.244.2.0/24  | "})
    void shouldAnswer409ForStaticConfigurationWhenTheControlPlaneOwnsIt(
        final String method, final String path, final String body) throws Exception
    {
        final Node managed = Node.start(NodeConfig.defaults("managed", Ipv4Cidr.parse("10.244.7.0/24")));
        try (ApiServer managedApi = ApiServer.startNotReady("127.0.0.1", 0, "managed",
            () -> NodeStatus.ready("managed", NodeStatus.CLUSTER, "10.244.7.0/24")))
        {
            managedApi.serve(managed.proxy(), ApiServer.ConfigSource.CONTROL_PLANE);

            final Reply reply = call(managedApi, method, path, body);

            assertError(reply, 409, "conflict");
            assertThat(reply.json().get("detail").asText()).isEqualTo("routes and endpoints are managed by the control plane");
            assertThat(call(managedApi, "GET", "/api/v1/routes", null).json()).isEmpty();
        }
        finally
        {
            managed.close();
        }
    }

    // ------------------------------------------------------------------ never stuck

    @Test
    void shouldAnswer504InsteadOfHangingWhenTheDataPlaneHasStopped() throws Exception
    {
        final Node stopped = Node.start(NodeConfig.defaults("stopped", Ipv4Cidr.parse("10.244.8.0/24")));
        try (ApiServer stoppedApi = ApiServer.start("127.0.0.1", 0, stopped.proxy(), "stopped", Duration.ofMillis(300)))
        {
            stopped.close();

            final long start = System.nanoTime();
            final Reply reply = call(stoppedApi, "GET", "/api/v1/fdb", null);

            assertError(reply, 504, "timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(call(stoppedApi, "GET", "/healthz", null).status()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------ helpers

    record Reply(int status, String body, HttpResponse<String> response)
    {
        JsonNode json() throws IOException
        {
            return JSON.readTree(body);
        }

        String header(final String name)
        {
            return response.headers().firstValue(name).orElse(null);
        }

        String contentType()
        {
            return header("Content-Type");
        }
    }

    private static Reply call(final String method, final String path, final String body) throws Exception
    {
        return call(api, method, path, body);
    }

    private static Reply call(final ApiServer server, final String method, final String path, final String body) throws Exception
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json")
            .build();
        final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    private static void assertError(final Reply reply, final int status, final String error) throws IOException
    {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).isEqualTo("application/json");
        final JsonNode json = reply.json();
        assertThat(json.get("error").asText()).as("error of %s", reply.body()).isEqualTo(error);
        assertThat(json.get("detail").asText()).as("detail of %s", reply.body()).isNotBlank();
    }

    private static List<String> names(final JsonNode pods)
    {
        final List<String> names = new ArrayList<>();
        pods.forEach(pod -> names.add(pod.get("name").asText()));
        return names;
    }

    private static String expectedMac(final String ip)
    {
        final StringBuilder mac = new StringBuilder("0a:58");
        for (final String octet : ip.split("\\."))
        {
            mac.append(':').append(String.format("%02x", Integer.parseInt(octet)));
        }
        return mac.toString();
    }
}
