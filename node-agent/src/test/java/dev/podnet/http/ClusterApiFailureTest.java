package dev.podnet.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;
import dev.podnet.testing.Http.Reply;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the cluster API says when a node dies: the node is marked, requests for its pods answer at once
 * with the reason, traffic to its pods gets ICMP net unreachable, and the check names the failed pairs.
 */
class ClusterApiFailureTest
{
    private LocalCluster cluster;

    @AfterEach
    void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldMarkACrashedNodeAndAnswerForItsPodsWithTheReason()
    {
        cluster = LocalCluster.start(3, 1);
        LocalCluster.await(() -> Http.get(cluster.api(1) + "/api/v1/pods").json().size() == 3, LocalCluster.CONVERGE,
            "node-1 knows the 3 pods");

        cluster.agent(3).clusterNode().crash();

        final Set<String> seen = new HashSet<>();
        LocalCluster.await(() ->
        {
            final JsonNode node3 = Http.get(cluster.api(1) + "/api/v1/nodes/node-3").json();
            seen.add(node3.get("status").asText());
            return node3.get("status").asText().equals("NotReady") &&
                node3.get("reason").asText().contains("not a cluster member");
        }, LocalCluster.CONVERGE, "node-1 says node-3 is gone");
        assertThat(seen).as("Ready until the failure detector notices, Unreachable, then removed").contains("Unreachable");
        final JsonNode node3 = Http.get(cluster.api(1) + "/api/v1/nodes/node-3").json();
        assertThat(node3.get("cidr").isNull()).as("its lease is kept for its return").isFalse();
        assertThat(node3.get("pods").asInt()).as("its pod is still in the table").isEqualTo(1);

        final Reply refused = Http.post(cluster.api(1) + "/api/v1/pods", "{\"name\":\"late\",\"node\":\"node-3\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.json().get("error").asText()).isEqualTo("unavailable");
        assertThat(refused.json().get("detail").asText()).startsWith("node node-3 cannot host pods: it is NotReady (not a cluster member");

        final Reply forwarded = Http.post(cluster.api(1) + "/api/v1/pods/c1/ping", "{\"target\":\"a1\"}");
        assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(502);
        assertThat(forwarded.json().get("error").asText()).isEqualTo("node-unreachable");
        assertThat(forwarded.json().get("detail").asText()).startsWith("node node-3 (API 127.0.0.1:");

        final JsonNode ping = Http.post(cluster.api(2) + "/api/v1/pods/a1/ping", "{\"target\":\"c1\",\"count\":1}").json();
        assertThat(ping.get("received").asInt()).isZero();
        assertThat(ping.get("errors").get(0).get("type").asText()).as("the route is withdrawn").isEqualTo("net-unreachable");

        final JsonNode check = Http.post(cluster.api(2) + "/api/v1/check", null).json();
        assertThat(check.get("pairs").asInt()).isEqualTo(6);
        assertThat(check.get("ok").asInt()).as("a1 <-> b1").isEqualTo(2);
        assertThat(check.get("failed")).hasSize(4).allSatisfy(failure ->
            assertThat(failure.get("from").asText() + failure.get("to").asText()).contains("c1"));
        assertThat(check.get("failed").toString())
            .contains("ping: net-unreachable from ")
            .contains("node node-3 (API 127.0.0.1:");
    }
}
