package dev.podnet.it.containers;

import dev.podnet.chaos.ChaosCluster;
import dev.podnet.chaos.DockerCli;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/**
 * N podnet node agents, one per container, on a network of their own: node-1 is the seed, every node
 * reaches the others by container name (its advertised host), each API is published on a random host
 * port. Started in parallel; ready when every {@code /readyz} answers 200. Each agent's output goes to
 * {@code it/target/container-logs/NODE-<run>.log}.
 */
public final class ContainerCluster implements AutoCloseable
{
    private static final String SEEDS = "node-1:2552,node-2:2552,node-3:2552";
    /** The containers' cluster secret (a test's: every container of one test run shares it). */
    private static final String SECRET = "container-cluster-it-secret-0123";

    private final Network network = Network.newNetwork();
    private final List<GenericContainer<?>> nodes = new ArrayList<>();

    private ContainerCluster()
    {
    }

    /** Starts {@code count} nodes with {@code pods} pods each ({@code node-i-1..}) and waits until all are ready. */
    public static ContainerCluster start(final int count, final int pods)
    {
        return start(count, pods, 0);
    }

    /**
     * As {@link #start(int, int)}, nodes 1..{@code realPodNodes} granted what real pods need, as
     * {@code compose/docker-compose.real-pods.yml} does: {@code /dev/net/tun}, CAP_NET_ADMIN and CAP_SYS_ADMIN,
     * started as root (the launcher drops to the podnet user keeping those two as ambient capabilities).
     */
    public static ContainerCluster start(final int count, final int pods, final int realPodNodes)
    {
        final ContainerCluster cluster = new ContainerCluster();
        final String image = PodnetImage.name();
        try
        {
            for (int i = 1; i <= count; i++)
            {
                final GenericContainer<?> node = node(image, cluster.network, "node-" + i, pods);
                if (i <= realPodNodes)
                {
                    node.withCreateContainerCmdModifier(cmd -> cmd.withUser("root").getHostConfig()
                        .withCapAdd(com.github.dockerjava.api.model.Capability.NET_ADMIN,
                            com.github.dockerjava.api.model.Capability.SYS_ADMIN)
                        .withDevices(com.github.dockerjava.api.model.Device.parse("/dev/net/tun"))
                        .withSecurityOpts(List.of("apparmor:unconfined")));
                }
                cluster.nodes.add(node);
            }
            // all at once, each on a thread of its own: a node's start waits for its /readyz, and that needs
            // the seed running (a pool smaller than the cluster could be blocked by nodes waiting for node-1)
            final ExecutorService starter = Executors.newFixedThreadPool(count);
            try
            {
                CompletableFuture.allOf(cluster.nodes.stream()
                    .map(node -> CompletableFuture.runAsync(node::start, starter))
                    .toArray(CompletableFuture[]::new)).join();
            }
            finally
            {
                starter.shutdownNow();
            }
            cluster.awaitEveryNodeReadyEverywhere();
            return cluster;
        }
        catch (final RuntimeException ex)
        {
            cluster.close();
            throw ex;
        }
    }

    /**
     * A node's /readyz says it joined and holds its lease; another node may still see it Joining for a moment, and
     * forwards nothing (a pod to create there, say) to a node it does not see Ready.
     */
    private void awaitEveryNodeReadyEverywhere()
    {
        for (final int index : indexes())
        {
            final AgentApi api = new AgentApi(api(index));
            AgentApi.await(() ->
            {
                final AgentApi.Reply nodes = api.get("/api/v1/nodes");
                if (nodes.status() != 200 || nodes.json().size() != size())
                {
                    return false;
                }
                for (final var node : nodes.json())
                {
                    if (!node.path("status").asText().equals("Ready"))
                    {
                        return false;
                    }
                }
                return true;
            }, Duration.ofSeconds(120), "node-" + index + " sees every node Ready");
        }
    }

    @SuppressWarnings("resource")
    private static GenericContainer<?> node(final String image, final Network network, final String name, final int pods)
    {
        return new GenericContainer<>(image)
            .withNetwork(network)
            .withNetworkAliases(name)
            // an agent the cluster removes exits 3 and comes back, as with compose's restart policy
            .withCreateContainerCmdModifier(cmd -> cmd.withHostName(name).getHostConfig()
                .withRestartPolicy(com.github.dockerjava.api.model.RestartPolicy.unlessStoppedRestart()))
            .withSharedMemorySize(128L * 1024 * 1024)
            .withEnv("PODNET_NODE_NAME", name)
            // several seeds: a restarted node-1 joins the others instead of founding a cluster of its own
            .withEnv("PODNET_SEEDS", SEEDS)
            .withEnv("PODNET_ADVERTISED_HOST", name)
            .withEnv("PODNET_PODS", Integer.toString(pods))
            .withEnv("PODNET_CLUSTER_SECRET", SECRET)
            .withExposedPorts(8080)
            .withLogConsumer(new FileLogConsumer(name))
            .waitingFor(Wait.forHttp("/readyz").forPort(8080).forStatusCode(200)
                .withStartupTimeout(Duration.ofSeconds(120)));
    }

    public int size()
    {
        return nodes.size();
    }

    /** Node {@code i}'s container, from 1. */
    public GenericContainer<?> container(final int index)
    {
        return nodes.get(index - 1);
    }

    /** Node {@code i}'s API as the host reaches it, e.g. {@code http://localhost:32768}. */
    public String api(final int index)
    {
        final GenericContainer<?> node = container(index);
        return "http://" + node.getHost() + ":" + node.getMappedPort(8080);
    }

    /** The Docker network's id (the docker CLI takes it where it takes a name). */
    public String networkId()
    {
        return network.getId();
    }

    public List<Integer> indexes()
    {
        return IntStream.rangeClosed(1, nodes.size()).boxed().toList();
    }

    /**
     * Every container's whole output, all its lives ({@code docker logs}: the log consumer stops at a
     * container's first stop, and chaos runs stop and start them), into {@code dir/node-i.log}.
     */
    public void saveLogs(final Path dir) throws IOException
    {
        Files.createDirectories(dir);
        final DockerCli docker = new DockerCli();
        for (final int i : indexes())
        {
            Files.writeString(dir.resolve("node-" + i + ".log"), docker.logs(container(i).getContainerId(), 0), StandardCharsets.UTF_8);
        }
    }

    /** These containers as the chaos engine works on them: node-i by container id, on this network. */
    public ChaosCluster chaos()
    {
        final Map<String, String> byNode = new LinkedHashMap<>();
        for (final int i : indexes())
        {
            byNode.put("node-" + i, container(i).getContainerId());
        }
        return new ChaosCluster(new DockerCli(), networkId(), byNode);
    }

    @Override
    public void close()
    {
        nodes.forEach(GenericContainer::stop);
        network.close();
    }
}
