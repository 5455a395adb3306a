package dev.podnet.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.fail;

/**
 * Control planes of several nodes, each its own ActorSystem on loopback, in one JVM. Failure
 * detection is tuned down so crashes are noticed in about a second.
 */
final class TestCluster implements AutoCloseable
{
    static final class TestNode
    {
        final String name;
        final ControlPlaneSettings settings;
        final ControlPlane controlPlane;
        final AtomicReference<ClusterView> view = new AtomicReference<>();
        final AtomicReference<String> removed = new AtomicReference<>();

        TestNode(final ControlPlaneSettings settings)
        {
            this.name = settings.nodeName();
            this.settings = settings;
            this.controlPlane = ControlPlane.start(settings, view::set, removed::set);
        }

        ClusterView view()
        {
            return view.get();
        }

        String cidr()
        {
            final ClusterView current = view.get();
            return current == null || current.lease() == null ? null : current.lease().cidr();
        }
    }

    final Map<String, TestNode> nodes = new LinkedHashMap<>();
    final List<String> seeds = new ArrayList<>();
    private final List<Integer> seedPorts = new ArrayList<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private int nextTunnelPort = 40000;
    /** Where each node keeps its state ({@code DIR/NAME}), or null to keep nothing. */
    private final java.nio.file.Path stateDirs;

    TestCluster(final int seedCount)
    {
        this(seedCount, null);
    }

    TestCluster(final int seedCount, final java.nio.file.Path stateDirs)
    {
        this.stateDirs = stateDirs;
        for (int i = 0; i < seedCount; i++)
        {
            final int port = freePort();
            seeds.add("127.0.0.1:" + port);
            seedPorts.add(port);
        }
    }

    /** Starts node {@code name}: the first nodes take the seed addresses; a restarted node keeps its port. */
    TestNode start(final String name)
    {
        return start(name, settings -> settings);
    }

    TestNode start(final String name, final UnaryOperator<ControlPlaneSettings> customize)
    {
        final int port = ports.computeIfAbsent(name, n -> ports.size() < seedPorts.size() ? seedPorts.get(ports.size()) : freePort());
        final ControlPlaneSettings settings = customize.apply(ControlPlaneSettings.of(name, "127.0.0.1", port, seeds, nextTunnelPort++)
            .withFailureDetection(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofMillis(1500))
            .withLeaseGrace(Duration.ofSeconds(3))
            .withStateDir(stateDirs == null ? null : stateDirs.resolve(name)));
        final TestNode node = new TestNode(settings);
        nodes.put(name, node);
        return node;
    }

    /** Settings under another node name (a second agent started with a name that is taken, say); the rest unchanged. */
    static UnaryOperator<ControlPlaneSettings> named(final String nodeName)
    {
        return s -> new ControlPlaneSettings(nodeName, s.clusterCidr(), s.nodePrefix(), s.host(), s.bindHost(), s.clusterPort(),
            s.seeds(), s.tunnelPort(), s.apiPort(), s.leaseGrace(), s.incarnation(), s.heartbeatInterval(), s.acceptablePause(),
            s.stableAfter(), s.extraConfig(), s.clusterSecret(), s.stateDir());
    }

    TestNode node(final String name)
    {
        return nodes.get(name);
    }

    /** Stops a node as a crash would: no leaving, the others must notice. */
    void crash(final String name)
    {
        final ControlPlane controlPlane = nodes.get(name).controlPlane;
        controlPlane.crash();
        controlPlane.whenTerminated().toCompletableFuture().join();
    }

    void leave(final String name)
    {
        nodes.get(name).controlPlane.close();
    }

    /**
     * Waits until every running node sees all of {@code names} as Up and reachable: crash a node before
     * that and the split brain resolver may count a half-joined cluster (and rightly down the wrong side).
     */
    void awaitConverged(final String... names)
    {
        await(() ->
        {
            for (final String viewer : names)
            {
                final ClusterView view = nodes.get(viewer).view();
                if (view == null)
                {
                    return false;
                }
                for (final String name : names)
                {
                    final MemberView member = view.members().get(nodes.get(name).name);
                    if (member == null || !member.status().equals("Up") || !member.reachable())
                    {
                        return false;
                    }
                }
            }
            return true;
        }, Duration.ofSeconds(30), "every node sees " + String.join(", ", names) + " Up");
    }

    static void await(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("not within " + limit + ": " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Stops every node at once and waits until each has stopped (and released its state directory). */
    @Override
    public void close()
    {
        for (final TestNode node : nodes.values())
        {
            node.controlPlane.crash();
        }
        for (final TestNode node : nodes.values())
        {
            node.controlPlane.whenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }
}
