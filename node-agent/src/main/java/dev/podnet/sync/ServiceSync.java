package dev.podnet.sync;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;
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
import dev.podnet.policy.PolicyTable;
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
 * kube-proxy's, CoreDNS's and a policy agent's (Calico's Felix) watch loop on one node: turns the
 * Service objects and NetworkPolicies the control plane replicates ({@link ServiceView}), with the pods of
 * the endpoint table ({@link ClusterView}), into what the data plane runs — one compiled
 * {@link ServiceTable} ("Service X now has endpoints {...}"), one {@link DnsZone} and one
 * {@link PolicyTable} ("pod P's ingress rules are ...", for this node's pods) — and has them swapped in
 * through the data plane's command queue, in that order.
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
    /** What of each pod policy depends on, by IP: compared so that a view that only moved clocks compiles nothing. */
    private volatile Map<String, PolicyPod> pods = Map.of();
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

    /** What NetworkPolicy needs of a pod. */
    record PolicyPod(String namespace, String name, String node, Map<String, String> labels, List<PodPortInfo> ports)
    {
    }

    /** A new view of the pods (any thread: handed over at once); only a change policy could see makes a run. */
    public void pods(final ClusterView view)
    {
        if (view == null)
        {
            return;
        }
        final Map<String, PolicyPod> next = new HashMap<>();
        view.endpoints().forEach((ip, pod) -> next.put(ip, new PolicyPod(pod.namespace(), pod.pod(), pod.node(), pod.labels(),
            pod.ports())));
        if (!next.equals(pods))
        {
            pods = next;
            request();
        }
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
        dataPlane.serviceTable().thenCombine(dataPlane.policyTable(), (table, policies) ->
            table.version() == installedVersion && policies.version() == installedVersion).whenComplete((same, failure) ->
        {
            if (failure != null || !same)
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
        final PolicyTable policies;
        try
        {
            table = compileTable(view, settings, version);
            zone = compileZone(view, settings, ++zoneSerial);
            policies = compilePolicies(view, pods, nodeName, settings, version);
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
            .thenCompose(ignored -> dataPlane.installPolicies(policies))
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

    /**
     * The NetworkPolicy table of {@code view} for the pods of {@code node}: peers are chosen among every pod
     * of the cluster and the cluster DNS, which podnet answers on every node and which policies therefore
     * see as CoreDNS is seen in Kubernetes: a pod of {@code kube-system} labelled {@code k8s-app: kube-dns},
     * at the DNS Service's address, serving {@code dns} 53/UDP and {@code dns-tcp} 53/TCP.
     */
    static PolicyTable compilePolicies(final ServiceView view, final Map<String, PolicyPod> pods, final String node,
        final ServiceSettings settings, final long version)
    {
        final List<EndpointInfo> all = new ArrayList<>(pods.size() + 1);
        pods.forEach((ip, pod) -> all.add(new EndpointInfo(ip, 0, pod.node(), pod.name(), 0, 0, 0, null, pod.namespace(),
            pod.labels(), pod.ports(), "", "")));
        all.add(clusterDnsPod(settings));
        return PolicyCompiler.compile(view.policies().values(), view.namespaces(), all, pod -> node.equals(pod.node()), version);
    }

    /**
     * NetworkPolicy for every pod of the cluster at once — the union of every node's table, compiled by the
     * same compiler — for what asks about any pair from one place: {@code policy explain} and the check's
     * {@code denied}.
     */
    public static PolicyTable clusterPolicies(final ServiceView view, final ClusterView cluster, final ServiceSettings settings)
    {
        final List<EndpointInfo> all = new ArrayList<>(cluster == null ? List.of() : cluster.endpoints().values());
        all.add(clusterDnsPod(settings));
        return PolicyCompiler.compile(view.policies().values(), view.namespaces(), all, pod -> !pod.node().isEmpty(), 0);
    }

    /** The cluster DNS as NetworkPolicy peers see it (see {@link #compilePolicies}). */
    static EndpointInfo clusterDnsPod(final ServiceSettings settings)
    {
        return new EndpointInfo(Ipv4Address.format(settings.dnsIp()), 0, "", "coredns", 0, 0, 0, null, ServiceRegistry.DNS_NAMESPACE,
            Map.of("k8s-app", "kube-dns"), List.of(new PodPortInfo("dns", 53, "UDP"), new PodPortInfo("dns-tcp", 53, "TCP")), "", "");
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
