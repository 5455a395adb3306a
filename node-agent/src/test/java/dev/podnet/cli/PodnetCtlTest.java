package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.dataplane.Route;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.testing.Http;
import dev.podnet.testing.LocalCluster;
import dev.podnet.testing.RealPodTesting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * podnetctl end to end: every verb run in-process through picocli against one real cluster of three
 * agents in this JVM (node-1..3 with pods a1, b1, c1), checking what a user and a script see: the
 * output format and the exit code for success (0), an operation that failed (1), a usage error (2), a
 * refusal by the API (3) and a server that is not there (4).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodnetCtlTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COLUMNS = Pattern.compile(" {2,}");

    private LocalCluster cluster;
    private String server;

    @BeforeAll
    void startCluster()
    {
        cluster = LocalCluster.start(3, 1);
        server = cluster.api(1);
        for (int i = 1; i <= 3; i++)
        {
            final String api = cluster.api(i);
            final String node = "node-" + i;
            LocalCluster.await(() -> Http.get(api + "/api/v1/pods").json().size() == 3 &&
                    Http.get(api + "/api/v1/nodes/" + node + "/routes").json().size() == 2,
                LocalCluster.CONVERGE, node + " knows the 3 pods and routes to the 2 other nodes");
        }
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------ get

    @Test
    void shouldListEveryNodeInAlignedColumns()
    {
        final Run run = ctl("get", "nodes");

        assertThat(run.exit()).isZero();
        final List<String> lines = run.lines();
        assertThat(cells(lines.get(0))).containsExactly("NAME", "STATUS", "CIDR", "GATEWAY", "PODS");
        assertThat(lines).hasSize(4);
        for (int i = 1; i <= 3; i++)
        {
            final List<String> row = cells(lines.get(i));
            assertThat(row.get(0)).isEqualTo("node-" + i);
            assertThat(row.get(1)).isEqualTo("Ready");
            assertThat(row.get(2)).matches("10\\.244\\.\\d+\\.0/24");
            assertThat(row.get(3)).isEqualTo(row.get(2).replace(".0/24", ".1"));
            assertThat(row.get(4)).isEqualTo("1");
        }
        assertAligned(lines);
        assertThat(run.err()).isEmpty();
    }

    @Test
    void shouldAddAddressesAndTheReasonWithOutputWide()
    {
        final Run run = ctl("get", "nodes", "-o", "wide");

        assertThat(run.exit()).isZero();
        assertThat(cells(run.lines().get(0)))
            .containsExactly("NAME", "STATUS", "CIDR", "GATEWAY", "PODS", "ADDRESS", "API", "TUNNEL", "REASON");
        final List<String> second = cells(run.lines().get(2));
        assertThat(second.get(0)).isEqualTo("node-2");
        assertThat(second.get(5)).startsWith("127.0.0.1:");
        assertThat(second.get(6)).isEqualTo("127.0.0.1:" + cluster.agent(2).settings().apiPort());
        assertThat(second.get(7)).isEqualTo("127.0.0.1:" + cluster.agent(2).settings().tunnelPort());
        assertThat(second.get(8)).as("Ready: no reason").isEqualTo("<none>");
        assertAligned(run.lines());
    }

    @Test
    void shouldPrintTheApisJsonWithOutputJson() throws IOException
    {
        final Run nodes = ctl("get", "nodes", "-o", "json");
        final Run pods = ctl("get", "pods", "-o", "json");

        assertThat(nodes.exit()).isZero();
        final JsonNode nodeList = JSON.readTree(nodes.out());
        assertThat(nodeList).hasSize(3);
        assertThat(nodeList.get(0).get("name").asText()).isEqualTo("node-1");
        assertThat(nodes.out()).as("pretty-printed").contains("\n  {\n    \"name\": \"node-1\",");
        assertThat(pods.exit()).isZero();
        final List<String> names = new ArrayList<>();
        JSON.readTree(pods.out()).forEach(pod -> names.add(pod.get("name").asText()));
        assertThat(names).containsExactly("a1", "b1", "c1");
    }

    @Test
    void shouldListEveryPodOfTheClusterWithItsMacWhenWide()
    {
        final Run run = ctl("get", "pods");
        final Run wide = ctl("get", "po", "-o", "wide");

        assertThat(run.exit()).isZero();
        assertThat(cells(run.lines().get(0))).containsExactly("NAME", "NODE", "IP");
        assertThat(run.lines()).hasSize(4);
        for (int i = 1; i <= 3; i++)
        {
            final List<String> row = cells(run.lines().get(i));
            assertThat(row.get(0)).isEqualTo(LocalCluster.podName(i, 1));
            assertThat(row.get(1)).isEqualTo("node-" + i);
            assertThat(row.get(2)).matches("10\\.244\\.\\d+\\.2");
        }
        assertAligned(run.lines());
        assertThat(wide.exit()).isZero();
        assertThat(cells(wide.lines().get(0))).containsExactly("NAME", "NODE", "IP", "MAC", "NETNS", "LABELS");
        assertThat(cells(wide.lines().get(3)).get(3)).matches("0a:58:0a:f4:[0-9a-f]{2}:02");
        assertThat(cells(wide.lines().get(3)).get(4)).as("an emulated pod has no namespace").isEqualTo("-");
        assertThat(cells(wide.lines().get(3)).get(5)).isEqualTo("<none>");
    }

    @Test
    void shouldShowOnePodByNameFromAnyAgent()
    {
        final Run run = ctl("--server", cluster.api(3), "get", "pod", "a1");

        assertThat(run.exit()).isZero();
        assertThat(run.lines()).hasSize(2);
        assertThat(cells(run.lines().get(1))).containsExactly("a1", "node-1", ip("a1"));
    }

    @Test
    void shouldExitWith2WithoutAResourceTypeOrWithAnUnknownFormat()
    {
        final Run missing = ctl("get");
        final Run format = ctl("get", "pods", "-o", "yaml");

        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("error: missing resource type: nodes, pods, services, endpoints, namespaces or networkpolicies");
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).startsWith("error: -o: unknown output format 'yaml' (expected: wide, json)")
            .contains("See 'podnetctl get pods --help' for usage.");
        assertThat(format.out()).isEmpty();
    }

    // ------------------------------------------------------------------ describe, create, delete

    @Test
    void shouldDescribeANodeWithItsRoutesAndPods()
    {
        final Run run = ctl("describe", "node", "node-2");

        assertThat(run.exit()).isZero();
        final String out = run.out();
        assertThat(out).containsPattern("(?m)^Name: +node-2$")
            .containsPattern("(?m)^Status: +Ready$")
            .containsPattern("(?m)^CIDR: +10\\.244\\.\\d+\\.0/24$")
            .containsPattern("(?m)^API: +127\\.0\\.0\\.1:" + cluster.agent(2).settings().apiPort() + "$")
            .containsPattern("(?m)^Routes:\n  CIDR +NODE +ENDPOINT +TUNNEL +OUT +IN$")
            .containsPattern("(?m)^  10\\.244\\.\\d+\\.0/24 +node-1 +127\\.0\\.0\\.1:\\d+ +(connected|idle) +\\d+ +\\d+$")
            .containsPattern("(?m)^  10\\.244\\.\\d+\\.0/24 +node-3 +127\\.0\\.0\\.1:\\d+ +(connected|idle) +\\d+ +\\d+$")
            .containsPattern("(?m)^Pods: \\(1 in total\\)\n  NAME +IP +MAC\n  b1 +" + Pattern.quote(ip("b1")) + " +0a:58:");
        final List<String> keyLines = run.lines().subList(0, 8);
        assertThat(keyLines.stream().map(line -> line.indexOf(line.substring(line.indexOf(':') + 1).strip())).distinct())
            .as("values aligned").hasSize(1);
    }

    @Test
    void shouldDescribeAPodOnAnotherNodeWithItsArpCache()
    {
        assertThat(ctl("ping", "c1", "a1", "-c", "1").exit()).isZero();

        final Run run = ctl("describe", "pod", "c1");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).containsPattern("(?m)^Name: +c1$")
            .containsPattern("(?m)^Node: +node-3$")
            .containsPattern("(?m)^IP: +" + Pattern.quote(ip("c1")) + "$")
            .containsPattern("(?m)^ARP cache:\n  IP +MAC +STATE +AGE$")
            .containsPattern("(?m)^  " + Pattern.quote(gateway(3)) + " +0a:58:");
    }

    @Test
    void shouldExitWith3AndTheApisDetailForAnUnknownNodeOrPod()
    {
        final Run node = ctl("describe", "node", "node-9");
        final Run pod = ctl("describe", "pod", "nosuch");

        assertThat(node.exit()).isEqualTo(3);
        assertThat(node.err()).startsWith("error: ").contains("node-9");
        assertThat(pod.exit()).isEqualTo(3);
        assertThat(pod.err()).startsWith("error: ").contains("nosuch").doesNotContain("Exception");
        assertThat(pod.out()).isEmpty();
    }

    @Test
    void shouldCreateAPodOnTheNodeAskedForAndDeleteIt()
    {
        final Run create = ctl("create", "pod", "web", "--node", "node-2");
        try
        {
            assertThat(create.exit()).as(create.err()).isZero();
            assertThat(create.out()).matches("pod/web created on node-2 \\(10\\.244\\.\\d+\\.\\d+\\)\n");
            LocalCluster.await(() -> ctl("get", "pods").out().contains("web"), LocalCluster.CONVERGE,
                "node-1, the server asked, lists the new pod");
            final Run taken = ctl("create", "pod", "web");
            assertThat(taken.exit()).isEqualTo(3);
            assertThat(taken.err()).startsWith("error: ").contains("web");
            final Run badName = ctl("create", "pod", "Not_A_Label");
            assertThat(badName.exit()).as("the API refuses it: 400").isEqualTo(3);
        }
        finally
        {
            final Run delete = ctl("delete", "pod", "web");
            assertThat(delete.exit()).as(delete.err()).isZero();
            assertThat(delete.out()).isEqualTo("pod/web deleted\n");
        }
        LocalCluster.await(() -> !ctl("get", "pods").out().contains("web"), LocalCluster.CONVERGE,
            "node-1 no longer lists the pod");
        final Run again = ctl("delete", "pod", "web");
        assertThat(again.exit()).isEqualTo(3);
        assertThat(again.err()).startsWith("error: ").contains("web");
    }

    @Test
    void shouldCreateARealPodOnAnotherNodeWhoseKernelPingsAPodOnAThirdNodeThroughTwoRouters()
    {
        RealPodTesting.require("ping");
        RealPodTesting.deleteNetns("pn-tap-ctl");
        final Run create = ctl("create", "pod", "pn-tap-ctl", "--node", "node-2", "--netns");
        try
        {
            assertThat(create.exit()).as(create.err()).isZero();
            assertThat(create.out()).matches(
                "pod/pn-tap-ctl created on node-2 \\(10\\.244\\.\\d+\\.\\d+\\), network namespace pn-tap-ctl\n");
            LocalCluster.await(() -> "pn-tap-ctl".equals(Http.get(server + "/api/v1/pods/pn-tap-ctl").json().path("netns").asText()),
                LocalCluster.CONVERGE, "node-1 lists the real pod of node-2 with its namespace");
            final String target = Http.get(server + "/api/v1/pods/" + LocalCluster.podName(3, 1)).json().get("ip").asText();
            LocalCluster.await(() -> RealPodTesting.inNetns("pn-tap-ctl", "ping", "-c", "1", "-W", "1", target).exitCode() == 0,
                LocalCluster.CONVERGE, "the real pod reaches node-3's pod");
            assertThat(RealPodTesting.inNetns("pn-tap-ctl", "ping", "-c", "1", "-W", "2", target).ok().output())
                .as("node-2's router, then node-3's: TTL 64 - 2").contains("ttl=62");

            // the all-pairs check includes the real pod: its kernel pings and calls netexec, it is pinged
            LocalCluster.await(() -> Http.get(cluster.api(3) + "/api/v1/pods").json().size() == 4, LocalCluster.CONVERGE,
                "node-3 knows the real pod");
            final Run check = ctl("check");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(check.out()).contains("pn-tap-ctl").contains("12/12 pairs ok");
            assertThat(ctl("get", "pods", "-o", "wide").out()).containsPattern("(?m)^pn-tap-ctl +node-2 +10\\S+ +0a:58\\S+ +pn-tap-ctl +<none>$");
        }
        finally
        {
            assertThat(ctl("delete", "pod", "pn-tap-ctl").exit()).isZero();
        }
        assertThat(RealPodTesting.run(List.of("ip", "netns", "list")).output()).doesNotContain("pn-tap-ctl");
    }

    // ------------------------------------------------------------------ ping, traceroute, udp

    @Test
    void shouldPingAcrossNodesLikeIputils()
    {
        final Run run = ctl("ping", "a1", "c1", "-c", "2", "-i", "0.05");

        assertThat(run.exit()).as(run.err()).isZero();
        final String c1 = ip("c1");
        final List<String> lines = run.lines();
        assertThat(lines.get(0)).isEqualTo("PING c1 (" + c1 + ") 56(84) bytes of data.");
        assertThat(lines.get(1)).matches("64 bytes from " + Pattern.quote(c1) + ": icmp_seq=1 ttl=62 time=\\d+(\\.\\d+)? ms");
        assertThat(lines.get(2)).matches("64 bytes from " + Pattern.quote(c1) + ": icmp_seq=2 ttl=62 time=\\d+(\\.\\d+)? ms");
        assertThat(lines.get(3)).isEmpty();
        assertThat(lines.get(4)).isEqualTo("--- c1 ping statistics ---");
        assertThat(lines.get(5)).isEqualTo("2 packets transmitted, 2 received, 0% packet loss");
        assertThat(lines.get(6)).matches("rtt min/avg/max/mdev = \\d+\\.\\d{3}/\\d+\\.\\d{3}/\\d+\\.\\d{3}/\\d+\\.\\d{3} ms");
    }

    @Test
    void shouldExitWith1WhenAPingGetsNoReply()
    {
        final Run run = ctl("ping", "a1", "10.200.0.1", "-c", "1");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.lines()).containsExactly(
            "PING 10.200.0.1 (10.200.0.1) 56(84) bytes of data.",
            "From " + gateway(1) + " icmp_seq=1 Destination Net Unreachable",
            "",
            "--- 10.200.0.1 ping statistics ---",
            "1 packets transmitted, 0 received, +1 errors, 100% packet loss");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void shouldReportTheMtuWhenDontFragmentMeetsASmallerMtu()
    {
        final Run run = ctl("ping", "a1", "b1", "-c", "1", "-s", "2000", "-M", "do");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.lines().get(0)).isEqualTo("PING b1 (" + ip("b1") + ") 2000(2028) bytes of data.");
        assertThat(run.lines().get(1)).matches("From 10\\.244\\.\\d+\\.\\d+ icmp_seq=1 Frag needed and DF set \\(mtu = 1413\\)");
    }

    @Test
    void shouldExitWith2OnBadPingArguments()
    {
        assertThat(ctl("ping", "a1").exit()).isEqualTo(2);
        final Run count = ctl("ping", "a1", "b1", "-c", "0");
        assertThat(count.exit()).isEqualTo(2);
        assertThat(count.err()).startsWith("error: -c must be at least 1: 0");
        final Run pmtu = ctl("ping", "a1", "b1", "-M", "maybe");
        assertThat(pmtu.exit()).isEqualTo(2);
        assertThat(pmtu.err()).startsWith("error: -M must be do or dont: maybe");
        assertThat(ctl("ping", "a1", "b1", "-c", "many").exit()).isEqualTo(2);
        final Run timeout = ctl("ping", "a1", "b1", "-W", "0");
        assertThat(timeout.exit()).isEqualTo(2);
        assertThat(timeout.err()).startsWith("error: -W must be more than 0 seconds: 0.0");
        assertThat(ctl("ping", "a1", "b1", "-i", "-1").exit()).isEqualTo(2);
    }

    @Test
    void shouldExitWith3WhenThePingingPodDoesNotExist()
    {
        final Run run = ctl("ping", "nosuch", "b1");

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains("nosuch");
    }

    @Test
    void shouldTraceTheRouteThroughBothGatewaysLikeTraceroute()
    {
        final Run run = ctl("traceroute", "a1", "c1");

        assertThat(run.exit()).as(run.err()).isZero();
        final List<String> lines = run.lines();
        assertThat(lines.get(0)).isEqualTo("traceroute to c1 (" + ip("c1") + "), 16 hops max");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).matches(" 1  " + Pattern.quote(gateway(1)) + "  \\d+\\.\\d{3} ms");
        assertThat(lines.get(2)).matches(" 2  " + Pattern.quote(cidr(3).replace("/24", "")) + "  \\d+\\.\\d{3} ms");
        assertThat(lines.get(3)).matches(" 3  " + Pattern.quote(ip("c1")) + "  \\d+\\.\\d{3} ms");
    }

    @Test
    void shouldExitWith1WhenTracerouteDoesNotReachTheTarget()
    {
        final Run run = ctl("traceroute", "a1", "10.200.0.1", "--max-hops", "4");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.lines()).hasSize(3);
        assertThat(run.lines().get(0)).isEqualTo("traceroute to 10.200.0.1 (10.200.0.1), 4 hops max");
        assertThat(run.lines().get(1)).as("TTL 1 expires at the gateway").matches(" 1  " + Pattern.quote(gateway(1)) + "  \\d+\\.\\d{3} ms");
        assertThat(run.lines().get(2)).as("which has no route").matches(" 2  " + Pattern.quote(gateway(1)) + "  \\d+\\.\\d{3} ms !N");
    }

    @Test
    void shouldPrintOnlyTheUdpReplyAndWhereItCameFromWhenVerbose()
    {
        final Run hostname = ctl("udp", "a1", "b1", "8081", "hostname");
        final Run clientIp = ctl("udp", "a1", "c1", "8081", "clientip", "-v");
        final Run echo = ctl("udp", "a1", "b1", "8081", "echo", "hello", "world");

        assertThat(hostname.exit()).as(hostname.err()).isZero();
        assertThat(hostname.out()).isEqualTo("b1\n");
        assertThat(hostname.err()).isEmpty();
        assertThat(clientIp.exit()).isZero();
        assertThat(clientIp.out()).as("no NAT").startsWith(ip("a1") + ":");
        assertThat(clientIp.err()).isEqualTo("reply from " + ip("c1") + ":8081\n");
        assertThat(echo.out()).isEqualTo("hello world\n");
    }

    @Test
    void shouldExitWith1WhenNoUdpReplyComes()
    {
        final Run run = ctl("udp", "a1", "b1", "9", "anyone?", "-W", "0.3");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("error: ").contains(ip("b1") + ":9");
        assertThat(ctl("udp", "a1", "b1", "70000", "x").exit()).isEqualTo(2);
        assertThat(ctl("udp", "a1", "b1", "8081").exit()).as("no payload").isEqualTo(2);
    }

    // ------------------------------------------------------------------ curl, perf, ss

    @Test
    void shouldPrintTheBodyOfAnHttpGetAcrossNodesLikeCurl()
    {
        final Run hostname = ctl("curl", "a1", "http://c1:8080/hostname");
        final Run clientIp = ctl("curl", "a1", "http://" + ip("b1") + ":8080/clientip", "-v");
        final Run include = ctl("curl", "b1", "http://a1:8080/echo?msg=hello", "-i");

        assertThat(hostname.exit()).as(hostname.err()).isZero();
        assertThat(hostname.out()).as("the body as it came, like curl").isEqualTo("c1");
        assertThat(clientIp.out()).as("no NAT").startsWith(ip("a1") + ":");
        assertThat(clientIp.err()).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: ")
            .contains("to " + ip("b1") + ":8080: connect ");
        assertThat(include.out()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello");
    }

    @Test
    void shouldExitWith1WhenCurlGetsNoConnectionAndWithFailOnAnErrorStatus()
    {
        final Run refused = ctl("curl", "a1", "http://b1:81/");
        final Run notFound = ctl("curl", "a1", "http://b1:8080/nope");
        final Run failed = ctl("curl", "a1", "http://b1:8080/nope", "-f");

        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("error: ").contains("refused");
        assertThat(notFound.exit()).as("a 404 is a response").isZero();
        assertThat(notFound.out()).isEqualTo("404 page not found\n");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.out()).isEmpty();
        assertThat(ctl("curl", "a1", "ftp://b1/").exit()).as("the API refuses a non-http URL").isEqualTo(3);
        assertThat(ctl("curl", "a1").exit()).isEqualTo(2);
    }

    @Test
    void shouldReportThroughputOverTimeLikeIperf() throws IOException
    {
        final Run run = ctl("perf", "a1", "c1", "--seconds", "2");

        assertThat(run.exit()).as(run.err()).isZero();
        final List<String> lines = run.lines();
        assertThat(lines.get(0)).startsWith("Connecting from a1 to c1 (" + ip("c1") + ") port 9, 1 stream");
        assertThat(cells(lines.get(1))).containsExactly("Interval", "Transfer", "Bitrate", "Retr", "Cwnd", "RTT");
        assertThat(lines.get(2)).as("the first interval, a second or a little more under load")
            .matches(" *0\\.00-1\\.\\d\\d +sec .*(K|M|G)Bytes .*bits/sec .*");
        assertThat(lines.get(lines.size() - 1)).contains("acknowledged").contains("bits/sec");
        final Run json = ctl("perf", "a1", "b1", "--seconds", "1", "-o", "json");
        assertThat(JSON.readTree(json.out()).get("bytes").asLong()).isPositive();
        assertThat(ctl("perf", "a1", "b1", "--seconds", "0").exit()).isEqualTo(2);
        assertThat(ctl("perf", "a1", "b1", "--seconds", "1", "--port", "19").exit()).as("refused").isEqualTo(1);
    }

    @Test
    void shouldListThePodsSocketsLikeSs()
    {
        final Run run = ctl("ss", "b1");
        final Run info = ctl("ss", "b1", "-i");

        assertThat(run.exit()).isZero();
        assertThat(cells(run.lines().get(0))).containsExactly("STATE", "RECV-Q", "SEND-Q", "LOCAL", "PEER", "APP");
        assertThat(run.lines()).anySatisfy(line -> assertThat(cells(line)).containsExactly("LISTEN", "0", "4096",
            ip("b1") + ":8080", "*:*", "<none>"));
        assertAligned(run.lines());
        assertThat(cells(info.lines().get(0))).contains("CWND", "RTT", "RETRANS");
    }

    // ------------------------------------------------------------------ check, tables

    @Test
    void shouldPrintTheAllPairsMatrixAndExit0WhenEveryPairConnects() throws IOException
    {
        final Run run = ctl("check");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.lines()).containsExactly(
            "FROM\\TO  a1  b1  c1",
            "a1       -   ok  ok",
            "b1       ok  -   ok",
            "c1       ok  ok  -",
            "6/6 pairs ok");
        final Run json = ctl("check", "-o", "json");
        assertThat(json.exit()).isZero();
        assertThat(JSON.readTree(json.out()).get("pairs").asInt()).isEqualTo(6);
    }

    @Test
    void shouldShowArpFdbAndRoutesTables()
    {
        assertThat(ctl("ping", "a1", "b1", "-c", "1").exit()).isZero();

        final Run arp = ctl("arp", "a1");
        assertThat(arp.exit()).isZero();
        assertThat(cells(arp.lines().get(0))).containsExactly("IP", "MAC", "STATE", "AGE");
        assertThat(arp.out()).containsPattern("(?m)^" + Pattern.quote(gateway(1)) + " +0a:58:[0-9a-f:]+ +\\S+ +\\d+(ms|s|m\\d*s?)$");

        final Run fdb = ctl("fdb", "node-1");
        assertThat(fdb.exit()).isZero();
        assertThat(cells(fdb.lines().get(0))).containsExactly("MAC", "PORT", "TYPE", "AGE");
        assertThat(fdb.out()).contains("permanent").contains("learned");
        assertAligned(fdb.lines());

        final Run routes = ctl("--server", cluster.api(2), "routes", "node-1");
        assertThat(routes.exit()).isZero();
        assertThat(cells(routes.lines().get(0))).containsExactly("CIDR", "NODE", "ENDPOINT", "TUNNEL", "OUT", "IN");
        assertThat(routes.lines()).hasSize(3);
        final List<String> toNode2 = routes.lines().stream().map(PodnetCtlTest::cells)
            .filter(row -> row.get(1).equals("node-2")).findFirst().orElseThrow();
        assertThat(toNode2.subList(0, 3)).containsExactly(cidr(2), "node-2", "127.0.0.1:" + cluster.agent(2).settings().tunnelPort());
        assertThat(Route.isHealthy(toNode2.get(3))).as("tunnel " + toNode2.get(3)).isTrue();
        assertAligned(routes.lines());

        assertThat(ctl("arp", "nosuch").exit()).isEqualTo(3);
        assertThat(ctl("fdb", "node-9").exit()).isEqualTo(3);
        assertThat(ctl("routes").exit()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ capture

    @Test
    void shouldWriteAPcapOfThePodsFramesWhileItPings(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("a1.pcap");
        final CompletableFuture<Run> capture = CompletableFuture.supplyAsync(
            () -> ctl("capture", "a1", "-w", file.toString(), "--seconds", "2"));
        // ping until the capture is over: whenever the capture started, some pings fall inside it
        int pings = 0;
        while (!capture.isDone())
        {
            assertThat(ctl("ping", "a1", "b1", "-c", "1").exit()).isZero();
            pings++;
        }

        final Run run = capture.get(30, TimeUnit.SECONDS);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).as("the pcap went to the file, the summary to stderr").isEmpty();
        final byte[] pcap = Files.readAllBytes(file);
        assertThat(Arrays.copyOf(pcap, 4)).as("pcap magic, little-endian")
            .containsExactly((byte)0xd4, (byte)0xc3, (byte)0xb2, (byte)0xa1);
        final Matcher summary = Pattern.compile("wrote (\\d+) packets \\((\\d+) bytes\\) to " + Pattern.quote(file.toString()) + "\n")
            .matcher(run.err());
        assertThat(summary.matches()).as(run.err()).isTrue();
        assertThat(Long.parseLong(summary.group(1))).as("after %d pings", pings).isPositive();
        assertThat(Long.parseLong(summary.group(2))).isEqualTo(pcap.length);
        assertThat(pcap.length).as("a file header and at least one record").isGreaterThan(24 + 16);
    }

    @Test
    void shouldRefuseACaptureOfAnUnknownTargetWithoutLeavingAFile(@TempDir final Path dir)
    {
        final Path file = dir.resolve("none.pcap");

        final Run unknown = ctl("capture", "nosuch", "-w", file.toString(), "--seconds", "1");
        final Run noFile = ctl("capture", "a1");
        final Run tooLong = ctl("capture", "a1", "-w", file.toString(), "--seconds", "301");

        assertThat(unknown.exit()).isEqualTo(3);
        assertThat(unknown.err()).startsWith("error: ").contains("nosuch");
        assertThat(file).doesNotExist();
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).contains("'--write=FILE'");
        assertThat(tooLong.exit()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ server, help

    @Test
    void shouldExitWith4AndAHintWhenNothingListensAtTheServer()
    {
        final int closed = LoopbackPorts.freeTcpPort();

        final Run run = ctl("--server", "127.0.0.1:" + closed, "get", "nodes");

        assertThat(run.exit()).isEqualTo(4);
        assertThat(run.err().lines().toList()).containsExactly(
            "error: cannot reach podnet API at http://127.0.0.1:" + closed + ": connection refused",
            "hint: start a cluster with './podnet demo' (or './podnet agent ...'), or point --server / PODNETCTL_SERVER " +
                "at a running agent's API");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void shouldTakeTheServerFromTheEnvironmentOrAfterTheVerb()
    {
        final Run fromEnv = run(Map.of("PODNETCTL_SERVER", cluster.api(2).replace("http://", "")), "get", "nodes");
        final Run afterVerb = run(Map.of(), "get", "nodes", "--server", cluster.api(3));
        final Run flagWins = run(Map.of("PODNETCTL_SERVER", "127.0.0.1:1"), "--server", cluster.api(1), "get", "nodes");
        final Run badEnv = run(Map.of("PODNETCTL_SERVER", "ftp://x"), "get", "nodes");

        assertThat(fromEnv.exit()).as(fromEnv.err()).isZero();
        assertThat(fromEnv.lines()).hasSize(4);
        assertThat(afterVerb.exit()).as(afterVerb.err()).isZero();
        assertThat(flagWins.exit()).as(flagWins.err()).isZero();
        assertThat(badEnv.exit()).isEqualTo(2);
        assertThat(badEnv.err()).startsWith("error: PODNETCTL_SERVER: expected host:port or http://host:port, got 'ftp://x'");
    }

    @Test
    void shouldDocumentExitCodesAndExamplesInTheHelp()
    {
        final Run top = run(Map.of(), "--help");
        final Run ping = run(Map.of(), "ping", "-h");
        final Run version = run(Map.of(), "--version");
        final Run nothing = run(Map.of());

        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("Exit codes:").containsPattern("(?m)^  4 +the API cannot be reached")
            .contains("Examples:").contains("PODNETCTL_SERVER");
        assertThat(ping.exit()).isZero();
        assertThat(ping.out()).contains("Usage: podnetctl ping").contains("-M=do|dont").contains("Examples:");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("podnetctl ");
        assertThat(nothing.exit()).isEqualTo(2);
        for (final String verb : List.of("get nodes", "get pods", "describe node", "describe pod", "create pod", "delete pod",
            "traceroute", "udp", "check", "arp", "fdb", "routes", "capture"))
        {
            final List<String> args = new ArrayList<>(List.of(verb.split(" ")));
            args.add("--help");
            final Run help = run(Map.of(), args.toArray(String[]::new));
            assertThat(help.exit()).as(verb).isZero();
            assertThat(help.out()).as(verb).contains("Usage: podnetctl " + verb).contains("Examples:");
        }
    }

    // ------------------------------------------------------------------ helpers

    private record Run(int exit, String out, String err)
    {
        List<String> lines()
        {
            return out.lines().toList();
        }
    }

    /** podnetctl against node-1's API, as {@code podnetctl --server … args}. */
    private Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>();
        if (!Arrays.asList(args).contains("--server"))
        {
            all.add("--server");
            all.add(server);
        }
        all.addAll(List.of(args));
        return run(Map.of(), all.toArray(String[]::new));
    }

    private static Run run(final Map<String, String> env, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cmd = PodnetCtl.commandLine(env);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        final int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static List<String> cells(final String line)
    {
        return List.of(COLUMNS.split(line.strip()));
    }

    /** Every column starts at the same offset on every line, as the header's. */
    private static void assertAligned(final List<String> lines)
    {
        final Matcher header = Pattern.compile("(?<=  )\\S").matcher(lines.get(0));
        while (header.find())
        {
            final int start = header.start();
            for (final String line : lines)
            {
                assertThat(line.charAt(start - 1)).as("column at %d in '%s'", start, line).isEqualTo(' ');
                assertThat(line.charAt(start)).as("column at %d in '%s'", start, line).isNotEqualTo(' ');
            }
        }
        assertThat(lines).allMatch(line -> !line.endsWith(" "), "no trailing spaces");
    }

    private String ip(final String pod)
    {
        return Http.get(server + "/api/v1/pods/" + pod).json().get("ip").asText();
    }

    private String cidr(final int node)
    {
        return cidr("node-" + node);
    }

    private String cidr(final String node)
    {
        return Http.get(server + "/api/v1/nodes/" + node).json().get("cidr").asText();
    }

    private String gateway(final int node)
    {
        return Http.get(server + "/api/v1/nodes/node-" + node).json().get("gateway").asText();
    }
}
