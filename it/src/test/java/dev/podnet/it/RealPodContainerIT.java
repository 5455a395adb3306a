package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.it.containers.AgentApi;
import dev.podnet.it.containers.ContainerCluster;
import dev.podnet.it.containers.Docker;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real pods inside node containers: node-1 and node-2 are granted what real pods need (as
 * {@code compose/docker-compose.real-pods.yml} does), node-3 is the image's unprivileged default. A
 * namespace in node-1's container and one in node-2's reach each other with the kernel's ping and TCP
 * (curl to {@code python3 -m http.server}) through both agents and their tunnel; node-3 refuses real
 * pods with 503 and the reason, and its emulated pods keep working; {@code podnet-cni} is on the PATH.
 */
class RealPodContainerIT
{
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @Test
    void shouldConnectRealPodsInTwoNodeContainersAndRefuseThemWhereTheContainerIsUnprivileged() throws Exception
    {
        Docker.require();
        try (ContainerCluster cluster = ContainerCluster.start(3, 1, 2))
        {
            final AgentApi api = new AgentApi(cluster.api(1));
            AgentApi.await(() -> api.get("/api/v1/pods").json().size() == 3, CONVERGE, "node-1 sees the 3 emulated pods");
            // a node's pods can be known before it is Up in every view: node-1 forwards pod creation only to a Ready node
            for (final String node : new String[] {"node-1", "node-2", "node-3"})
            {
                AgentApi.await(() -> api.get("/api/v1/nodes/" + node).json().path("status").asText().equals("Ready"), CONVERGE,
                    "node-1 sees " + node + " Ready");
            }

            // what each node can do, and why not
            assertThat(new AgentApi(cluster.api(1)).get("/api/v1/node").json().get("realPods").get("available").asBoolean()).isTrue();
            final JsonNode unprivileged = new AgentApi(cluster.api(3)).get("/api/v1/node").json().get("realPods");
            assertThat(unprivileged.get("available").asBoolean()).isFalse();
            assertThat(unprivileged.get("reason").asText()).contains("/dev/net/tun");
            final AgentApi.Reply refused = api.post("/api/v1/pods", "{\"name\":\"pn-tap-c3\",\"node\":\"node-3\",\"netns\":true}");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("detail").asText()).contains("cannot attach real pods").contains("/dev/net/tun");

            final String ipA = api.expect(201, "POST", "/api/v1/pods", "{\"name\":\"pn-tap-ca\",\"node\":\"node-1\",\"netns\":true}")
                .get("ip").asText();
            final String ipB = api.expect(201, "POST", "/api/v1/pods", "{\"name\":\"pn-tap-cb\",\"node\":\"node-2\",\"netns\":true}")
                .get("ip").asText();
            final GenericContainer<?> node1 = cluster.container(1);
            final GenericContainer<?> node2 = cluster.container(2);

            AgentApi.await(() -> exec(node1, "ip", "netns", "exec", "pn-tap-ca", "ping", "-c", "1", "-W", "1", ipB).getExitCode() == 0,
                CONVERGE, "the real pod in node-1's container reaches the one in node-2's");
            final ExecResult ping = exec(node1, "ip", "netns", "exec", "pn-tap-ca", "ping", "-c", "3", "-W", "2", ipB);
            assertThat(ping.getStdout()).as(ping.getStderr()).contains("ttl=62").contains("3 received");

            // TCP, kernel to kernel: curl to python3's http.server, whose log shows the client's own pod IP
            exec(node2, "sh", "-c", "mkdir -p /tmp/www && echo hello from pn-tap-cb > /tmp/www/hello.txt && " +
                "(ip netns exec pn-tap-cb python3 -m http.server 8000 --bind " + ipB + " --directory /tmp/www " +
                "> /tmp/www.log 2>&1 &)");
            AgentApi.await(() -> exec(node2, "ip", "netns", "exec", "pn-tap-cb", "ss", "-tln").getStdout().contains(ipB + ":8000"),
                CONVERGE, "the server listens");
            final ExecResult curl = exec(node1, "ip", "netns", "exec", "pn-tap-ca", "curl", "-sS", "-m", "10",
                "http://" + ipB + ":8000/hello.txt");
            assertThat(curl.getStdout()).as(curl.getStderr()).isEqualTo("hello from pn-tap-cb\n");
            AgentApi.await(() -> exec(node2, "cat", "/tmp/www.log").getStdout().contains("GET /hello.txt"), CONVERGE, "logged");
            assertThat(exec(node2, "cat", "/tmp/www.log").getStdout()).as("no NAT").contains(ipA + " - - ");

            // real and emulated pods: the emulated pod of node-3 (unprivileged) pings the real pod of node-1
            final JsonNode fromEmulated = api.expect(200, "POST", "/api/v1/pods/node-3-1/ping", "{\"target\":\"pn-tap-ca\",\"count\":2}");
            assertThat(fromEmulated.get("received").asInt()).as(fromEmulated.toString()).isEqualTo(2);
            final JsonNode check = api.expect(200, "POST", "/api/v1/check", null);
            assertThat(check.get("failed")).as(check.get("failed").toString()).isEmpty();
            assertThat(check.get("ok").asInt()).isEqualTo(5 * 4);

            // the CNI plugin is on the image's PATH
            final ExecResult version = exec(node1, "sh", "-c", "echo '{\"cniVersion\":\"1.1.0\"}' | CNI_COMMAND=VERSION podnet-cni");
            assertThat(version.getStdout()).as(version.getStderr()).contains("\"supportedVersions\"").contains("1.1.0");

            api.expect(204, "DELETE", "/api/v1/pods/pn-tap-cb", null);
            assertThat(exec(node2, "ip", "netns", "list").getStdout()).doesNotContain("pn-tap-cb");
        }
    }

    private static ExecResult exec(final GenericContainer<?> container, final String... command)
    {
        try
        {
            return container.execInContainer(command);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(String.join(" ", command) + ": " + ex, ex);
        }
    }
}
