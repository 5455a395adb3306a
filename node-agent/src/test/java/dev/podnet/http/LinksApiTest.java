package dev.podnet.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.cli.PodnetCtl;
import dev.podnet.testing.Http;
import dev.podnet.testing.Http.Reply;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/v1/links} against three real agents in one JVM: any agent sets, shows and clears the impairment
 * of any link (carried out by the sending node's agent), a set changes only what it names, bad input is a 400
 * that names the field, and the impairment acts on the data path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinksApiTest
{
    private LocalCluster cluster;

    @BeforeAll
    void startCluster()
    {
        cluster = LocalCluster.start(3, 1);
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @AfterEach
    void clearLinks()
    {
        for (int from = 1; from <= 3; from++)
        {
            for (int to = 1; to <= 3; to++)
            {
                if (from != to)
                {
                    Http.send("DELETE", cluster.api(1) + "/api/v1/links/node-" + from + "/node-" + to, "");
                }
            }
        }
    }

    @Test
    void shouldSetALinkFromAnyAgentAndChangeOnlyWhatASetNames()
    {
        final Reply first = Http.send("PUT", cluster.api(1) + "/api/v1/links/node-2/node-3",
            "{\"delay\": \"50ms\", \"jitter\": \"5ms\", \"loss\": \"10%\", \"seed\": 7}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("impairment").asText()).isEqualTo("delay 50ms 5ms loss 10%");

        final Reply second = Http.send("PUT", cluster.api(3) + "/api/v1/links/node-2/node-3", "{\"rate\": \"10mbit\", \"limit\": 500}");

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        final JsonNode link = Http.get(cluster.api(1) + "/api/v1/links/node-2/node-3").json();
        assertThat(link.get("from").asText()).isEqualTo("node-2");
        assertThat(link.get("to").asText()).isEqualTo("node-3");
        assertThat(link.get("tunnel").asText()).matches("10\\.244\\.\\d+\\.0");
        assertThat(link.get("impairment").asText()).isEqualTo("delay 50ms 5ms loss 10% rate 10mbit");
        final JsonNode settings = link.get("settings");
        assertThat(settings.get("delay").asText()).isEqualTo("50ms");
        assertThat(settings.get("distribution").asText()).isEqualTo("uniform");
        assertThat(settings.get("limit").asInt()).isEqualTo(500);
        assertThat(settings.get("seed").asLong()).isEqualTo(7);
        assertThat(link.get("stats").get("offered").asLong()).isNotNegative();
    }

    @Test
    void shouldListEveryImpairedLinkOfTheClusterFromAnyAgent()
    {
        Http.send("PUT", cluster.api(1) + "/api/v1/links/node-1/node-2", "{\"delay\": 20}");
        Http.send("PUT", cluster.api(1) + "/api/v1/links/node-3/node-1", "{\"partition\": true}");

        final JsonNode all = Http.get(cluster.api(2) + "/api/v1/links").json();

        assertThat(all.get("unanswered")).isEmpty();
        assertThat(all.get("links")).hasSize(2);
        assertThat(all.get("links").get(0).get("from").asText() + ">" + all.get("links").get(0).get("to").asText())
            .isEqualTo("node-1>node-2");
        assertThat(all.get("links").get(0).get("impairment").asText()).isEqualTo("delay 20ms");
        assertThat(all.get("links").get(1).get("impairment").asText()).isEqualTo("partition");
        assertThat(Http.get(cluster.api(2) + "/api/v1/nodes/node-3/links").json()).hasSize(1);
    }

    @Test
    void shouldPartitionOneDirectionThroughTheApi()
    {
        final String b1 = LocalCluster.podName(2, 1);
        final String a1 = LocalCluster.podName(1, 1);
        Http.send("PUT", cluster.api(3) + "/api/v1/links/node-1/node-2", "{\"partition\": true}");

        final JsonNode ping = Http.post(cluster.api(1) + "/api/v1/pods/" + a1 + "/ping",
            "{\"target\": \"" + b1 + "\", \"count\": 2, \"intervalMs\": 10, \"timeoutMs\": 300}").json();
        assertThat(ping.get("received").asInt()).isZero();
        assertThat(Http.get(cluster.api(1) + "/api/v1/nodes/node-1/drops").json().get("netem-partition").asLong()).isPositive();

        assertThat(Http.send("DELETE", cluster.api(2) + "/api/v1/links/node-1/node-2", "").status()).isEqualTo(204);
        final JsonNode healed = Http.post(cluster.api(1) + "/api/v1/pods/" + a1 + "/ping",
            "{\"target\": \"" + b1 + "\", \"count\": 2, \"intervalMs\": 10, \"timeoutMs\": 1000}").json();
        assertThat(healed.get("received").asInt()).isEqualTo(2);
    }

    @Test
    void shouldRefuseBadInputNamingTheField()
    {
        final String link = cluster.api(1) + "/api/v1/links/node-1/node-2";
        assertError(Http.send("PUT", link, "{\"delay\": \"soon\"}"), 400, "field 'delay': 'soon' is not a duration");
        assertError(Http.send("PUT", link, "{\"latency\": \"5ms\"}"), 400, "unknown field 'latency'");
        assertError(Http.send("PUT", link, "{\"loss\": [1]}"), 400, "field 'loss' is an array");
        assertError(Http.send("PUT", link, "{\"reorder\": \"5%\"}"), 400, "reordering needs a delay");
        assertError(Http.send("PUT", link, "{\"limit\": 0}"), 400, "field 'limit': 0 is outside 1..65536");
        assertError(Http.send("PUT", link, ""), 400, "empty request body");
        assertError(Http.send("PUT", cluster.api(1) + "/api/v1/links/node-1/node-1", "{\"delay\": 5}"), 400, "no link to itself");
        assertError(Http.send("PUT", cluster.api(1) + "/api/v1/links/node-1/node-9", "{\"delay\": 5}"), 404, "no node 'node-9'");
        assertError(Http.send("PUT", cluster.api(1) + "/api/v1/links/node-9/node-1", "{\"delay\": 5}"), 404, "no node 'node-9'");
        assertError(Http.get(link), 404, "nothing is set on the link from node-1 to node-2");
        assertError(Http.send("DELETE", cluster.api(3) + "/api/v1/links/node-1/node-2", ""), 404, "nothing is set");
    }

    @Test
    void shouldSetShowAndClearLinksWithPodnetctl()
    {
        final Run set = ctl("netem", "set", "node-1", "node-2", "--delay", "30ms", "--jitter", "2ms", "--loss", "1%", "--both-ways");
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).isEqualTo("node-1 -> node-2: delay 30ms 2ms loss 1%\nnode-2 -> node-1: delay 30ms 2ms loss 1%\n");

        final Run more = ctl("netem", "set", "node-1", "node-2", "--rate", "10mbit", "--no-partition");
        assertThat(more.out()).isEqualTo("node-1 -> node-2: delay 30ms 2ms loss 1% rate 10mbit\n");

        final Run show = ctl("netem", "show");
        assertThat(show.exit()).isZero();
        final List<String> lines = show.out().lines().toList();
        assertThat(lines.get(0).split(" {2,}")).startsWith("FROM", "TO", "IMPAIRMENT", "SENT", "LOST", "DROPPED");
        assertThat(lines.get(1).split(" {2,}")).startsWith("node-1", "node-2", "delay 30ms 2ms loss 1% rate 10mbit");
        assertThat(lines.get(2).split(" {2,}")).startsWith("node-2", "node-1", "delay 30ms 2ms loss 1%");
        assertThat(ctl("netem", "show", "node-2", "node-1", "-o", "json").out()).contains("\"impairment\": \"delay 30ms 2ms loss 1%\"");

        final Run clear = ctl("netem", "clear", "node-2", "node-1", "--both-ways");
        assertThat(clear.exit()).isZero();
        assertThat(clear.out()).isEqualTo("node-2 -> node-1: cleared\nnode-1 -> node-2: cleared\n");
        assertThat(ctl("netem", "clear", "node-2", "node-1").out()).isEqualTo("node-2 -> node-1: nothing was set\n");
        assertThat(ctl("netem", "show").err()).contains("No resources found.");
    }

    @Test
    void shouldRefuseABadNetemSetBeforeSendingIt()
    {
        final Run bad = ctl("netem", "set", "node-1", "node-2", "--delay-correlation", "lots");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: --delay-correlation: 'lots' is not a percentage");
        final Run nothing = ctl("netem", "set", "node-1", "node-2");
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).startsWith("error: nothing to set");
        final Run unknownNode = ctl("netem", "set", "node-1", "node-7", "--delay", "5ms");
        assertThat(unknownNode.exit()).isEqualTo(3);
        assertThat(unknownNode.err()).contains("no node 'node-7'");
    }

    private record Run(int exit, String out, String err)
    {
    }

    private Run ctl(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cmd = PodnetCtl.commandLine(Map.of());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        final List<String> all = new java.util.ArrayList<>(List.of("--server", cluster.api(1)));
        all.addAll(List.of(args));
        final int exit = cmd.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static void assertError(final Reply reply, final int status, final String detail)
    {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().get("detail").asText()).contains(detail);
    }
}
