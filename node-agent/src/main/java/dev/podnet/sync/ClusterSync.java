package dev.podnet.sync;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.Route;
import dev.podnet.dataplane.TableChange;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The sync layer: makes the data plane's route and endpoint tables what the control plane wants. It
 * never touches data-plane tables: every change goes through the data plane's one ordered command
 * queue ({@link DataPlaneProxy#apply}), and counts as installed only once the data plane says so.
 * <p>
 * Level-triggered, as kube-proxy's and flannel's sync loops are:
 * <ul>
 *   <li><b>Wanted</b>: from the newest {@link ClusterView}, the leases of other routable members
 *       (routes) and their pods inside those leases (endpoints). Views only replace what is wanted;
 *       several views that arrive while the data plane is busy are one change.</li>
 *   <li><b>Installed</b>: what the data plane confirmed, change by change: a change it refuses (an
 *       overlapping route, say) or a command it never took (its queue full) is simply still a
 *       difference.</li>
 *   <li><b>A pass</b> compares the two and sends the differences as one command of at most
 *       {@value #BATCH} changes, in this order: endpoint removals, route removals, routes, endpoints.
 *       One command is with the data plane at a time, and every pass starts from what it confirmed,
 *       so an add never overtakes the delete before it, whatever was refused on the way. A full
 *       queue is retried after a back-off (1 ms doubling to 100 ms); a refused change after
 *       {@value #REFUSED_RETRY_MS} ms.</li>
 *   <li><b>Full resync</b> every {@link SyncSettings#resyncInterval()}: the data plane's tables are read
 *       back and replace what this layer believed installed; any difference found is repaired by the
 *       next pass (and logged).</li>
 * </ul>
 * A member that becomes unreachable stops being routable, so its route goes at once (its pods'
 * traffic is answered with ICMP net unreachable instead of vanishing); its lease stays reserved and the
 * route comes back when it is reachable again.
 * <p>
 * Threading: views arrive on an actor thread and only replace a reference; every pass, completion and
 * resync runs on this layer's own thread ({@code podnet-sync-NODE}), which owns the state below. Per
 * node: two maps the size of the cluster's routes and endpoints; nothing here is per frame.
 */
public final class ClusterSync implements Consumer<ClusterView>, AutoCloseable
{
    /** Changes per command: bounds how long one command holds the data plane's duty cycle. */
    static final int BATCH = 512;
    static final long REFUSED_RETRY_MS = 1_000;
    private static final long BACKOFF_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long BACKOFF_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSync.class);

    private final SyncSettings settings;
    private final AtomicReference<ClusterView> latest = new AtomicReference<>();
    private final AtomicBoolean passScheduled = new AtomicBoolean();
    private final AtomicLong routesWithdrawn = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    private final PropagationLag propagationLag = new PropagationLag();
    private volatile ClusterView applied;
    private volatile int pending;
    /** Pods published before this node attached are not propagation: they were there before it. */
    private volatile long attachedAtMs = Long.MAX_VALUE;
    private volatile Observer observer = Observer.NONE;
    private volatile Consumer<ClusterView> viewListener = view -> { };
    private volatile ScheduledExecutorService executor;
    private volatile boolean closed;

    // owned by the sync thread
    private DataPlaneProxy proxy;
    private ClusterView wantedFrom;
    private Map<String, LeaseInfo> wantedRoutes = Map.of();
    private Map<String, EndpointInfo> wantedEndpoints = Map.of();
    private final Map<String, LeaseInfo> installedRoutes = new HashMap<>();
    private final Map<String, EndpointInfo> installedEndpoints = new HashMap<>();
    /** Keys ({@code route CIDR}, {@code endpoint IP}) whose last change was refused, with the reason (logged once). */
    private final Map<String, String> refused = new HashMap<>();
    /** Refused keys not tried again before {@link #refusedRetryAt}. */
    private final Set<String> heldBack = new HashSet<>();
    private long refusedRetryAt;
    /** Keys a refusal, a full queue or a resync showed wrong: installing them counts as a repair. */
    private final Set<String> repairing = new HashSet<>();
    /** A command or a resync read is with the data plane. */
    private boolean busy;
    private boolean resyncWanted;
    private long backoffNanos = BACKOFF_MIN_NANOS;
    /** Since the data plane last had everything: commands sent (taken or not), changes in them, and when the first went. */
    private int catchUpCommands;
    private int catchUpNotTaken;
    private long catchUpChanges;
    private long catchUpSince;

    /** Sees the data-plane changes the sync layer makes, when the data plane confirms them (benchmarks, metrics). */
    public interface Observer
    {
        Observer NONE = new Observer()
        {
        };

        /** A remote pod became routable from this node. */
        default void endpointInstalled(final String ip, final long nanoTime)
        {
        }

        /** The route to another node's CIDR was withdrawn on this node. */
        default void routeWithdrawn(final String cidr, final long nanoTime)
        {
        }
    }

    public ClusterSync()
    {
        this(SyncSettings.defaults());
    }

    public ClusterSync(final SyncSettings settings)
    {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public void observer(final Observer observer)
    {
        this.observer = observer == null ? Observer.NONE : observer;
    }

    /** A new view from the control plane (any thread; never blocks). */
    @Override
    public void accept(final ClusterView view)
    {
        latest.set(view);
        schedulePass();
        viewListener.accept(view);
    }

    /** Who else gets every view (the Service sync, for the pods NetworkPolicy selects); it must hand over, not block. */
    public void viewListener(final Consumer<ClusterView> listener)
    {
        viewListener = listener == null ? view -> { } : listener;
    }

    /**
     * Connects the data plane (once the node's lease is known): from here on its tables follow the views,
     * and are read back every {@link SyncSettings#resyncInterval()}.
     */
    public void attach(final DataPlaneProxy dataPlane)
    {
        final String node = dataPlane.config().nodeName();
        final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread t = new Thread(runnable, "podnet-sync-" + node);
            t.setDaemon(true);
            return t;
        });
        thread.execute(() -> proxy = dataPlane);
        final long interval = settings.resyncInterval().toNanos();
        thread.scheduleWithFixedDelay(this::resync, interval, interval, TimeUnit.NANOSECONDS);
        attachedAtMs = System.currentTimeMillis();
        executor = thread;
        schedulePass();
    }

    /** The newest view from the control plane, applied or not yet, or null. */
    public ClusterView latest()
    {
        return latest.get();
    }

    /** The newest view whose routes and endpoints the data plane has all installed (for status pages), or null. */
    public ClusterView applied()
    {
        return applied;
    }

    /** Routes withdrawn so far (members that became unreachable or left). */
    public long routesWithdrawn()
    {
        return routesWithdrawn.get();
    }

    /** Routes and endpoints that differ between the newest view and the data plane, as of the last pass. */
    public int pendingChanges()
    {
        return pending;
    }

    /** Full resyncs done: the data plane's tables read back and compared. */
    public long resyncs()
    {
        return resyncs.get();
    }

    /** Changes installed after a refusal, a full command queue or a resync had shown them missing or wrong. */
    public long repairs()
    {
        return repairs.get();
    }

    /** From a pod's publication on its node to its endpoint installed here. */
    public PropagationLag propagationLag()
    {
        return propagationLag;
    }

    /** Stops the sync thread; the data plane keeps what it has. */
    @Override
    public void close()
    {
        closed = true;
        final ScheduledExecutorService thread = executor;
        if (thread != null)
        {
            thread.shutdownNow();
        }
    }

    private void schedulePass()
    {
        final ScheduledExecutorService thread = executor;
        if (thread != null && !closed && passScheduled.compareAndSet(false, true))
        {
            execute(thread, () ->
            {
                passScheduled.set(false);
                pass();
            });
        }
    }

    private void later(final Runnable task, final long delayNanos)
    {
        final ScheduledExecutorService thread = executor;
        if (!closed && thread != null)
        {
            try
            {
                thread.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // closed meanwhile
            }
        }
    }

    private static void execute(final ScheduledExecutorService thread, final Runnable task)
    {
        try
        {
            thread.execute(task);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed meanwhile
        }
    }

    // ---------------------------------------------------------------- the sync thread

    private void pass()
    {
        if (closed || busy || proxy == null)
        {
            return;
        }
        if (resyncWanted)
        {
            resync();
            return;
        }
        final ClusterView view = latest.get();
        if (view == null)
        {
            return;
        }
        if (view != wantedFrom)
        {
            wanted(view);
        }
        if (!heldBack.isEmpty() && System.nanoTime() - refusedRetryAt >= 0)
        {
            heldBack.clear();
        }

        final Batch batch = new Batch();
        int differences = 0;
        for (final EndpointInfo endpoint : installedEndpoints.values())
        {
            if (!wantedEndpoints.containsKey(endpoint.ip()))
            {
                differences++;
                batch.add(endpointKey(endpoint.ip()), new TableChange.RemoveEndpoint(Ipv4Address.parse(endpoint.ip())), endpoint);
            }
        }
        for (final LeaseInfo route : installedRoutes.values())
        {
            final LeaseInfo wanted = wantedRoutes.get(route.cidr());
            if (wanted == null || !sameRoute(wanted, route))
            {
                differences++;
                if (wanted == null)
                {
                    batch.add(routeKey(route.cidr()), new TableChange.RemoveRoute(Ipv4Cidr.parse(route.cidr())), route);
                }
            }
        }
        for (final LeaseInfo lease : wantedRoutes.values())
        {
            final LeaseInfo installed = installedRoutes.get(lease.cidr());
            if (installed == null)
            {
                differences++;
            }
            if (installed == null || !sameRoute(lease, installed))
            {
                batch.add(routeKey(lease.cidr()),
                    new TableChange.PutRoute(lease.node(), Ipv4Cidr.parse(lease.cidr()), lease.tunnelHost(), lease.tunnelPort()), lease);
            }
        }
        for (final EndpointInfo endpoint : wantedEndpoints.values())
        {
            final EndpointInfo installed = installedEndpoints.get(endpoint.ip());
            if (installed == null || !sameEndpoint(endpoint, installed))
            {
                differences++;
                batch.add(endpointKey(endpoint.ip()), new TableChange.PutEndpoint(new Endpoint(
                    Ipv4Address.parse(endpoint.ip()), endpoint.mac(), endpoint.node(), endpoint.pod())), endpoint);
            }
        }
        pending = differences;
        if (batch.changes.isEmpty())
        {
            if (differences == 0)
            {
                applied = view;
                caughtUp();
            }
            return;
        }
        if (catchUpCommands++ == 0)
        {
            catchUpSince = System.nanoTime();
        }
        busy = true;
        final DataPlaneProxy dataPlane = proxy;
        dataPlane.apply(batch.changes).whenCompleteAsync((refusals, failure) -> applied(batch, refusals, failure), executor);
    }

    /** Everything wanted is installed: a catch-up larger than one batch (a join, a burst) is logged with what it took. */
    private void caughtUp()
    {
        if (catchUpChanges > BATCH)
        {
            LOG.info("sync: caught up: {} changes installed by {} commands ({} more not taken: queue full) over {} ms",
                catchUpChanges, catchUpCommands - catchUpNotTaken, catchUpNotTaken,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - catchUpSince));
        }
        catchUpCommands = 0;
        catchUpNotTaken = 0;
        catchUpChanges = 0;
    }

    /** What the newest view wants: routes to other routable members' leases, endpoints of their pods. */
    private void wanted(final ClusterView view)
    {
        final Map<String, LeaseInfo> routes = new HashMap<>();
        for (final LeaseInfo lease : view.routableLeases())
        {
            routes.put(lease.cidr(), lease);
        }
        final Map<String, EndpointInfo> endpoints = new HashMap<>();
        for (final EndpointInfo endpoint : view.routableEndpoints())
        {
            endpoints.put(endpoint.ip(), endpoint);
        }
        wantedRoutes = routes;
        wantedEndpoints = endpoints;
        wantedFrom = view;
    }

    private void applied(final Batch batch, final List<TableChange.Refused> refusals, final Throwable failure)
    {
        busy = false;
        if (failure != null)
        {
            // the command was not taken (queue full) or the data plane stopped: nothing of it is installed
            catchUpNotTaken++;
            batch.keys.forEach(repairing::add);
            LOG.debug("sync: the data plane did not take {} changes ({}); again in {} us", batch.changes.size(),
                failure.getMessage(), TimeUnit.NANOSECONDS.toMicros(backoffNanos));
            later(this::pass, backoffNanos);
            backoffNanos = Math.min(BACKOFF_MAX_NANOS, backoffNanos * 2);
            return;
        }
        backoffNanos = BACKOFF_MIN_NANOS;
        catchUpChanges += batch.changes.size() - refusals.size();
        final Map<Integer, String> refusedAt = new HashMap<>();
        for (final TableChange.Refused refusal : refusals)
        {
            refusedAt.put(refusal.index(), refusal.reason());
        }
        for (int i = 0; i < batch.changes.size(); i++)
        {
            final String key = batch.keys.get(i);
            final String reason = refusedAt.get(i);
            if (reason != null)
            {
                if (heldBack.isEmpty())
                {
                    refusedRetryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSED_RETRY_MS);
                    later(this::pass, TimeUnit.MILLISECONDS.toNanos(REFUSED_RETRY_MS));
                }
                if (!reason.equals(refused.put(key, reason)))
                {
                    LOG.warn("sync: the data plane refused to {} ({}); trying again every {} ms", describe(batch.changes.get(i)),
                        reason, REFUSED_RETRY_MS);
                }
                heldBack.add(key);
                repairing.add(key);
                continue;
            }
            installed(batch.changes.get(i), batch.values.get(i));
            refused.remove(key);
            if (repairing.remove(key))
            {
                repairs.incrementAndGet();
            }
        }
        pass();
    }

    /** Records one change the data plane confirmed. */
    private void installed(final TableChange change, final Object value)
    {
        final long nanoTime = System.nanoTime();
        if (change instanceof TableChange.PutRoute)
        {
            final LeaseInfo lease = (LeaseInfo)value;
            installedRoutes.put(lease.cidr(), lease);
            LOG.info("route {} via node {} at udp {}:{}", lease.cidr(), lease.node(), lease.tunnelHost(), lease.tunnelPort());
        }
        else if (change instanceof TableChange.RemoveRoute)
        {
            final LeaseInfo route = (LeaseInfo)value;
            installedRoutes.remove(route.cidr());
            routesWithdrawn.incrementAndGet();
            LOG.info("route {} via node {} withdrawn: {}", route.cidr(), route.node(), why(wantedFrom, route.node()));
            observer.routeWithdrawn(route.cidr(), nanoTime);
        }
        else if (change instanceof TableChange.PutEndpoint)
        {
            final EndpointInfo endpoint = (EndpointInfo)value;
            final EndpointInfo before = installedEndpoints.put(endpoint.ip(), endpoint);
            observer.endpointInstalled(endpoint.ip(), nanoTime);
            if (endpoint.publishedAt() >= attachedAtMs && (before == null || before.publishedAt() != endpoint.publishedAt()))
            {
                propagationLag.record(System.currentTimeMillis() - endpoint.publishedAt());
            }
        }
        else
        {
            installedEndpoints.remove(((EndpointInfo)value).ip());
        }
    }

    /**
     * Reads the data plane's tables back and believes them: whatever differs from what this layer thought
     * installed (it should not) is logged and repaired by the pass that follows.
     */
    private void resync()
    {
        if (closed || proxy == null)
        {
            return;
        }
        if (busy)
        {
            resyncWanted = true;
            return;
        }
        resyncWanted = false;
        busy = true;
        final DataPlaneProxy dataPlane = proxy;
        dataPlane.routes()
            .thenCompose(routes -> dataPlane.endpoints().thenApply(endpoints -> new Tables(routes, endpoints)))
            .whenCompleteAsync(this::resynced, executor);
    }

    private record Tables(List<Route> routes, List<Endpoint> endpoints)
    {
    }

    private void resynced(final Tables tables, final Throwable failure)
    {
        busy = false;
        if (failure != null)
        {
            resyncWanted = true;
            later(this::pass, backoffNanos);
            backoffNanos = Math.min(BACKOFF_MAX_NANOS, backoffNanos * 2);
            return;
        }
        final Map<String, LeaseInfo> routes = new HashMap<>();
        for (final Route route : tables.routes())
        {
            routes.put(route.cidr().toString(),
                new LeaseInfo(route.node(), route.cidr().toString(), route.host(), route.port(), 0, 0, 0));
        }
        final Ipv4Cidr own = proxy.config().podCidr();
        final Map<String, EndpointInfo> endpoints = new HashMap<>();
        for (final Endpoint endpoint : tables.endpoints())
        {
            if (!own.contains(endpoint.ip()))
            {
                final String ip = Ipv4Address.format(endpoint.ip());
                final EndpointInfo believed = installedEndpoints.get(ip);
                final long publishedAt = believed == null ? 0 : believed.publishedAt();
                endpoints.put(ip, new EndpointInfo(ip, endpoint.mac(), endpoint.node(), endpoint.pod(), 0, 0, publishedAt));
            }
        }
        final List<String> drift = new ArrayList<>();
        compare(installedRoutes, routes, ClusterSync::sameRoute, ClusterSync::routeKey, drift);
        compare(installedEndpoints, endpoints, ClusterSync::sameEndpoint, ClusterSync::endpointKey, drift);
        installedRoutes.clear();
        installedRoutes.putAll(routes);
        installedEndpoints.clear();
        installedEndpoints.putAll(endpoints);
        resyncs.incrementAndGet();
        if (!drift.isEmpty())
        {
            repairing.addAll(drift);
            LOG.warn("sync: resync found {} table entries other than installed ({}{}): repairing", drift.size(),
                String.join(", ", drift.subList(0, Math.min(5, drift.size()))), drift.size() > 5 ? ", ..." : "");
        }
        pass();
    }

    private static <V> void compare(final Map<String, V> believed, final Map<String, V> actual,
        final java.util.function.BiPredicate<V, V> same, final java.util.function.UnaryOperator<String> key, final List<String> drift)
    {
        for (final Map.Entry<String, V> entry : believed.entrySet())
        {
            final V now = actual.get(entry.getKey());
            if (now == null || !same.test(entry.getValue(), now))
            {
                drift.add(key.apply(entry.getKey()));
            }
        }
        for (final String name : actual.keySet())
        {
            if (!believed.containsKey(name))
            {
                drift.add(key.apply(name));
            }
        }
    }

    /** One command's changes, with the key and wanted (or removed) value of each. */
    private final class Batch
    {
        final List<TableChange> changes = new ArrayList<>();
        final List<String> keys = new ArrayList<>();
        final List<Object> values = new ArrayList<>();

        void add(final String key, final TableChange change, final Object value)
        {
            if (changes.size() >= BATCH || heldBack.contains(key))
            {
                return;
            }
            changes.add(change);
            keys.add(key);
            values.add(value);
        }
    }

    private static String routeKey(final String cidr)
    {
        return "route " + cidr;
    }

    private static String endpointKey(final String ip)
    {
        return "endpoint " + ip;
    }

    private static String describe(final TableChange change)
    {
        if (change instanceof TableChange.PutRoute put)
        {
            return "route " + put.cidr() + " via node " + put.node();
        }
        if (change instanceof TableChange.RemoveRoute remove)
        {
            return "withdraw route " + remove.cidr();
        }
        if (change instanceof TableChange.PutEndpoint put)
        {
            return "install endpoint " + Ipv4Address.format(put.endpoint().ip()) + " of pod " + put.endpoint().pod();
        }
        return "remove endpoint " + Ipv4Address.format(((TableChange.RemoveEndpoint)change).ip());
    }

    private static String why(final ClusterView view, final String node)
    {
        final var member = view == null ? null : view.members().get(node);
        if (member == null)
        {
            return "it left the cluster";
        }
        return member.reachable() ? "it is " + member.status() : "it is unreachable";
    }

    private static boolean sameRoute(final LeaseInfo a, final LeaseInfo b)
    {
        return a.node().equals(b.node()) && a.tunnelHost().equals(b.tunnelHost()) && a.tunnelPort() == b.tunnelPort();
    }

    private static boolean sameEndpoint(final EndpointInfo a, final EndpointInfo b)
    {
        return a.mac() == b.mac() && a.node().equals(b.node()) && a.pod().equals(b.pod());
    }
}
