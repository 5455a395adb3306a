package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.chaos.DockerCli;
import dev.podnet.it.containers.AgentApi;
import dev.podnet.it.containers.Docker;
import dev.podnet.it.containers.PodnetImage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The shipped {@code compose/podnet-stack.yml}, deployed the way its header says on a single-node swarm this test makes
 * (and leaves): the cluster secret as a Docker secret, the image built from this checkout, the three seed services and
 * one replica of {@code node}. Four agents become Ready and {@code podnetctl check} passes inside node-1; every task
 * has the 128 MiB tmpfs on {@code /dev/shm} the file gives instead of the {@code shm_size} swarm ignores, and the
 * overlay network's MTU is the underlay MTU the agents are given; a seed's task killed comes back under its service
 * name with its CIDR. {@code docker stack rm} leaves no container behind.
 */
class SwarmStackIT
{
    private static final String FILE = "compose/podnet-stack.yml";
    private static final String SECRET = "podnet_cluster_secret";
    private static final Duration CONVERGE = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldDeployOnASingleNodeSwarmPassTheCheckAndComeDownLeavingNothing() throws Exception
    {
        Docker.require();
        final String state = Docker.run(List.of("docker", "info", "--format", "{{.Swarm.LocalNodeState}}"), 30).output().trim();
        if (!state.equals("inactive"))
        {
            fail("this Docker engine is already in a swarm (" + state + "): this test makes a single-node swarm of its own and " +
                "leaves it afterwards, so it does not run on an engine that is part of one");
        }
        final String stack = "pnit" + UUID.randomUUID().toString().substring(0, 6);
        final String image = PodnetImage.name();
        boolean joined = false;
        try
        {
            final DockerCli.Result init = Docker.run(List.of("docker", "swarm", "init", "--advertise-addr", "127.0.0.1"), 60);
            assertThat(init.exitCode()).as(init.output()).isZero();
            joined = true;
            final DockerCli.Result secret = Docker.run(List.of("sh", "-c",
                "printf %s \"$1\" | docker secret create " + SECRET + " -", "sh", "swarm-it-secret-" + stack + "-0123"), 30);
            assertThat(secret.exitCode()).as(secret.output()).isZero();

            final DockerCli.Result deploy = Docker.run(List.of("env", "PODNET_IMAGE=" + image, "PODNET_REPLICAS=1",
                "docker", "stack", "deploy", "--detach=true", "-c", Docker.repositoryRoot().resolve(FILE).toString(), stack), 120);
            assertThat(deploy.exitCode()).as(deploy.output()).isZero();
            assertThat(deploy.output()).as("the stack file uses only what swarm supports").doesNotContain("Ignoring unsupported");

            AgentApi.await(() -> readyNodes(stack).size() == 4 && pods(stack) == 8, CONVERGE,
                "4 Ready nodes and their 8 pods as node-1's API lists them");
            assertThat(readyNodes(stack)).containsOnlyKeys("node-1", "node-2", "node-3", "node-r1");

            final String node1 = container(stack, "node-1");
            final String overlay = exec(node1, "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d. -f1-3").output().trim();
            for (final JsonNode node : JSON.readTree(exec(node1, "curl", "-sf", "http://127.0.0.1:8080/api/v1/nodes").output()))
            {
                final String name = node.get("name").asText();
                final String address = node.get("address").asText();
                if (name.startsWith("node-r"))
                {
                    assertThat(address).as(name + ", a replica, advertises its address on the overlay")
                        .matches(java.util.regex.Pattern.quote(overlay) + "\\.\\d+:2552");
                }
                else
                {
                    assertThat(address).as(name + ", a seed, advertises its service name").isEqualTo(name + ":2552");
                }
            }
            final DockerCli.Result check = exec(node1, "podnetctl", "check");
            assertThat(check.exitCode()).as(check.output()).isZero();
            assertThat(check.output()).contains("56/56 pairs ok");

            for (final String service : List.of("node-1", "node-2", "node-3", "node"))
            {
                final String container = container(stack, service);
                assertThat(exec(container, "df", "-k", "--output=fstype,size", "/dev/shm").output())
                    .as(service + "'s /dev/shm").contains("tmpfs").contains(Long.toString(128 * 1024));
                assertThat(exec(container, "cat", "/sys/class/net/eth0/mtu").output().trim())
                    .as(service + ": the overlay's MTU, which the stack gives the agents as their underlay MTU").isEqualTo("1450");
            }

            // a seed killed: swarm starts another task, which joins under the service's name and gets its lease back
            final Map<String, String> before = readyNodes(stack);
            final String node3 = container(stack, "node-3");
            assertThat(Docker.run(List.of("docker", "kill", node3), 60).exitCode()).isZero();
            AgentApi.await(() ->
            {
                final String task = container(stack, "node-3");
                return !task.isEmpty() && !task.equals(node3) && exec(task, "curl", "-sf", "http://127.0.0.1:8080/readyz").exitCode() == 0 &&
                    readyNodes(stack).equals(before);
            }, CONVERGE, "node-3 Ready again in a new task, with its CIDR, every node Ready");
            // its address changed: the others' tunnels find it again by its name (resolved again every few seconds)
            final DockerCli.Result[] again = new DockerCli.Result[1];
            AgentApi.await(() ->
            {
                again[0] = exec(container(stack, "node-1"), "podnetctl", "check");
                return again[0].exitCode() == 0;
            }, CONVERGE, "podnetctl check passing again");
            assertThat(again[0].output()).contains("56/56 pairs ok");

            final DockerCli.Result rm = Docker.run(List.of("docker", "stack", "rm", stack), 120);
            assertThat(rm.exitCode()).as(rm.output()).isZero();
            AgentApi.await(() -> containers(stack).isEmpty(), Duration.ofSeconds(90), "no container of " + stack + " left");
        }
        finally
        {
            keepLogs(stack);
            Docker.run(List.of("docker", "stack", "rm", stack), 120);
            if (joined)
            {
                Docker.run(List.of("docker", "secret", "rm", SECRET), 30);
                // leaving removes the swarm's services, networks and secrets with it
                final DockerCli.Result leave = Docker.run(List.of("docker", "swarm", "leave", "--force"), 60);
                System.out.println("docker swarm leave --force: " + leave.output().trim());
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!containers(stack).isEmpty() && System.nanoTime() < deadline)
            {
                Thread.sleep(500); // polled, bounded: the volumes can go once the containers have
            }
            for (final String volume : List.of("node-1-state", "node-2-state", "node-3-state"))
            {
                Docker.run(List.of("docker", "volume", "rm", "-f", stack + "_" + volume), 30);
            }
        }
    }

    /** Each Ready node's CIDR by name, as node-1's API lists them (empty while node-1 is not up). */
    private static Map<String, String> readyNodes(final String stack)
    {
        final String node1 = container(stack, "node-1");
        final Map<String, String> ready = new java.util.TreeMap<>();
        if (node1.isEmpty())
        {
            return ready;
        }
        final DockerCli.Result nodes = exec(node1, "curl", "-sf", "http://127.0.0.1:8080/api/v1/nodes");
        if (nodes.exitCode() != 0)
        {
            return ready;
        }
        try
        {
            for (final JsonNode node : JSON.readTree(nodes.output()))
            {
                if ("Ready".equals(node.path("status").asText()))
                {
                    ready.put(node.get("name").asText(), node.path("cidr").asText());
                }
            }
        }
        catch (final java.io.IOException ex)
        {
            return ready;
        }
        return ready;
    }

    /** How many pods node-1's API lists (-1 while it does not answer). */
    private static int pods(final String stack)
    {
        final DockerCli.Result pods = exec(container(stack, "node-1"), "curl", "-sf", "http://127.0.0.1:8080/api/v1/pods");
        try
        {
            return pods.exitCode() == 0 ? JSON.readTree(pods.output()).size() : -1;
        }
        catch (final java.io.IOException ex)
        {
            return -1;
        }
    }

    private static DockerCli.Result exec(final String container, final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("docker", "exec", container));
        all.addAll(List.of(command));
        return Docker.run(all, 120);
    }

    /** The running container of {@code service} in {@code stack}, or "" when there is none. */
    private static String container(final String stack, final String service)
    {
        final String ids = Docker.run(List.of("docker", "ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + stack + "_" + service,
            "--filter", "status=running"), 30).output().trim();
        return ids.isEmpty() ? "" : ids.lines().findFirst().orElse("");
    }

    private static List<String> containers(final String stack)
    {
        final String ids = Docker.run(List.of("docker", "ps", "-aq", "--filter", "label=com.docker.stack.namespace=" + stack), 30)
            .output().trim();
        return ids.isEmpty() ? List.of() : List.of(ids.split("\\s+"));
    }

    /** The agents' logs, for when something above failed: it/target/container-logs/. */
    private static void keepLogs(final String stack)
    {
        final StringBuilder logs = new StringBuilder();
        for (final String service : List.of("node-1", "node-2", "node-3", "node"))
        {
            logs.append("==== ").append(service).append('\n')
                .append(Docker.run(List.of("docker", "service", "logs", "--no-task-ids", "--tail", "200", stack + "_" + service), 60).output());
        }
        try
        {
            final Path dir = Path.of("target", "container-logs");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(stack + ".log"), logs);
        }
        catch (final java.io.IOException ex)
        {
            System.out.println("cannot keep the swarm logs: " + ex);
        }
    }
}
