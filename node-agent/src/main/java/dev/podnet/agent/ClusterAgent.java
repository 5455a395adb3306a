package dev.podnet.agent;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.controlplane.LeaseAllocator;
import dev.podnet.controlplane.MemberView;
import dev.podnet.http.ApiServer;
import dev.podnet.http.NodeStatus;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.sync.ClusterNode;
import dev.podnet.transport.TunnelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * A node agent in cluster mode ({@code PODNET_SEEDS} set): its pod CIDR, the other nodes and their pods
 * come from the control plane, none from configuration.
 * <p>
 * Starting, in order ({@link #start()}, which blocks until the node is ready):
 * <ol>
 *   <li>the API, status routes only: {@code /healthz} answers, {@code /readyz} and every other route
 *       answer 503 with the reason, so a node waiting for its lease can be asked why;</li>
 *   <li>{@link ClusterNode}: joins the cluster through the seeds and waits for the CIDR lease as long as
 *       it takes (a refused lease is retried; the reason is logged every 5 s), then starts the tunnel
 *       and the data plane with it and lets the sync layer program routes and endpoints;</li>
 *   <li>the {@code --pods}, which the sync layer publishes to the cluster as they appear;</li>
 *   <li>the rest of the API, with the static routes and endpoints answering 409 (the control plane
 *       owns them); {@code /readyz} says {@code ok} from here on.</li>
 * </ol>
 * Stopping ({@link #close()}, from the shutdown hook on SIGTERM or Ctrl-C; only the first call does
 * anything): the node leaves the cluster gracefully (the others withdraw its route at once and keep its
 * lease for the grace period), then its data plane stops, then the API.
 * <p>
 * Removed by the cluster without asking (downed by the split brain resolver on the other side of a
 * partition, or cut off): the agent logs it at ERROR, closes what it can and exits with status
 * {@value #EXIT_REMOVED}, so that its supervisor restarts it; under the same name it gets its lease back
 * within the grace period. The exit runs on a new thread (the news comes on an actor thread, and
 * {@code System.exit} there could deadlock with the shutdown hooks) through an exit action that tests
 * replace.
 */
public final class ClusterAgent implements AutoCloseable
{
    /** Exit status when the cluster removed the node. */
    public static final int EXIT_REMOVED = 3;
    /** Exit status of a crash asked for through the API ({@code POST /api/v1/nodes/NODE/crash}): a SIGKILL's, 128 + 9. */
    public static final int EXIT_CRASHED = 137;
    /** How long to wait for the lease: as long as it takes (a refusal is retried and logged meanwhile). */
    static final Duration LEASE_WAIT = Duration.ofDays(365);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterAgent.class);
    /**
     * A graceful stop that takes longer logs every thread's stack: leaving takes a second or two, and Akka's own phases
     * time out after 10 s (the control plane waits 20 s at most, a supervisor usually 30 s).
     */
    static final Duration STOP_PATIENCE = Duration.ofSeconds(12);
    /** From a crash asked for through the API to the crash: time for the answer to leave. */
    private static final Duration CRASH_DELAY = Duration.ofMillis(100);

    private final AgentSettings settings;
    private final ClusterSettings cluster;
    private final IntConsumer exit;
    private final Hosting hosting;
    private final Duration leaseTimeout;
    /** This life of the node: orders its replicated writes after those of earlier lives. */
    private final long incarnation = System.currentTimeMillis();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean removed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object lock = new Object();
    private ApiServer api; // guarded by lock
    private ClusterNode node; // guarded by lock
    private volatile NodeStatus status;
    private volatile int exitStatus;

    /**
     * @param settings cluster-mode settings ({@link AgentSettings#clusterMode()})
     * @param exit     what to do with the status when the cluster removed the node: {@link #exitJvm} in a process
     */
    public ClusterAgent(final AgentSettings settings, final IntConsumer exit)
    {
        this(settings, exit, LEASE_WAIT, Hosting.PROCESS);
    }

    /**
     * @param hosting whether the agent has its JVM to itself: what a crash asked for through the API does
     */
    ClusterAgent(final AgentSettings settings, final IntConsumer exit, final Duration leaseTimeout, final Hosting hosting)
    {
        if (!settings.clusterMode())
        {
            throw new IllegalArgumentException("node " + settings.nodeName() + " is not in cluster mode (" +
                AgentSettings.Setting.SEEDS.label() + " is not set)");
        }
        this.settings = settings;
        this.cluster = settings.cluster();
        this.exit = exit;
        this.leaseTimeout = leaseTimeout;
        this.hosting = hosting;
        this.status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, null, "not started");
    }

    /** Where an agent runs: what its crash (chaos, {@code POST /api/v1/nodes/NODE/crash}) does. */
    public enum Hosting
    {
        /** The JVM is the agent's alone: a crash halts it, as SIGKILL would (its supervisor restarts it). */
        PROCESS,
        /**
         * One of several agents in a JVM ({@code podnet pack}): a crash stops this agent's control plane, tunnel, data
         * plane and API at once, without leaving the cluster ({@link #crash()}); the pack restarts it.
         */
        PACKED
    }

    /** The exit action of a process: {@link System#exit}. */
    public static void exitJvm(final int status)
    {
        System.exit(status);
    }

    /**
     * Starts the node and blocks until it is ready: it holds its lease, its data plane runs and its
     * pods exist.
     *
     * @throws IllegalStateException saying what could not start and why (API port in use, tunnel port in
     *                               use, a pod that could not be created, no lease within the wait)
     */
    public void start()
    {
        status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, null,
            "waiting for a CIDR lease from the control plane (joining through seeds " + String.join(",", cluster.seeds()) +
                "; the agent's log says every 5 s what it waits for)");
        final ApiServer server = startApi();
        if (AgentSettings.isLoopback(settings.apiBind()) && !AgentSettings.isLoopback(cluster.advertisedHost()))
        {
            LOG.warn("node {} API listens on {} only: agents on other hosts cannot forward requests to it (set {} to an " +
                "address they reach, and a token)", settings.nodeName(), settings.apiBind(), AgentSettings.Setting.API_BIND.label());
        }
        synchronized (lock)
        {
            if (closed.get())
            {
                server.close();
                throw new IllegalStateException("stopped while starting");
            }
            api = server;
        }

        final ClusterNode started;
        try
        {
            final ControlPlaneSettings controlPlane = settings.controlPlaneSettings(incarnation);
            started = ClusterNode.start(hosting == Hosting.PACKED ? controlPlane.withSharedDispatchers() : controlPlane,
                cluster.syncSettings(), settings.tunnelConfig(),
                settings::nodeConfig, leaseTimeout, this::removed, this::waiting);
        }
        catch (final Exception ex) // Akka throws checked exceptions it does not declare (a bind timeout): close all the same
        {
            close();
            throw ex;
        }
        synchronized (lock)
        {
            if (closed.get())
            {
                started.close();
                throw new IllegalStateException("stopped while waiting for its lease");
            }
            node = started;
        }
        // The control plane reports its removal (SelfRemoved), but not every time: a downed node's actor
        // system may stop first (coordinated shutdown when down). An actor system that stops while this agent
        // did not ask for it means the same thing.
        started.controlPlane().whenTerminated().thenRun(() ->
        {
            if (!closed.get())
            {
                removed(memberStatus(started));
            }
        });

        final Ipv4Cidr cidr = Ipv4Cidr.parse(started.lease().cidr());
        status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, cidr.toString(), "creating its pods");
        try
        {
            NodeAgent.createPods(started.proxy(), settings.topology().pods());
            NodeAgent.impairLinks(started.proxy(), settings.topology().links());
            server.serve(started.proxy(), ApiServer.ConfigSource.CONTROL_PLANE, started, this::crashOnRequest);
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
        if (!closed.get())
        {
            status = NodeStatus.ready(settings.nodeName(), NodeStatus.CLUSTER, cidr.toString());
        }
        LOG.info("node {} ready: lease {} (gateway {}, pod MTU {}), {} pods, api http://{}:{}, " +
            "tunnel udp {}:{} (reached at {}, network {}, underlay MTU {}), cluster {} (bound to {}, seeds {})",
            settings.nodeName(), cidr, Ipv4Address.format(cidr.address(1)), settings.podMtu(),
            settings.topology().pods().size(), settings.apiBind(), server.port(), settings.tunnelBind(),
            settings.tunnelPort(), cluster.advertisedHost(), settings.networkId(), settings.underlayMtu(),
            cluster.address(), cluster.clusterBind(), String.join(",", cluster.seeds()));
    }

    private ApiServer startApi()
    {
        try
        {
            return ApiServer.startNotReady(settings.apiBind(), settings.apiPort(), settings.nodeName(), this::status,
                settings.apiToken());
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException(ex.getMessage() + " (" + AgentSettings.Setting.API_BIND.label() + ", " +
                AgentSettings.Setting.API_PORT.label() + ")", ex);
        }
    }

    /**
     * Why the control plane gives no lease yet: shown by {@code /readyz} and {@code /api/v1/node}. A name held by
     * another live member is the reason itself ({@code name-in-use: ...}, with the holder's address).
     */
    private void waiting(final String reason)
    {
        if (!closed.get() && !reason.equals("joining the cluster"))
        {
            status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, null,
                reason.startsWith(LeaseAllocator.NAME_IN_USE) ? reason : "waiting for a CIDR lease from the control plane: " + reason);
        }
    }

    /** This node's member status in the last view of the cluster it got; "Removed" once it is not in it. */
    private String memberStatus(final ClusterNode clusterNode)
    {
        final ClusterView view = clusterNode.sync().latest();
        final MemberView self = view == null ? null : view.members().get(settings.nodeName());
        return self == null ? "Removed" : self.status();
    }

    /** The cluster removed this node without it asking: called on an actor thread; acts once. */
    private void removed(final String previousStatus)
    {
        if (!removed.compareAndSet(false, true))
        {
            return;
        }
        exitStatus = EXIT_REMOVED;
        status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, status.cidr(),
            "removed from the cluster (status " + previousStatus + ")");
        LOG.error("node {} was removed from the cluster (status {}): exiting so the supervisor restarts it",
            settings.nodeName(), previousStatus);
        final Thread exiting = new Thread(() ->
        {
            try
            {
                close();
            }
            finally
            {
                exit.accept(EXIT_REMOVED);
            }
        }, "podnet-removed-" + settings.nodeName());
        exiting.start();
    }

    public AgentSettings settings()
    {
        return settings;
    }

    /** What {@code GET /api/v1/node} shows: readiness, the lease, and the members as the last view had them. */
    public NodeStatus status()
    {
        final NodeStatus now = status;
        final ClusterNode clusterNode = clusterNode();
        final ClusterView view = clusterNode == null ? null : clusterNode.sync().latest();
        if (view == null)
        {
            return now;
        }
        final List<NodeStatus.Member> members = new ArrayList<>();
        for (final MemberView member : new TreeMap<>(view.members()).values())
        {
            members.add(new NodeStatus.Member(member.node(), member.address(), member.status(), member.reachable()));
        }
        return now.withMembers(members);
    }

    /** The port the API listens on, once {@link #start()} has started it. */
    public int apiPort()
    {
        synchronized (lock)
        {
            if (api == null)
            {
                throw new IllegalStateException("node " + settings.nodeName() + " API not started");
            }
            return api.port();
        }
    }

    /** The running cluster node, or null before the lease. */
    public ClusterNode clusterNode()
    {
        synchronized (lock)
        {
            return node;
        }
    }

    /** 0, or {@value #EXIT_REMOVED} when the cluster removed the node. */
    public int exitStatus()
    {
        return exitStatus;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException
    {
        stopped.await();
    }

    /**
     * A crash asked for through the API, a moment after the answer has gone: a process halts (status
     * {@value #EXIT_CRASHED}, no shutdown hook, as SIGKILL); a packed agent {@link #crash()}es alone.
     *
     * @return what happens, for the answer
     */
    private String crashOnRequest()
    {
        LOG.warn("node {}: crash asked for through the API: {}", settings.nodeName(),
            hosting == Hosting.PROCESS ? "halting the JVM (as SIGKILL)" : "stopping this agent without leaving the cluster");
        final Thread crashing = new Thread(() ->
        {
            try
            {
                Thread.sleep(CRASH_DELAY.toMillis()); // the answer first
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            if (hosting == Hosting.PROCESS)
            {
                TunnelConfig.removeAeronDirectories(settings.nodeName(), ProcessHandle.current().pid());
                Runtime.getRuntime().halt(EXIT_CRASHED);
            }
            crash();
        }, "podnet-crash-" + settings.nodeName());
        crashing.setDaemon(true);
        crashing.start();
        return hosting == Hosting.PROCESS ? "the agent's JVM halts (exit status " + EXIT_CRASHED + ", as SIGKILL)" :
            "the agent stops without leaving the cluster (its JVM hosts others, and restarts it)";
    }

    /**
     * Stops as a killed process would, for chaos in a JVM that hosts other agents: no goodbye to the cluster (the others
     * find out through their failure detectors and withdraw its routes), the tunnel and data plane closed at once, the
     * API port closed. {@link #exitStatus()} is {@value #EXIT_CRASHED} and {@link #awaitClose()} returns. Only the first
     * call of this or {@link #close()} does anything.
     */
    public void crash()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        exitStatus = EXIT_CRASHED;
        status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, status.cidr(), "crashed");
        LOG.warn("node {} crashing: no leave, tunnel and data plane stopped at once", settings.nodeName());
        stop(ClusterNode::crash, () -> LOG.warn("node {} crashed", settings.nodeName()));
    }

    /** Leaves the cluster gracefully, stops the data plane (and its tunnel), then the API. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        if (exitStatus == 0)
        {
            status = NodeStatus.notReady(settings.nodeName(), NodeStatus.CLUSTER, status.cidr(), "stopping");
        }
        LOG.info("node {} stopping{}", settings.nodeName(), clusterNode() == null ? "" : ": leaving the cluster");
        final StopWatchdog watchdog = StopWatchdog.watch(settings.nodeName(), STOP_PATIENCE);
        stop(ClusterNode::close, () ->
        {
            watchdog.close();
            LOG.info("node {} stopped", settings.nodeName());
        });
    }

    /** Stops the cluster node as {@code how} says (leaving or crashing), then the API; then {@code after}, and {@link #awaitClose()} returns. */
    private void stop(final java.util.function.Consumer<ClusterNode> how, final Runnable after)
    {
        final ClusterNode clusterNode;
        final ApiServer server;
        synchronized (lock)
        {
            clusterNode = node;
            server = api;
        }
        try
        {
            if (clusterNode != null)
            {
                how.accept(clusterNode);
            }
        }
        finally
        {
            try
            {
                if (server != null)
                {
                    server.close();
                }
            }
            finally
            {
                after.run();
                stopped.countDown();
            }
        }
    }
}
