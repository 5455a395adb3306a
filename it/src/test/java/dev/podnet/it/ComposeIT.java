package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.chaos.DockerCli;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.it.containers.AgentApi;
import dev.podnet.it.containers.Docker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped {@code compose/docker-compose.yml} itself, run the way the README says: {@code up} builds
 * the image from this checkout and starts three nodes, {@code podnetctl check} passes inside node-1,
 * node-1's published API answers on the host's loopback (and only there), node-2's link to node-3 is impaired from
 * the start ({@code PODNET_NETEM_NODE_2}), {@code podnetctl chaos kill-one} and {@code chaos one-way-partition} pass
 * against it, {@code stop} then {@code start} gives every node its CIDR back (its lease table is on a volume of its own), and
 * {@code down} leaves no container or network behind.
 * Uses {@code docker compose} (v2) when the machine has it, else {@code docker-compose} (v1).
 */
class ComposeIT
{
    private static final String FILE = "compose/docker-compose.yml";
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    @Test
    void shouldComeUpPassTheCheckAndComeDownLeavingNothing()
    {
        Docker.require();
        final String id = UUID.randomUUID().toString().substring(0, 8);
        final String project = "podnet-it-" + id;
        final String image = "podnet-compose-it:" + id;
        final int apiPort = LoopbackPorts.freeTcpPort();
        final Map<String, String> env = Map.of(
            "PODNET_IMAGE", image, "PODNET_BASE_IMAGE", Docker.baseImage(), "PODNET_API_PORT", Integer.toString(apiPort),
            "PODNET_CLUSTER_SECRET", "compose-it-secret-" + id + "-0123", "PODNET_NETEM_NODE_2", "node-3:delay=5ms");
        try
        {
            final DockerCli.Result up = compose(env, project, 600, "up", "-d", "--build");
            assertThat(up.exitCode()).as(up.output()).isZero();

            AgentApi.await(() -> containers(project).size() == 3 && containers(project).stream().allMatch(ComposeIT::healthy),
                CONVERGE, "3 containers of " + project + " healthy (GET /readyz answers 200)");

            final AgentApi api = new AgentApi("http://localhost:" + apiPort);
            AgentApi.await(() ->
            {
                final JsonNode nodes = api.get("/api/v1/nodes").json();
                return nodes.size() == 3 && nodes.findValuesAsText("status").stream().allMatch("Ready"::equals) &&
                    api.get("/api/v1/pods").json().size() == 6;
            }, CONVERGE, "node-1's published API lists 3 Ready nodes and 6 pods");

            final String node1 = Docker.run(List.of("docker", "ps", "-q", "--filter", "label=com.docker.compose.project=" + project,
                "--filter", "label=com.docker.compose.service=node-1"), 30).output().trim();
            final String published = Docker.run(List.of("docker", "port", node1, "8080/tcp"), 30).output().trim();
            assertThat(published.lines().toList()).as("node-1's API is published on the host's loopback only")
                .containsExactly("127.0.0.1:" + apiPort);

            // node-2 was started with PODNET_NETEM_NODE_2: its link to node-3 is impaired from the start
            final JsonNode links = api.get("/api/v1/links").json().get("links");
            assertThat(links).as("impaired links").hasSize(1);
            assertThat(links.get(0).get("from").asText() + " -> " + links.get(0).get("to").asText() + ": " +
                links.get(0).get("impairment").asText()).isEqualTo("node-2 -> node-3: delay 5ms");

            final DockerCli.Result check = Docker.run(List.of("docker", "exec", node1, "podnetctl", "check"), 120);
            assertThat(check.exitCode()).as(check.output()).isZero();
            assertThat(check.output()).contains("30/30 pairs ok");

            // a chaos scenario against it, as a user runs it: podnetctl chaos on the host
            final java.io.StringWriter chaos = new java.io.StringWriter();
            final int chaosExit = dev.podnet.cli.PodnetCtl.commandLine(Map.of())
                .setOut(new java.io.PrintWriter(chaos)).setErr(new java.io.PrintWriter(chaos))
                .execute("chaos", "kill-one", "--project", project);
            System.out.println(chaos);
            assertThat(chaosExit).as(chaos.toString()).isZero();
            assertThat(chaos.toString()).contains("SIGKILL node-3").contains("routes withdrawn").contains("all invariants held");

            // a link scenario: impairments through the agents' APIs instead of docker faults
            final java.io.StringWriter link = new java.io.StringWriter();
            final int linkExit = dev.podnet.cli.PodnetCtl.commandLine(Map.of())
                .setOut(new java.io.PrintWriter(link)).setErr(new java.io.PrintWriter(link))
                .execute("chaos", "one-way-partition", "--project", project);
            System.out.println(link);
            assertThat(linkExit).as(link.toString()).isZero();
            assertThat(link.toString()).contains("one-way partition: nothing from node-1 to node-2").contains("all invariants held");

            // every node keeps its lease table on a volume of its own: stopped entirely and started again, same CIDRs
            final Map<String, String> leases = cidrs(api);
            final DockerCli.Result stop = compose(env, project, 180, "stop");
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            final DockerCli.Result start = compose(env, project, 180, "start");
            assertThat(start.exitCode()).as(start.output()).isZero();
            AgentApi.await(() -> containers(project).size() == 3 && containers(project).stream().allMatch(ComposeIT::healthy),
                CONVERGE, "the 3 containers of " + project + " healthy again");
            AgentApi.await(() -> cidrs(api).size() == 3, CONVERGE, "node-1's API lists 3 Ready nodes again");
            assertThat(cidrs(api)).as("every node's CIDR after a restart of the whole cluster").isEqualTo(leases);

            final DockerCli.Result down = compose(env, project, 180, "down");
            assertThat(down.exitCode()).as(down.output()).isZero();
            assertThat(containers(project)).as("containers left by down").isEmpty();
            assertThat(Docker.run(List.of("docker", "network", "ls", "-q", "--filter",
                "label=com.docker.compose.project=" + project), 30).output().trim()).as("networks left by down").isEmpty();
        }
        finally
        {
            // the agents' logs, for when something above failed: it/target/container-logs/
            final DockerCli.Result logs = compose(env, project, 60, "logs", "--no-color", "--tail", "200");
            try
            {
                final java.nio.file.Path dir = java.nio.file.Path.of("target", "container-logs");
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.writeString(dir.resolve(project + ".log"), logs.output());
            }
            catch (final java.io.IOException ex)
            {
                System.out.println("cannot keep the compose logs: " + ex);
            }
            compose(env, project, 180, "down", "--volumes", "--remove-orphans");
            Docker.run(List.of("docker", "rmi", "-f", image), 60);
        }
    }

    /** Each Ready node's CIDR, by name, as node-1's API lists them. */
    private static Map<String, String> cidrs(final AgentApi api)
    {
        final Map<String, String> cidrs = new java.util.TreeMap<>();
        for (final JsonNode node : api.get("/api/v1/nodes").json())
        {
            if ("Ready".equals(node.get("status").asText()))
            {
                cidrs.put(node.get("name").asText(), node.get("cidr").asText());
            }
        }
        return cidrs;
    }

    private static DockerCli.Result compose(final Map<String, String> env, final String project, final int seconds, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("env"));
        env.forEach((name, value) -> command.add(name + "=" + value));
        command.addAll(Docker.compose());
        command.addAll(List.of("-p", project, "-f", Docker.repositoryRoot().resolve(FILE).toString()));
        command.addAll(List.of(args));
        return Docker.run(command, seconds);
    }

    private static List<String> containers(final String project)
    {
        final String ids = Docker.run(List.of("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project), 30)
            .output().trim();
        return ids.isEmpty() ? List.of() : List.of(ids.split("\\s+"));
    }

    private static boolean healthy(final String container)
    {
        return Docker.run(List.of("docker", "inspect", "-f", "{{.State.Health.Status}}", container), 30).output().trim()
            .equals("healthy");
    }
}
