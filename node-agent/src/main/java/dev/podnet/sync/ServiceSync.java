package dev.podnet.sync;

import dev.podnet.controlplane.services.EndpointAddressInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.ServiceEndpointsInfo;
import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.controlplane.services.ServiceRegistry;
import dev.podnet.controlplane.services.ServiceView;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.ServiceSettings;
import dev.podnet.dns.DnsZone;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.service.ServiceTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * kube-proxy's and CoreDNS's watch loop on one node: turns the Service objects the control plane
 * replicates ({@link ServiceView}) into what the data plane runs — one compiled {@link ServiceTable}
 * ("Service X now has endpoints {...}") and one {@link DnsZone} — and has it swapped in through the
 * data plane's command queue.
 * <p>
 * Level-triggered, as kube-proxy's sync loop and the rest of this sync layer ({@link ClusterSync}): each
 * run compiles everything from the newest view (never a diff: a Service table is swapped whole, as
 * kube-proxy writes its rules in one {@code iptables-restore}), so a run that fails (full command
 * queue, a stopped data plane) is simply run again, a second after; views that arrive during a run are
 * folded into one more run after it. Every {@link SyncSettings#resyncInterval()} the data plane's table
 * is read back: one that is not the version last confirmed is programmed again (counted as a repair).
 * A run is done when the data plane confirmed both swaps.
 * <p>
 * Network programming latency (kube-proxy's {@code network_programming_duration_seconds}): for each
 * endpoints version this node programs for the first time, the time from the change that caused it
 * (its {@code changedAt}) to the data plane's confirmation.
 */
public final class ServiceSync implements Consumer<ServiceView>, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ServiceSync.class);

    private final String nodeName;
    private final ServiceSettings settings;
    private final ScheduledExecutorService executor;
    private final PropagationLag programmingLatency = new PropagationLag();
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong flushed = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    /** Endpoints versions programmed here: namespace/name to changedAt. Executor thread only. */
    private final Map<String, Long> programmed = new HashMap<>();
    private volatile ServiceView latest = ServiceView.EMPTY;
    private volatile DataPlaneProxy proxy;
    private volatile long attachedAtMs = Long.MAX_VALUE;
    private volatile long installedVersion;
    private long wantedVersion;
    private long zoneSerial = System.currentTimeMillis() / 1000;
    private boolean running;
    private boolean again;

    public ServiceSync(final String nodeName, final ServiceSettings settings)
    {
        this(nodeName, settings, SyncSettings.defaults());
    }

    public ServiceSync(final String nodeName, final ServiceSettings settings, final SyncSettings sync)
    {
        this.nodeName = nodeName;
        this.settings = settings;
        this.executor = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "podnet-service-sync-" + nodeName);
            thread.setDaemon(true);
            return thread;
        });
        final long interval = sync.resyncInterval().toNanos();
        executor.scheduleWithFixedDelay(this::resync, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** A new view from the control plane (an actor thread: handed over at once). */
    @Override
    public void accept(final ServiceView view)
    {
        latest = view;
        request();
    }

    /** Connects the data plane: the newest view is programmed from now on. */
    public void attach(final DataPlaneProxy dataPlane)
    {
        attachedAtMs = System.currentTimeMillis();
        proxy = dataPlane;
        request();
    }

    public ServiceView latest()
    {
        return latest;
    }

    /** From an endpoints change to "programmed here". */
    public PropagationLag programmingLatency()
    {
        return programmingLatency;
    }

    public long runs()
    {
        return runs.get();
    }

    public long failures()
    {
        return failures.get();
    }

    /** Runs that a resync found needed: the data plane did not run the table last confirmed. */
    public long repairs()
    {
        return repairs.get();
    }

    /** Stale UDP connections flushed because their endpoint went away. */
    public long flushed()
    {
        return flushed.get();
    }

    /** Whether the data plane runs what the newest view says. */
    public boolean converged()
    {
        return executorCall(() -> !running && !again && installedVersion == wantedVersion);
    }

    private boolean executorCall(final java.util.concurrent.Callable<Boolean> check)
    {
        try
        {
            return executor.submit(check).get(5, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    /** Executor thread: reads the data plane's table back; programs it again when it is not the one confirmed. */
    private void resync()
    {
        final DataPlaneProxy dataPlane = proxy;
        if (dataPlane == null || running)
        {
            return;
        }
        dataPlane.serviceTable().whenComplete((table, failure) ->
        {
            if (failure != null || table.version() != installedVersion)
            {
                request(repairs::incrementAndGet);
            }
        });
    }

    private void request(final Runnable beforeRun)
    {
        try
        {
            executor.execute(() ->
            {
                if (beforeRun != null)
                {
                    beforeRun.run();
                }
                runOrQueue();
            });
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed
        }
    }

    private void request()
    {
        try
        {
            executor.execute(this::runOrQueue);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed
        }
    }

    /** Executor thread: one run at a time; what comes meanwhile makes one more. */
    private void runOrQueue()
    {
        wantedVersion++;
        if (running)
        {
            again = true;
            return;
        }
        final DataPlaneProxy dataPlane = proxy;
        if (dataPlane == null)
        {
            return;
        }
        running = true;
        final long version = wantedVersion;
        final ServiceView view = latest;
        final ServiceTable table;
        final DnsZone zone;
        try
        {
            table = compileTable(view, settings, version);
            zone = compileZone(view, settings, ++zoneSerial);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("node {}: cannot compile the Service tables (a bug): {}", nodeName, ex.toString(), ex);
            running = false;
            return;
        }
        dataPlane.installServices(table)
            .thenCompose(removed ->
            {
                flushed.addAndGet(removed);
                return dataPlane.installDnsZone(zone);
            })
            .whenComplete((ignored, failure) -> executor.execute(() -> finished(version, view, failure)));
    }

    private void finished(final long version, final ServiceView view, final Throwable failure)
    {
        running = false;
        runs.incrementAndGet();
        if (failure != null)
        {
            failures.incrementAndGet();
            LOG.warn("node {}: programming Services failed ({}); again in 1 s", nodeName, failure.getMessage());
            executor.schedule(this::runOrQueue, 1, TimeUnit.SECONDS);
            return;
        }
        installedVersion = version;
        recordLatency(view);
        if (again)
        {
            again = false;
            runOrQueue();
        }
    }

    private void recordLatency(final ServiceView view)
    {
        final long now = System.currentTimeMillis();
        for (final ServiceEndpointsInfo endpoints : view.endpoints().values())
        {
            final Long before = programmed.put(endpoints.key(), endpoints.changedAt());
            if ((before == null || before != endpoints.changedAt()) && endpoints.changedAt() >= attachedAtMs)
            {
                programmingLatency.record(now - endpoints.changedAt());
            }
        }
        programmed.keySet().retainAll(view.endpoints().keySet());
    }

    /**
     * The Service table of {@code view}: a frontend per port of each Service with a ClusterIP, its
     * endpoints those ready addresses that serve that port. The cluster DNS Service is left out: every
     * node answers its address itself.
     */
    public static ServiceTable compileTable(final ServiceView view, final ServiceSettings settings, final long version)
    {
        final List<ServiceTable.Frontend> frontends = new ArrayList<>();
        long changedAt = 0;
        for (final ServiceInfo service : view.services().values())
        {
            if (service.headless() || service.clusterIp().isEmpty() || isClusterDns(service))
            {
                continue;
            }
            final ServiceEndpointsInfo endpoints = view.endpoints().get(service.key());
            final List<EndpointAddressInfo> addresses = endpoints == null ? List.of() : endpoints.addresses();
            if (endpoints != null)
            {
                changedAt = Math.max(changedAt, endpoints.changedAt());
            }
            final int clusterIp = Ipv4Address.parse(service.clusterIp());
            final long affinity = ServiceInfo.AFFINITY_CLIENT_IP.equals(service.sessionAffinity()) ?
                TimeUnit.SECONDS.toNanos(service.affinityTimeoutSeconds()) : 0;
            for (int i = 0; i < service.ports().size(); i++)
            {
                final ServicePortInfo port = service.ports().get(i);
                final int protocol = ServiceTable.protocolNumber(port.protocol());
                if (protocol < 0)
                {
                    continue;
                }
                final List<Integer> ips = new ArrayList<>();
                final List<Integer> targets = new ArrayList<>();
                for (final EndpointAddressInfo address : addresses)
                {
                    final int target = i < address.targetPorts().size() ? address.targetPorts().get(i) : 0;
                    if (target != 0)
                    {
                        ips.add(Ipv4Address.parse(address.ip()));
                        targets.add(target);
                    }
                }
                frontends.add(new ServiceTable.Frontend(
                    service.key() + ":" + (port.name().isEmpty() ? Integer.toString(port.port()) : port.name()),
                    clusterIp, protocol, port.port(), port.nodePort(),
                    ips.stream().mapToInt(Integer::intValue).toArray(), targets.stream().mapToInt(Integer::intValue).toArray(), affinity));
            }
        }
        return ServiceTable.of(settings.serviceCidr(), frontends, version, changedAt);
    }

    /** The DNS zone of {@code view}: every namespace, every Service with its ready endpoints. */
    public static DnsZone compileZone(final ServiceView view, final ServiceSettings settings, final long serial)
    {
        final DnsZone.Builder zone = DnsZone.builder(settings.clusterDomain(), settings.dnsIp());
        for (final NamespaceInfo namespace : view.namespaces().values())
        {
            zone.namespace(namespace.name());
        }
        for (final ServiceInfo service : view.services().values())
        {
            if (service.clusterIp().isEmpty())
            {
                continue;
            }
            final List<DnsZone.Builder.Port> ports = new ArrayList<>();
            for (final ServicePortInfo port : service.ports())
            {
                ports.add(new DnsZone.Builder.Port(port.name(), port.protocol(), port.port()));
            }
            zone.service(service.namespace(), service.name(), service.headless() ? 0 : Ipv4Address.parse(service.clusterIp()), ports);
            final ServiceEndpointsInfo endpoints = view.endpoints().get(service.key());
            if (endpoints != null)
            {
                for (final EndpointAddressInfo address : endpoints.addresses())
                {
                    zone.endpoint(service.namespace(), service.name(), Ipv4Address.parse(address.ip()), address.hostname());
                }
            }
        }
        return zone.build(serial);
    }

    static boolean isClusterDns(final ServiceInfo service)
    {
        return ServiceRegistry.DNS_NAMESPACE.equals(service.namespace()) && ServiceRegistry.DNS_SERVICE.equals(service.name());
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
