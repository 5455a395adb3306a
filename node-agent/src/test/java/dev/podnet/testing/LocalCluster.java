package dev.podnet.testing;

import dev.podnet.agent.AgentSettings;
import dev.podnet.agent.AgentSettings.Setting;
import dev.podnet.agent.ClusterAgent;
import dev.podnet.diag.LoopbackPorts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Real cluster-mode agents in one JVM, on loopback, with fast failure detection: what the cluster API,
 * the CLI and the web view are tested against. Node {@code i} is called {@code node-i} (from 1); the
 * first is the seed. Agents start in parallel; {@link #close()} stops every one still running.
 */
public final class LocalCluster implements AutoCloseable
{
    public static final Duration CONVERGE = Duration.ofSeconds(30);

    private final int seedPort = LoopbackPorts.freeTcpPort();
    private final List<ClusterAgent> agents = new ArrayList<>();
    private final Map<String, String> env;

    /** The cluster secret of the agents a test starts, unless it gives its own ({@code PODNET_CLUSTER_SECRET}). */
    public static final String SECRET = "local-cluster-test-secret-0123";

    private LocalCluster(final Map<String, String> env)
    {
        final Map<String, String> all = new java.util.HashMap<>(env);
        all.putIfAbsent(AgentSettings.CLUSTER_SECRET_ENV, SECRET);
        this.env = Map.copyOf(all);
    }

    /** Starts {@code nodes} agents with {@code podsPerNode} pods each (see {@link #podName}) and waits until all are ready. */
    public static LocalCluster start(final int nodes, final int podsPerNode)
    {
        return start(nodes, podsPerNode, Map.of());
    }

    /** As {@link #start(int, int)}, every agent's settings also reading the environment variables {@code env}. */
    public static LocalCluster start(final int nodes, final int podsPerNode, final Map<String, String> env)
    {
        final LocalCluster cluster = new LocalCluster(env);
        try
        {
            final List<CompletableFuture<Void>> started = new ArrayList<>();
            for (int i = 1; i <= nodes; i++)
            {
                final ClusterAgent agent = cluster.agent(i, podsPerNode);
                started.add(CompletableFuture.runAsync(agent::start));
                if (i == 1)
                {
                    started.get(0).orTimeout(CONVERGE.toSeconds(), TimeUnit.SECONDS).join(); // the seed first
                }
            }
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
                .orTimeout(CONVERGE.toSeconds(), TimeUnit.SECONDS).join();
            await(cluster::converged, CONVERGE, "every agent sees all " + nodes + " members Up and reachable");
            return cluster;
        }
        catch (final RuntimeException ex)
        {
            cluster.close();
            throw ex;
        }
    }

    /** Pods of node {@code i}: {@code a1, a2…} on node-1, {@code b1…} on node-2. */
    public static String podName(final int node, final int pod)
    {
        return (char)('a' + node - 1) + Integer.toString(pod);
    }

    private ClusterAgent agent(final int index, final int pods)
    {
        final StringBuilder podNames = new StringBuilder();
        for (int p = 1; p <= pods; p++)
        {
            podNames.append(p == 1 ? "" : ",").append(podName(index, p));
        }
        final Map<Setting, String> flags = flags("node-" + index, seedPort, index == 1 ? seedPort : LoopbackPorts.freeTcpPort());
        if (pods > 0)
        {
            flags.put(Setting.PODS, podNames.toString());
        }
        final ClusterAgent agent = new ClusterAgent(AgentSettings.resolve(flags, env, () -> "unused"), status ->
        {
        });
        agents.add(agent);
        return agent;
    }

    /** Whether every running agent sees every other one Up and reachable. */
    public boolean converged()
    {
        for (final ClusterAgent agent : agents)
        {
            final var members = agent.status().members();
            if (members.size() != agents.size() ||
                !members.stream().allMatch(member -> member.reachable() && "Up".equals(member.status())))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * A cluster-mode agent's settings on loopback: free tunnel and API ports, fast failure detection
     * (heartbeat 200 ms, acceptable pause 1 s, stable after 1.5 s), joining through the seed on {@code seedPort},
     * with a state directory of its own (never the user's, which agents outside the tests use).
     */
    public static Map<Setting, String> flags(final String name, final int seedPort, final int clusterPort)
    {
        final Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.NODE, name);
        flags.put(Setting.SEEDS, "127.0.0.1:" + seedPort);
        flags.put(Setting.CLUSTER_PORT, Integer.toString(clusterPort));
        flags.put(Setting.ADVERTISED_HOST, "127.0.0.1");
        flags.put(Setting.CLUSTER_BIND, "127.0.0.1");
        flags.put(Setting.TUNNEL_BIND, "127.0.0.1");
        flags.put(Setting.TUNNEL_PORT, Integer.toString(LoopbackPorts.freeUdpPort()));
        flags.put(Setting.API_BIND, "127.0.0.1");
        flags.put(Setting.API_PORT, Integer.toString(LoopbackPorts.freeTcpPort()));
        flags.put(Setting.HEARTBEAT_INTERVAL, "200");
        flags.put(Setting.ACCEPTABLE_PAUSE, "1000");
        flags.put(Setting.STABLE_AFTER, "1500");
        flags.put(Setting.STATE_DIR, StateDirs.fresh(name).toString());
        return flags;
    }

    public List<ClusterAgent> agents()
    {
        return agents;
    }

    /** Node {@code i}'s agent, from 1. */
    public ClusterAgent agent(final int index)
    {
        return agents.get(index - 1);
    }

    /** Node {@code i}'s API base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String api(final int index)
    {
        return "http://127.0.0.1:" + agent(index).settings().apiPort();
    }

    /** Polls {@code condition} every 20 ms; fails with {@code what} when it does not hold within {@code limit}. */
    public static void await(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Override
    public void close()
    {
        for (final ClusterAgent agent : agents)
        {
            agent.close();
        }
    }
}
