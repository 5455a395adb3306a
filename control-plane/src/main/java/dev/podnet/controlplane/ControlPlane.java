package dev.podnet.controlplane;

import akka.actor.CoordinatedShutdown;
import akka.actor.setup.ActorSystemSetup;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A node's control plane as the rest of the agent sees it: an Akka ActorSystem that joined the
 * cluster, with plain Java methods (no Akka types leak out).
 */
public final class ControlPlane implements AutoCloseable
{
    public static final String SYSTEM_NAME = "podnet";
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
    /** How long a graceful leave waits for its pods' withdrawal to be written (then gossip carries it). */
    private static final Duration WITHDRAW_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long a leave that has run every phase of Akka's coordinated shutdown still waits for the actor system to
     * terminate. Akka 2.6's Artery can wait for ever for a remoting stream that does not complete (one retrying a
     * connection to a peer that is gone: akka/akka-core#30326), with every actor stopped and nothing left to do; the
     * node has left by then, and its process may exit.
     */
    static final Duration TERMINATE_GRACE = Duration.ofSeconds(2);
    /** How long a crash waits for the actor system to terminate (it flushes for up to a second first) before it gives up. */
    static final Duration CRASH_TERMINATE_WAIT = Duration.ofSeconds(5);

    private final ActorSystem<NodeControlPlane.Command> system;
    private final AtomicLong reclaimed = new AtomicLong();
    private final ControlPlaneSettings settings;
    private final StateDirectory stateDirectory;
    /** The actor system stopped and the state directory is released. */
    private final java.util.concurrent.CompletableFuture<?> terminated;
    /** Completes with the reason when the control plane cannot go on (its lease store would not load). */
    private final java.util.concurrent.CompletableFuture<String> failure = new java.util.concurrent.CompletableFuture<>();
    private volatile boolean leaving;
    /** The cluster removed this node: it can write nothing any more, its pods stay listed until it returns. */
    private volatile boolean removed;

    private ControlPlane(final ControlPlaneSettings settings, final Consumer<ClusterView> listener, final Consumer<String> onRemoved)
    {
        this.settings = settings;
        this.stateDirectory = settings.stateDir() == null ? null : StateDirectory.open(settings.stateDir());
        final Config config = ConfigFactory
            .parseString("akka.cluster.roles = [\"" + LeaseAllocator.NODE_ROLE_PREFIX + settings.nodeName() + "\"]")
            .withFallback(settings.akkaConfig());
        final ActorSystemSetup setup = settings.actorSystemSetup(config);
        try
        {
            this.system = ActorSystem.create(
                NodeControlPlane.create(settings, reclaimed, listener, previousStatus ->
                {
                    removed = true;
                    if (!leaving)
                    {
                        onRemoved.accept(previousStatus);
                    }
                }, this::failed),
                SYSTEM_NAME,
                setup);
        }
        catch (final RuntimeException ex)
        {
            closeStateDirectory();
            throw ex;
        }
        terminated = system.getWhenTerminated().toCompletableFuture().handle((done, failure) ->
        {
            closeStateDirectory();
            return done;
        });
    }

    private void failed(final String reason)
    {
        LOG.error("node {}: {}", settings.nodeName(), reason);
        failure.complete(reason);
    }

    private void closeStateDirectory()
    {
        if (stateDirectory != null)
        {
            stateDirectory.close();
        }
    }

    /**
     * Completes with the reason when this control plane cannot work at all: its replica of the lease table
     * (in the state directory) would not load. The node should stop: it cannot be given a lease safely.
     */
    public CompletionStage<String> failure()
    {
        return failure;
    }

    /**
     * Starts the node's control plane and joins the cluster through the seeds.
     *
     * @param listener  gets every new view (on an actor thread: hand it over, do not block)
     * @param onRemoved called when the cluster removed this node without it asking (downed or cut off):
     *                  the agent should exit non-zero so its supervisor restarts it
     */
    public static ControlPlane start(
        final ControlPlaneSettings settings, final Consumer<ClusterView> listener, final Consumer<String> onRemoved)
    {
        final ControlPlane controlPlane = new ControlPlane(settings, listener, onRemoved);
        LOG.info("node {} control plane on {}:{}, seeds {}", settings.nodeName(), settings.host(), settings.clusterPort(), settings.seeds());
        return controlPlane;
    }

    public ControlPlaneSettings settings()
    {
        return settings;
    }

    /** The current view. */
    public CompletionStage<ClusterView> view()
    {
        return AskPattern.ask(system, NodeControlPlane.GetView::new, Duration.ofSeconds(3), system.scheduler());
    }

    /** The pod endpoint table as a majority of nodes has it (falls back to this node's copy without a majority). */
    public CompletionStage<java.util.Map<String, EndpointInfo>> readEndpoints()
    {
        return AskPattern.ask(system, NodeControlPlane.ReadEndpoints::new, Duration.ofSeconds(5), system.scheduler());
    }

    /** The complete set of this node's pods now. */
    public void publishPods(final List<EndpointInfo> pods)
    {
        system.tell(new NodeControlPlane.PublishPods(List.copyOf(pods)));
    }

    /**
     * Starts the Service objects on this node: the service registry and endpoints controller (cluster
     * singletons) and this node's watch on namespaces, Services and endpoints.
     *
     * @param listener gets every new view (on an actor thread: hand it over, do not block)
     */
    public dev.podnet.controlplane.services.ServiceControl startServices(
        final dev.podnet.controlplane.services.ServiceRegistrySettings serviceSettings,
        final Consumer<dev.podnet.controlplane.services.ServiceView> listener)
    {
        return dev.podnet.controlplane.services.ServiceControl.start(system, serviceSettings, listener);
    }

    /** Leases this node's allocator reclaimed (non-zero only where the singleton ran). */
    public long leasesReclaimed()
    {
        return reclaimed.get();
    }

    /**
     * Withdraws this node's pods from the endpoint table (bounded wait), then leaves the cluster
     * gracefully and stops; completes when the actor system has terminated.
     */
    public CompletionStage<?> leave()
    {
        leaving = true;
        if (removed || system.getWhenTerminated().toCompletableFuture().isDone())
        {
            // downed: nobody to tell; its pods stay listed under it until it returns
            return terminatedOrGaveUp(CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.clusterLeavingReason()));
        }
        // bounded by the JDK's clock too: a system that stops meanwhile takes its scheduler (and the ask's timeout) along
        return AskPattern.<NodeControlPlane.Command, akka.Done>ask(
                system, NodeControlPlane.WithdrawPods::new, WITHDRAW_TIMEOUT, system.scheduler())
            .toCompletableFuture()
            .orTimeout(WITHDRAW_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS)
            .handle((done, failure) ->
            {
                if (failure != null)
                {
                    LOG.warn("node {}: its pods may stay listed after it leaves: {}", settings.nodeName(), failure.toString());
                }
                return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.clusterLeavingReason());
            })
            .thenCompose(this::terminatedOrGaveUp);
    }

    /**
     * The actor system's termination, or, {@link #TERMINATE_GRACE} after every phase of its coordinated shutdown ran
     * (each bounded by its timeout) without it, a warning.
     */
    private CompletionStage<?> terminatedOrGaveUp(final CompletionStage<?> phases)
    {
        final java.util.concurrent.CompletableFuture<?> gaveUp = phases.toCompletableFuture()
            .handle((done, failure) -> done)
            .thenCompose(ran -> terminated.copy().completeOnTimeout(null, TERMINATE_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            .thenApply(done ->
            {
                if (!terminated.isDone())
                {
                    LOG.warn("node {}: its actor system did not terminate {} s after every shutdown phase ran (Akka's remoting " +
                        "waiting for a stream that does not complete, akka/akka-core#30326): the node has left, stopping anyway",
                        settings.nodeName(), TERMINATE_GRACE.toSeconds());
                    abandon();
                }
                return done;
            });
        return java.util.concurrent.CompletableFuture.anyOf(terminated, gaveUp);
    }

    /**
     * The actor system would not terminate (akka/akka-core#30326: Artery waits without a deadline for a remoting stream,
     * before it unbinds its port; Pekko bounds that wait with {@code shutdown-streams-timeout}, Akka 2.6 has none). Every
     * actor has stopped by then. What a next life of this node in the same JVM ({@code podnet pack}) needs is freed here:
     * the cluster port, unbound as Artery's own transport shutdown would, and the state directory. The stuck system's
     * threads stay, idle, until the JVM exits.
     */
    private void abandon()
    {
        try
        {
            final akka.actor.ExtendedActorSystem classic = (akka.actor.ExtendedActorSystem)akka.actor.typed.javadsl.Adapter.toClassic(system);
            if (classic.provider() instanceof akka.remote.RemoteActorRefProvider remote &&
                remote.transport() instanceof akka.remote.artery.ArteryTransport artery)
            {
                artery.shutdownTransport().value(); // starts the unbind; done within milliseconds
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("node {}: cannot unbind the cluster port of an actor system that would not terminate: {}", settings.nodeName(),
                ex.toString());
        }
        closeStateDirectory();
    }

    /**
     * Stops without leaving, as a crashed process would: the others find out through their failure
     * detectors. Returns once the actor system has terminated, or was abandoned after {@link #CRASH_TERMINATE_WAIT}.
     * For tests and chaos only.
     */
    public void crash()
    {
        leaving = true;
        system.terminate();
        if (!terminated.copy().completeOnTimeout(null, CRASH_TERMINATE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
            .handle((done, failure) -> terminated.isDone()).join())
        {
            LOG.warn("node {}: its actor system did not terminate {} s after the crash (akka/akka-core#30326): freeing its port " +
                "and state anyway", settings.nodeName(), CRASH_TERMINATE_WAIT.toSeconds());
            abandon();
        }
    }

    /** Completes when the actor system has stopped (left, crashed or downed) and the state directory is released. */
    public CompletionStage<?> whenTerminated()
    {
        return terminated;
    }

    /** Leaves gracefully and waits (bounded) for the actor system to stop. */
    @Override
    public void close()
    {
        try
        {
            leave().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            LOG.warn("control plane of node {} did not stop cleanly: {}", settings.nodeName(), ex.toString());
        }
    }
}
