package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.it.containers.AgentApi;
import dev.podnet.it.containers.ContainerCluster;
import dev.podnet.it.containers.Docker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pod network across real containers: N node agents, one per container, each with its own network
 * namespace, talking Akka and Aeron over the Docker network. Built from this checkout
 * ({@code compose/Dockerfile}), never pulled.
 */
class ConnectivityIT
{
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @ParameterizedTest(name = "{0} node containers")
    @ValueSource(ints = {3, 5})
    void shouldConnectEveryPodToEveryPodAcrossNodeContainers(final int nodes)
    {
        Docker.require();
        try (ContainerCluster cluster = ContainerCluster.start(nodes, 2))
        {
            final AgentApi first = new AgentApi(cluster.api(1));
            final AgentApi last = new AgentApi(cluster.api(nodes));
            AgentApi.await(() -> first.get("/api/v1/nodes").json().size() == nodes &&
                    allReady(first.get("/api/v1/nodes").json()) && first.get("/api/v1/pods").json().size() == 2 * nodes &&
                    last.get("/api/v1/pods").json().size() == 2 * nodes,
                CONVERGE, "node-1 and node-" + nodes + " see " + nodes + " Ready nodes and all pods");

            // all nodes Ready with distinct CIDRs, seen from every node
            for (final int i : cluster.indexes())
            {
                final AgentApi api = new AgentApi(cluster.api(i));
                AgentApi.await(() -> allReady(api.get("/api/v1/nodes").json()), CONVERGE,
                    "node-" + i + " sees every node Ready");
                final JsonNode list = api.expect(200, "GET", "/api/v1/nodes", null);
                final Set<String> cidrs = new HashSet<>();
                list.forEach(node -> cidrs.add(node.get("cidr").asText()));
                assertThat(cidrs).as("node-%d sees %d distinct leases", i, nodes).hasSize(nodes);
            }

            // every pod pings (and netexecs) every pod
            final JsonNode check = first.expect(200, "POST", "/api/v1/check", null);
            final int pods = 2 * nodes;
            assertThat(check.get("failed")).as(check.get("failed").toString()).isEmpty();
            assertThat(check.get("ok").asInt()).isEqualTo(pods * (pods - 1));

            // clientip across nodes is the caller's own pod IP: no NAT
            final String callerIp = first.expect(200, "GET", "/api/v1/pods/node-1-1", null).get("ip").asText();
            final JsonNode clientIp = last.expect(200, "POST", "/api/v1/pods/node-1-1/udp",
                "{\"target\":\"node-" + nodes + "-1\",\"port\":8081,\"payload\":\"clientip\"}");
            assertThat(clientIp.get("reply").asText()).startsWith(callerIp + ":");

            // traceroute: the source node's gateway, the target node's tunnel address, the pod
            final String targetCidr = first.expect(200, "GET", "/api/v1/nodes/node-" + nodes, null).get("cidr").asText();
            final String sourceGateway = first.expect(200, "GET", "/api/v1/nodes/node-1", null).get("gateway").asText();
            final JsonNode trace = first.expect(200, "POST", "/api/v1/pods/node-1-1/traceroute",
                "{\"target\":\"node-" + nodes + "-2\"}");
            assertThat(trace.get("reached").asBoolean()).isTrue();
            assertThat(trace.get("hops")).hasSize(3);
            assertThat(trace.get("hops").get(0).get("address").asText()).isEqualTo(sourceGateway);
            assertThat(trace.get("hops").get(1).get("address").asText()).isEqualTo(targetCidr.replace("/24", ""));
            assertThat(trace.get("hops").get(2).get("address").asText()).isEqualTo(trace.get("targetIp").asText());

            // don't-fragment at the pod MTU (1413 on a 1500 underlay) minus 28 passes; one byte more is refused
            final JsonNode atMtu = first.expect(200, "POST", "/api/v1/pods/node-1-1/ping",
                "{\"target\":\"node-2-1\",\"count\":2,\"size\":1385,\"dontFragment\":true}");
            assertThat(atMtu.get("received").asInt()).as(atMtu.toString()).isEqualTo(2);
            final JsonNode overMtu = first.expect(200, "POST", "/api/v1/pods/node-1-1/ping",
                "{\"target\":\"node-2-1\",\"count\":1,\"size\":1386,\"dontFragment\":true}");
            assertThat(overMtu.get("received").asInt()).isZero();
            assertThat(overMtu.get("errors").get(0).get("type").asText()).isEqualTo("frag-needed");
            assertThat(overMtu.get("errors").get(0).get("mtu").asInt()).isEqualTo(1413);

            // a pod deleted and recreated gets a new IP and is reachable under its name
            final String oldIp = first.expect(200, "GET", "/api/v1/pods/node-2-1", null).get("ip").asText();
            first.expect(204, "DELETE", "/api/v1/pods/node-2-1", null);
            AgentApi.await(() -> first.get("/api/v1/pods/node-2-1").status() == 404, CONVERGE, "node-1 forgets node-2-1");
            final JsonNode recreated = first.expect(201, "POST", "/api/v1/pods", "{\"name\":\"node-2-1\",\"node\":\"node-2\"}");
            assertThat(recreated.get("ip").asText()).isNotEqualTo(oldIp);
            AgentApi.await(() -> last.post("/api/v1/pods/node-" + nodes + "-1/ping",
                    "{\"target\":\"node-2-1\",\"count\":1}").json().get("received").asInt() == 1,
                CONVERGE, "node-" + nodes + "-1 reaches the recreated node-2-1 by name");
            assertThat(last.expect(200, "POST", "/api/v1/pods/node-" + nodes + "-1/ping",
                "{\"target\":\"node-2-1\",\"count\":1}").get("targetIp").asText()).isEqualTo(recreated.get("ip").asText());

            // a Service across containers: two pods labelled, a manifest applied, reached by name from node-1's pod
            first.expect(200, "PUT", "/api/v1/pods/node-2-2/labels", "{\"labels\":{\"app\":\"web\"}}");
            first.expect(200, "PUT", "/api/v1/pods/node-" + nodes + "-2/labels", "{\"labels\":{\"app\":\"web\"}}");
            first.expect(200, "POST", "/api/v1/apply", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" +
                "spec: {selector: {app: web}, ports: [{protocol: UDP, port: 80, targetPort: 8081}]}\n");
            for (final int i : cluster.indexes())
            {
                final AgentApi api = new AgentApi(cluster.api(i));
                AgentApi.await(() -> api.get("/api/v1/namespaces/default/endpoints/web").json().path("addresses").size() == 2,
                    CONVERGE, "node-" + i + " lists both endpoints of web");
            }
            final Set<String> answered = new HashSet<>();
            for (int call = 0; call < 40 && answered.size() < 2; call++)
            {
                final JsonNode reply = first.expect(200, "POST", "/api/v1/pods/node-1-1/udp",
                    "{\"target\":\"web\",\"port\":80,\"payload\":\"hostname\"}");
                answered.add(reply.get("reply").asText());
            }
            assertThat(answered).containsExactlyInAnyOrder("node-2-2", "node-" + nodes + "-2");
            final JsonNode withServices = first.expect(200, "POST", "/api/v1/check", null);
            assertThat(withServices.get("failed")).as(withServices.get("failed").toString()).isEmpty();
            assertThat(withServices.get("services").toString()).contains("web.default:80");
            assertThat(withServices.get("ok").asInt()).isEqualTo(pods * (pods - 1) + pods);
        }
    }

    private static boolean allReady(final JsonNode nodes)
    {
        if (nodes == null || nodes.isEmpty())
        {
            return false;
        }
        for (final JsonNode node : nodes)
        {
            if (!"Ready".equals(node.get("status").asText()))
            {
                return false;
            }
        }
        return true;
    }
}
