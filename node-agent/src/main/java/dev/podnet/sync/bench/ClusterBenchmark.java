package dev.podnet.sync.bench;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PodSettings;
import dev.podnet.sync.ClusterNode;
import dev.podnet.sync.ClusterSync;
import dev.podnet.transport.TunnelConfig;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How fast the control plane moves: several node agents (control plane, tunnel, data plane) in one
 * JVM with the default settings a user gets, measuring
 * <ul>
 *   <li><b>propagation</b>: from "pod created on node A" (its create command done) to "routable from
 *       every other node" (the endpoint installed in each other node's data plane), over many pods;</li>
 *   <li><b>withdrawal</b>: from an agent's abrupt death (no leave) to its route being gone on every
 *       other node.</li>
 * </ul>
 */
public final class ClusterBenchmark
{
    /** What one run measured. */
    public record Result(int nodes, int pods, long[] propagationNanos, long withdrawalNanos)
    {
        public long percentile(final double p)
        {
            final long[] sorted = propagationNanos.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int)Math.ceil(p / 100.0 * sorted.length) - 1)];
        }
    }

    /** Agents starting at once after the seed. */
    private static final int STARTING = 4;

    private ClusterBenchmark()
    {
    }

    /**
     * @param acceptablePause the agents' acceptable heartbeat pause (the default's, or podnet demo's for a crowded box)
     */
    public static Result run(final int nodeCount, final int podCount, final Duration spacing, final Duration acceptablePause,
        final PrintWriter progress)
    {
        final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
        final Map<String, Map<String, Long>> installed = new ConcurrentHashMap<>();
        final Map<String, Long> withdrawn = new ConcurrentHashMap<>();
        try
        {
            final List<String> names = new ArrayList<>();
            final Map<String, Integer> ports = new LinkedHashMap<>();
            final Map<String, Integer> tunnels = new LinkedHashMap<>();
            // blocks outside the ephemeral range: ports picked one by one from it were, by the time the last of fifty
            // agents started, some agent's outbound connection's source port
            final int clusterBase = LoopbackPorts.consecutiveFree(nodeCount, false);
            final int tunnelBase = LoopbackPorts.consecutiveFree(nodeCount, true);
            for (int i = 1; i <= nodeCount; i++)
            {
                names.add("bench-" + i);
                ports.put("bench-" + i, clusterBase + i - 1);
                tunnels.put("bench-" + i, tunnelBase + i - 1);
            }
            final List<String> seeds = List.of("127.0.0.1:" + ports.get(names.get(0)));
            progress.printf("starting %d node agents in this JVM (Akka cluster, Aeron tunnel, data plane each)...%n", nodeCount);
            progress.flush();
            final List<CompletableFuture<Void>> starting = new ArrayList<>();
            // the seed alone first, then four at a time, as a pack starts its agents (AgentPack.STARTING): every agent at
            // once kept two cores so busy, from 25 agents on, that heartbeats were late and joins never converged
            final java.util.concurrent.ExecutorService starters = java.util.concurrent.Executors.newFixedThreadPool(STARTING);
            for (final String name : names)
            {
                starting.add(CompletableFuture.runAsync(() ->
                {
                    final int tunnelPort = tunnels.get(name);
                    final TunnelConfig tunnel = TunnelConfig.defaults(tunnelPort).withBindAddress("127.0.0.1");
                    final ClusterNode node = ClusterNode.start(
                        ControlPlaneSettings.of(name, "127.0.0.1", ports.get(name), seeds, tunnelPort)
                            .withFailureDetection(ControlPlaneSettings.DEFAULT_HEARTBEAT_INTERVAL, acceptablePause,
                                ControlPlaneSettings.DEFAULT_STABLE_AFTER)
                            .withSharedDispatchers(), // plain TCP and one dispatcher pool, as packed agents
                        tunnel,
                        cidr -> NodeConfig.defaults(name, cidr)
                            .withPod(PodSettings.defaults().withMtu(tunnel.innerMtu())).withIdleMode(IdleMode.EFFICIENT),
                        Duration.ofMinutes(2),
                        previous -> { });
                    final Map<String, Long> seen = new ConcurrentHashMap<>();
                    installed.put(name, seen);
                    node.sync().observer(new ClusterSync.Observer()
                    {
                        @Override
                        public void endpointInstalled(final String ip, final long nanoTime)
                        {
                            seen.putIfAbsent(ip, nanoTime);
                        }

                        @Override
                        public void routeWithdrawn(final String cidr, final long nanoTime)
                        {
                            withdrawn.putIfAbsent(name + " " + cidr, nanoTime);
                        }
                    });
                    synchronized (nodes)
                    {
                        nodes.put(name, node);
                    }
                }, starters));
                if (starting.size() == 1)
                {
                    starting.get(0).join();
                }
            }
            try
            {
                starting.forEach(CompletableFuture::join);
            }
            finally
            {
                starters.shutdown();
            }
            awaitRoutes(nodes, nodeCount - 1);
            progress.printf("cluster formed; creating %d pods, one every %d ms, round-robin over the nodes...%n", podCount, spacing.toMillis());
            progress.flush();

            final long[] propagation = new long[podCount];
            for (int i = 0; i < podCount; i++)
            {
                final String on = names.get(i % nodeCount);
                final PodInfo pod = nodes.get(on).proxy().createPod("p-" + i).orTimeout(10, TimeUnit.SECONDS).join();
                final long createdAt = System.nanoTime();
                final String ip = Ipv4Address.format(pod.ip());
                final long deadline = createdAt + TimeUnit.SECONDS.toNanos(10);
                long latest = 0;
                for (final String other : names)
                {
                    if (other.equals(on))
                    {
                        continue;
                    }
                    Long at;
                    while ((at = installed.get(other).get(ip)) == null)
                    {
                        if (System.nanoTime() > deadline)
                        {
                            throw new IllegalStateException("pod " + ip + " from " + on + " not routable from " + other + " within 10 s");
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                    }
                    latest = Math.max(latest, at);
                }
                propagation[i] = Math.max(0, latest - createdAt);
                java.util.concurrent.locks.LockSupport.parkNanos(spacing.toNanos());
            }

            final String victim = names.get(nodeCount - 1);
            final String victimCidr = nodes.get(victim).lease().cidr();
            progress.printf("killing %s abruptly (no leave) and waiting for its route %s to be gone everywhere...%n", victim, victimCidr);
            progress.flush();
            final ClusterNode dead = nodes.remove(victim);
            final long killedAt = System.nanoTime();
            dead.crash();
            long gone = 0;
            for (final String other : nodes.keySet())
            {
                final long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
                Long at;
                while ((at = withdrawn.get(other + " " + victimCidr)) == null)
                {
                    if (System.nanoTime() > deadline)
                    {
                        throw new IllegalStateException("route " + victimCidr + " still on " + other + " 60 s after the kill");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                gone = Math.max(gone, at - killedAt);
            }
            return new Result(nodeCount, podCount, propagation, gone);
        }
        finally
        {
            nodes.values().forEach(ClusterNode::crash);
        }
    }

    private static void awaitRoutes(final Map<String, ClusterNode> nodes, final int routes)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (final ClusterNode node : nodes.values())
        {
            while (node.proxy().routes().orTimeout(10, TimeUnit.SECONDS).join().stream()
                .filter(Route::tunnelHealthy).count() < routes)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("the cluster did not converge within 60 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }


}
