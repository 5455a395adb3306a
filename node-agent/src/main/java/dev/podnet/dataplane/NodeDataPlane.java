package dev.podnet.dataplane;

import dev.podnet.conntrack.ConntrackEntry;
import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.dns.DnsZone;
import dev.podnet.dns.ResolvConf;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.FrameSink;
import dev.podnet.pod.Pod;
import dev.podnet.pod.RateLimiter;
import dev.podnet.service.ServiceStage;
import dev.podnet.service.ServiceTable;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.ByteOrder;

/**
 * One node's data plane: the bridge, its gateway/router, the pods attached to it and the frames in
 * flight between them, run as a single-threaded Agrona {@link Agent}.
 * <p>
 * Each duty cycle, in this order:
 * <ol>
 *   <li>drains the command queue (pod create/delete, tools, table reads) — the only way other threads
 *       reach the data plane, so commands apply in the order they were sent;</li>
 *   <li>runs timers (ARP, ping schedules, call timeouts, a slice of connection-tracking expiry) at most
 *       once per millisecond, and bridge ageing once per second;</li>
 *   <li>switches up to {@value #FRAMES_PER_CYCLE} queued frames through the bridge; whatever the
 *       receivers send back is queued behind them.</li>
 * </ol>
 * Forwarding a frame allocates nothing and takes no lock. The router runs the Service stage
 * (kube-proxy) and answers cluster DNS for this node's pods; the bridge hands pod-to-pod IPv4 to the
 * same stage ({@code br_netfilter}), so replies of same-node endpoints are translated back.
 */
public final class NodeDataPlane implements Agent
{
    static final int FRAMES_PER_CYCLE = 256;
    private static final int COMMANDS_PER_CYCLE = 64;
    private static final long TIMER_INTERVAL_NANOS = 1_000_000L;
    private static final long AGEING_INTERVAL_NANOS = 1_000_000_000L;
    /** The gateway's MAC: locally administered {@code 0a:58:} + the gateway address, like the pods'. */
    private static final int GATEWAY_PORT = 0;

    private final NodeConfig config;
    private final NanoClock clock;
    private final DropCounters drops;
    private final FrameQueue frames;
    private final Bridge bridge;
    private final Router router;
    private final HostLocalIpam ipam;
    private final Long2LongHashMap localEndpoints = new Long2LongHashMap(-1L);
    private final Map<String, PodPort> podsByName = new LinkedHashMap<>();
    private final Int2ObjectHashMap<PodPort> podsByPort = new Int2ObjectHashMap<>();
    private final RouteTable routes = new RouteTable();
    private final Overlay overlay;
    private final ServiceStage services;
    private final ClusterDns dns;
    private final Ipv4Flyweight bridgedIpv4 = new Ipv4Flyweight();
    private final ManyToOneConcurrentArrayQueue<Command<?>> commands;
    private PodPort[] podList = new PodPort[0];
    private int nextPortId = GATEWAY_PORT + 1;
    private java.util.function.Consumer<List<PodInfo>> podListener;
    private long nextTimerAt;
    private long nextAgeingAt;

    /** One pod's port on the bridge, and its transmit side into the frame queue. */
    private final class PodPort implements BridgePort, FrameSink
    {
        private final int id;
        private final Pod pod;
        private final String portName;
        private PodSpec spec;

        PodPort(final int id, final PodSpec spec, final int ip)
        {
            this.id = id;
            this.spec = spec;
            this.pod = new Pod(spec.namespace(), spec.name(), ip, config.podCidr(), config.pod(), this, drops,
                ResolvConf.forPod(config.services().dnsIp(), spec.namespace(), config.services().clusterDomain()));
            // a pod of default is named as before; another namespace's pod may share its name, so its key names it
            this.portName = PodSpec.DEFAULT_NAMESPACE.equals(spec.namespace()) ? spec.name() : spec.key();
        }

        @Override
        public int id()
        {
            return id;
        }

        @Override
        public String name()
        {
            return portName;
        }

        @Override
        public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
        {
            pod.onFrame(buffer, offset, length, nowNanos);
        }

        @Override
        public MutableDirectBuffer claim()
        {
            return frames.claim();
        }

        @Override
        public void commit(final int length)
        {
            frames.commit(length, id);
        }

        @Override
        public boolean congested()
        {
            return router.tunnelCongested();
        }

        /**
         * Anti-spoofing on the pod's port (what Cilium and Calico enforce on a pod's veth): the frame's
         * source MAC, and its sender IPv4 address for IPv4 and ARP, must be the pod's own.
         */
        boolean admits(final MutableDirectBuffer buffer, final int length)
        {
            if (length < EthernetFlyweight.HEADER_LENGTH)
            {
                return true; // the bridge counts it as truncated
            }
            if (MacAddress.getMac(buffer, EthernetFlyweight.SOURCE_OFFSET) != pod.mac())
            {
                return false;
            }
            final int etherType = buffer.getShort(EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int l3 = EthernetFlyweight.HEADER_LENGTH;
            if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4 && length >= l3 + 20)
            {
                return buffer.getInt(l3 + 12, ByteOrder.BIG_ENDIAN) == pod.ip();
            }
            if (etherType == EthernetFlyweight.ETHER_TYPE_ARP && length >= l3 + 28)
            {
                return MacAddress.getMac(buffer, l3 + 8) == pod.mac() && buffer.getInt(l3 + 14, ByteOrder.BIG_ENDIAN) == pod.ip();
            }
            return true;
        }
    }

    /** The gateway's transmit side. */
    private final class GatewaySink implements FrameSink
    {
        @Override
        public MutableDirectBuffer claim()
        {
            return frames.claim();
        }

        @Override
        public void commit(final int length)
        {
            frames.commit(length, GATEWAY_PORT);
        }
    }

    public NodeDataPlane(final NodeConfig config, final NanoClock clock)
    {
        this(config, clock, new DropCounters(), null);
    }

    /**
     * @param drops   the node's drop counters (shared with its overlay)
     * @param overlay the tunnel to other nodes, or {@code null} for a node on its own; the data plane
     *                drives it from its duty cycle and closes it when it stops
     */
    public NodeDataPlane(final NodeConfig config, final NanoClock clock, final DropCounters drops, final Overlay overlay)
    {
        if (overlay != null && config.pod().mtu() > overlay.innerMtu())
        {
            throw new IllegalArgumentException("pod MTU " + config.pod().mtu() + " (PODNET_POD_MTU) is larger than the " +
                overlay.innerMtu() + " bytes the tunnel carries in one datagram: lower the pod MTU or raise the underlay MTU " +
                "(PODNET_UNDERLAY_MTU); see docs/MTU.md");
        }
        this.config = config;
        this.drops = drops;
        this.overlay = overlay;
        this.clock = clock;
        final int maxFrame = 14 + Math.max(config.pod().mtu(), 1500);
        this.frames = new FrameQueue(config.frameQueue(), maxFrame);
        this.bridge = new Bridge(config.fdbAging().toNanos(), config.fdbMaxEntries(), drops);
        this.ipam = new HostLocalIpam(config.podCidr());
        this.commands = new ManyToOneConcurrentArrayQueue<>(1024);
        final int gatewayIp = config.podCidr().address(1);
        final ServiceSettings serviceSettings = config.services();
        this.services = new ServiceStage(new ConntrackTable(serviceSettings.conntrackMax(), serviceSettings.timeouts()),
            ServiceTable.empty(serviceSettings.serviceCidr()), gatewayIp, config.podCidr().network(), serviceSettings.affinityCapacity());
        this.dns = new ClusterDns(serviceSettings.dnsIp(), serviceSettings.clusterDomain());
        this.router = new Router(
            GATEWAY_PORT, config.podCidr(), MacAddress.podMac(gatewayIp), localEndpoints, routes, new GatewaySink(), drops,
            new RateLimiter(config.pod().icmpErrorsPerSecond(), config.pod().icmpErrorBurst()), services, dns);
        router.overlay(overlay);
        bridge.addPort(router);
        bridge.addPermanent(router.mac(), GATEWAY_PORT);
        bridge.hook(this::onSwitch);
    }

    @Override
    public String roleName()
    {
        return "podnet-dataplane-" + config.nodeName();
    }

    public NodeConfig config()
    {
        return config;
    }

    public DropCounters drops()
    {
        return drops;
    }

    public int gatewayIp()
    {
        return router.ip();
    }

    public long gatewayMac()
    {
        return router.mac();
    }

    @Override
    public int doWork()
    {
        int work = drainCommands();
        final long now = clock.nanoTime();
        if (now >= nextTimerAt)
        {
            nextTimerAt = now + TIMER_INTERVAL_NANOS;
            for (final PodPort port : podList)
            {
                port.pod.onTimer(now);
            }
            services.onTimer(now);
            if (now >= nextAgeingAt)
            {
                nextAgeingAt = now + AGEING_INTERVAL_NANOS;
                bridge.age(now);
            }
        }
        if (overlay != null)
        {
            work += overlay.doWork(now, router);
            router.refreshCongestion();
        }
        for (final PodPort port : podList)
        {
            work += port.pod.pump(now);
        }
        work += switchFrames(now);
        return work;
    }

    @Override
    public void onClose()
    {
        final DataPlaneException stopped = new DataPlaneException(
            DataPlaneException.Kind.UNAVAILABLE, "node " + config.nodeName() + " data plane stopped");
        Command<?> command;
        while ((command = commands.poll()) != null)
        {
            command.result.completeExceptionally(stopped);
        }
        for (final PodPort port : podList)
        {
            port.pod.close();
        }
        if (overlay != null)
        {
            overlay.close();
        }
    }

    private int drainCommands()
    {
        int count = 0;
        Command<?> command;
        while (count < COMMANDS_PER_CYCLE && (command = commands.poll()) != null)
        {
            command.run(this, clock.nanoTime());
            count++;
        }
        return count;
    }

    private int switchFrames(final long now)
    {
        int count = 0;
        while (count < FRAMES_PER_CYCLE && !frames.isEmpty())
        {
            final int ingress = frames.headIngressPort();
            final PodPort pod = ingress == GATEWAY_PORT ? null : podsByPort.get(ingress);
            if (pod != null && !pod.admits(frames.headBuffer(), frames.headLength()))
            {
                drops.increment(DropReason.SPOOFED_SOURCE);
            }
            else
            {
                bridge.forward(ingress, frames.headBuffer(), 0, frames.headLength(), now);
            }
            frames.pop();
            count++;
        }
        return count;
    }

    /**
     * {@code br_netfilter}: an IPv4 frame switched from one pod to another passes connection tracking,
     * so the reply of an endpoint to a client on its own node is translated back although no router
     * sees it.
     */
    private void onSwitch(
        final int ingressPort, final long destinationMac, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        if (ingressPort == GATEWAY_PORT || destinationMac == router.mac() || length < EthernetFlyweight.HEADER_LENGTH + 20 ||
            (buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) !=
                EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            return;
        }
        bridgedIpv4.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH, length - EthernetFlyweight.HEADER_LENGTH);
        if (bridgedIpv4.check() == PacketError.NONE)
        {
            services.bridged(bridgedIpv4, nowNanos);
        }
    }

    // ---------------------------------------------------------------- commands (data-plane thread)

    /** Something another thread asked for, run on the data-plane thread. */
    static final class Command<T>
    {
        @FunctionalInterface
        interface Action<T>
        {
            /** Completes {@code result} now, or keeps it to complete later (ping). */
            void run(NodeDataPlane dataPlane, long nowNanos, java.util.concurrent.CompletableFuture<T> result);
        }

        final java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        private final Action<T> action;

        Command(final Action<T> action)
        {
            this.action = action;
        }

        void run(final NodeDataPlane dataPlane, final long nowNanos)
        {
            try
            {
                action.run(dataPlane, nowNanos, result);
            }
            catch (final RuntimeException ex)
            {
                result.completeExceptionally(ex);
            }
        }
    }

    /** Queues a command; false when the queue is full. Any thread. */
    boolean offer(final Command<?> command)
    {
        return commands.offer(command);
    }

    /** The pod {@code reference} names: {@code ns/name}, or a bare name in {@code default}. */
    Pod pod(final String reference)
    {
        return port(reference).pod;
    }

    private PodPort port(final String reference)
    {
        final PodPort port = podsByName.get(PodSpec.keyOf(reference));
        if (port == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.NOT_FOUND, "no pod '" + reference + "' on node " + config.nodeName());
        }
        return port;
    }

    PodInfo createPod(final String name)
    {
        return createPod(PodSpec.named(name));
    }

    PodInfo createPod(final PodSpec spec)
    {
        NodeConfig.requireDnsLabel(spec.namespace(), "namespace", DataPlaneException.Kind.INVALID);
        if (!NodeConfig.isDnsLabel(spec.name()))
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "pod name '" + spec.name() + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
        if (podsByName.containsKey(spec.key()))
        {
            throw new DataPlaneException(DataPlaneException.Kind.CONFLICT, "pod '" + spec.name() + "' already exists in namespace " +
                spec.namespace() + " on node " + config.nodeName());
        }
        final int ip = ipam.allocate();
        final PodPort port = new PodPort(nextPortId++, spec, ip);
        podsByName.put(spec.key(), port);
        podsByPort.put(port.id, port);
        podList = podsByName.values().toArray(new PodPort[0]);
        localEndpoints.put(ip & 0xFFFFFFFFL, port.pod.mac());
        bridge.addPort(port);
        podsChanged();
        return info(port);
    }

    void skipAddressesUpTo(final int ip)
    {
        ipam.skipPast(ip);
    }

    /** New labels for a pod (what selects it changes; its address does not). */
    PodInfo relabel(final String reference, final java.util.Map<String, String> labels)
    {
        final PodPort port = port(reference);
        port.spec = port.spec.withLabels(labels);
        podsChanged();
        return info(port);
    }

    void deletePod(final String reference)
    {
        final PodPort port = podsByName.remove(PodSpec.keyOf(reference));
        if (port == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.NOT_FOUND, "no pod '" + reference + "' on node " + config.nodeName());
        }
        podList = podsByName.values().toArray(new PodPort[0]);
        podsByPort.remove(port.id);
        bridge.removePort(port.id);
        localEndpoints.remove(port.pod.ip() & 0xFFFFFFFFL);
        ipam.release(port.pod.ip());
        port.pod.close();
        podsChanged();
    }

    /** Who hears about every pod created or deleted (the sync layer publishes them to the cluster). */
    void podListener(final java.util.function.Consumer<List<PodInfo>> listener)
    {
        this.podListener = listener;
        podsChanged();
    }

    private void podsChanged()
    {
        final java.util.function.Consumer<List<PodInfo>> listener = podListener;
        if (listener != null)
        {
            listener.accept(pods());
        }
    }

    List<PodInfo> pods()
    {
        final List<PodInfo> result = new ArrayList<>(podList.length);
        for (final PodPort port : podList)
        {
            result.add(info(port));
        }
        result.sort(Comparator.comparing(PodInfo::namespace).thenComparing(PodInfo::name));
        return result;
    }

    List<ArpEntry> arpTable(final String podName, final long nowNanos)
    {
        final List<ArpEntry> table = pod(podName).arpTable(nowNanos);
        table.sort(Comparator.comparingLong(e -> e.ip() & 0xFFFFFFFFL));
        return table;
    }

    List<FdbEntry> fdb(final long nowNanos)
    {
        final List<FdbEntry> table = bridge.snapshot(nowNanos);
        table.sort(Comparator.comparing(FdbEntry::port).thenComparingLong(FdbEntry::mac));
        return table;
    }

    /**
     * Puts raw bytes on the bridge as if pod {@code podName}'s NIC had sent them: how a misbehaving
     * pod (or a fuzzer) reaches the data plane. Returns false when the queue is full.
     */
    boolean inject(final String podName, final byte[] frame)
    {
        final PodPort port = port(podName);
        if (frame.length == 0 || frame.length > frames.slotCapacity())
        {
            drops.increment(DropReason.FRAME_TOO_LARGE);
            return true;
        }
        final MutableDirectBuffer slot = frames.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return false;
        }
        slot.putBytes(0, frame);
        frames.commit(frame.length, port.id);
        return true;
    }

    void addRoute(final String node, final Ipv4Cidr cidr, final String host, final int port)
    {
        if (overlay == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, "node " + config.nodeName() + " has no tunnel");
        }
        NodeConfig.requireDnsLabel("node name", node);
        final int shorter = Math.min(cidr.prefixLength(), config.podCidr().prefixLength());
        final int mask = -1 << (32 - shorter);
        if ((cidr.network() & mask) == (config.podCidr().network() & mask))
        {
            throw new DataPlaneException(DataPlaneException.Kind.CONFLICT,
                "route " + cidr + " to " + node + " overlaps this node's pod CIDR " + config.podCidr());
        }
        if (routes.overlaps(cidr))
        {
            throw new DataPlaneException(DataPlaneException.Kind.CONFLICT, "route " + cidr + " overlaps another node's route");
        }
        final RouteTable.Entry replaced = routes.put(cidr, node, host, port);
        if (replaced != null)
        {
            overlay.removePeer(replaced.network);
        }
        overlay.addPeer(cidr.network(), host, port);
    }

    boolean removeRoute(final Ipv4Cidr cidr)
    {
        final RouteTable.Entry removed = routes.remove(cidr);
        if (removed != null && overlay != null)
        {
            overlay.removePeer(removed.network);
        }
        return removed != null;
    }

    void putEndpoint(final Endpoint endpoint)
    {
        if (config.podCidr().contains(endpoint.ip()))
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID,
                Ipv4Address.format(endpoint.ip()) + " is in this node's own CIDR " + config.podCidr() + ": local pods are not endpoints");
        }
        routes.putEndpoint(endpoint);
    }

    boolean removeEndpoint(final int ip)
    {
        return routes.removeEndpoint(ip) != null;
    }

    List<Route> routes()
    {
        final List<Route> result = new ArrayList<>();
        if (overlay == null)
        {
            return result;
        }
        for (final RouteTable.Entry entry : routes.entries())
        {
            final int peer = entry.network;
            result.add(new Route(entry.cidr, entry.node, entry.host, entry.port,
                overlay.peerState(peer), overlay.framesSent(peer), overlay.framesReceived(peer)));
        }
        result.sort(Comparator.comparingLong(r -> r.cidr().network() & 0xFFFFFFFFL));
        return result;
    }

    List<Endpoint> endpoints()
    {
        final List<Endpoint> result = routes.endpoints();
        for (final PodPort port : podList)
        {
            result.add(new Endpoint(port.pod.ip(), port.pod.mac(), config.nodeName(), port.pod.name(), port.pod.namespace()));
        }
        result.sort(Comparator.comparingLong(e -> e.ip() & 0xFFFFFFFFL));
        return result;
    }

    void addTap(final FrameTap tap)
    {
        bridge.addTap(tap);
        router.taps(bridge.taps());
    }

    void removeTap(final FrameTap tap)
    {
        bridge.removeTap(tap);
        router.taps(bridge.taps());
    }

    void tap(final FrameTap tap)
    {
        bridge.tap(tap);
        router.taps(bridge.taps());
    }

    /** Swaps in a new Service table; returns how many stale UDP connections it flushed. */
    int installServices(final ServiceTable table)
    {
        return services.install(table);
    }

    void installDnsZone(final DnsZone zone)
    {
        dns.zone(zone);
    }

    ServiceStage services()
    {
        return services;
    }

    ClusterDns dns()
    {
        return dns;
    }

    List<ConntrackEntry> connections(final long nowNanos)
    {
        return services.connections(nowNanos);
    }

    long framesForwarded()
    {
        return bridge.framesForwarded();
    }

    long framesFlooded()
    {
        return bridge.framesFlooded();
    }

    private PodInfo info(final PodPort port)
    {
        return new PodInfo(port.spec.name(), config.nodeName(), port.pod.ip(), port.pod.mac(), port.spec.namespace(),
            port.spec.labels(), port.spec.ports(), port.spec.hostname(), port.spec.subdomain());
    }

    @Override
    public String toString()
    {
        return "NodeDataPlane{" + config.nodeName() + " " + config.podCidr() + " gateway " + Ipv4Address.format(router.ip()) +
            ", drops " + drops.snapshot() + ", queue-full " + drops.get(DropReason.QUEUE_FULL) + "}";
    }
}
