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
import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.trace.Tracer;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.FrameSink;
import dev.podnet.pod.Pod;
import dev.podnet.pod.PodStats;
import dev.podnet.pod.RateLimiter;
import dev.podnet.policy.PolicyStage;
import dev.podnet.policy.PolicyTable;
import dev.podnet.service.ServiceStage;
import dev.podnet.service.ServiceTable;
import dev.podnet.tap.TapDevice;
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
import java.util.concurrent.atomic.AtomicLong;

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
 *   <li>polls the tunnel, the emulated pods' queued sends and the real pods' TAP devices (up to
 *       {@value #FRAMES_PER_TAP_POLL} frames each, read non-blocking straight into frame-queue slots);</li>
 *   <li>switches up to {@value #FRAMES_PER_CYCLE} queued frames through the bridge; whatever the
 *       receivers send back is queued behind them.</li>
 * </ol>
 * Forwarding a frame allocates nothing and takes no lock. The router runs the Service stage
 * (kube-proxy) and answers cluster DNS for this node's pods; the bridge hands pod-to-pod IPv4 to the
 * same stage ({@code br_netfilter}), so replies of same-node endpoints are translated back.
 * <p>
 * Idle, the thread waits in its {@link #idleWait()}: the tunnel's (a datagram for it ends the wait) or
 * a plain park, and a command offered ends it too. Real pods' TAP devices cannot end a wait (they are
 * polled), so while the node has one no wait lasts longer than {@value #TAP_POLL_NANOS} ns.
 */
public final class NodeDataPlane implements Agent
{
    static final int FRAMES_PER_CYCLE = 256;
    /** Frames read from one real pod's TAP per duty cycle at most: the others' and the tunnel's get their turn. */
    static final int FRAMES_PER_TAP_POLL = 64;
    private static final int ETHER_TYPE_IPV6 = 0x86DD;
    /** Longest a congested tunnel holds the real pods' frames in their TAP queues before they are read anyway. */
    static final long TAP_HOLD_NANOS = 5_000_000L;
    private static final int COMMANDS_PER_CYCLE = 64;
    private static final long TIMER_INTERVAL_NANOS = 1_000_000L;
    private static final long AGEING_INTERVAL_NANOS = 1_000_000_000L;
    /** Longest idle wait while real pods' TAP devices are polled: what a frame from one may wait to be read. */
    static final long TAP_POLL_NANOS = 1_000_000L;
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
    /** The way to other nodes: the link impairment stage in front of the tunnel; null for a node on its own. */
    private final Overlay overlay;
    private final LinkImpairments links;
    private final ServiceStage services;
    private final PolicyStage policy;
    private final ClusterDns dns;
    private final Ipv4Flyweight bridgedIpv4 = new Ipv4Flyweight();
    private final ManyToOneConcurrentArrayQueue<Command<?>> commands;
    private final IdleWait wait;
    /** Duty cycles run: how often the thread woke (single writer, read by metrics). */
    private final java.util.concurrent.atomic.AtomicLong dutyCycles = new java.util.concurrent.atomic.AtomicLong();
    private PodPort[] podList = new PodPort[0];
    private Pod[] emulatedPods = new Pod[0];
    private TapPort[] tapPorts = new TapPort[0];
    private int nextPortId = GATEWAY_PORT + 1;
    private java.util.function.Consumer<List<PodInfo>> podListener;
    private long nextTimerAt;
    private long nextAgeingAt;
    private long tapsHeldSince;
    /** The data-plane clock at the start of this duty cycle. */
    private long cycleNow;
    private final Tracer tracer;

    /**
     * A pod's port on the bridge: an emulated pod's NIC ({@link EmulatedPort}), or a real pod's TAP
     * device ({@link TapPort}). Anti-spoofing, counters and captures are the port's, whatever is behind it.
     */
    private abstract class PodPort implements BridgePort
    {
        final int id;
        final String name;
        final int ip;
        final long mac;
        /** The bridge port's name: the pod's name in default, namespace/name elsewhere (names are unique per namespace). */
        final String portName;
        /** How traces name this port: {@code pod PORTNAME}. */
        final String component;
        PodSpec spec;

        PodPort(final int id, final PodSpec spec, final int ip)
        {
            this.id = id;
            this.spec = spec;
            this.name = spec.name();
            this.ip = ip;
            this.mac = MacAddress.podMac(ip);
            this.portName = PodSpec.DEFAULT_NAMESPACE.equals(spec.namespace()) ? spec.name() : spec.key();
            this.component = "pod " + portName;
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

        /** The pod as the outside world sees it; {@code netns} null for an emulated pod. */
        PodInfo info(final String netns)
        {
            return new PodInfo(name, config.nodeName(), ip, mac, netns, spec.namespace(), spec.labels(), spec.ports(),
                spec.hostname(), spec.subdomain());
        }

        /** The emulated pod behind the port; null for a real pod. */
        abstract Pod emulated();

        /** A traced frame reaches the pod: its stack (or its kernel, for a real pod) takes it from here. */
        void traceReceived(final MutableDirectBuffer buffer, final int offset, final int length, final String detail)
        {
            if (tracer.active())
            {
                tracer.enter(component);
                tracer.hop(component, "received", detail, buffer, offset, length);
            }
        }

        /**
         * The trace a frame the pod just wrote into {@code slot} belongs to: the one being handled (an answer), or
         * one it starts (an armed filter matches it); 0 for none. Recorded as sent.
         */
        int traceSent(final MutableDirectBuffer slot, final int length, final String detail)
        {
            final int traceId = tracer.traceOfSent(slot, 0, length, cycleNow);
            if (traceId != 0)
            {
                tracer.hop(traceId, component, "sent", tracer.active() ? detail + " answered" : detail + " sent it",
                    slot, 0, length);
            }
            return traceId;
        }

        abstract PodInfo info();

        abstract PodStats stats();

        abstract void close();

        /**
         * Anti-spoofing on the pod's port (what Cilium and Calico enforce on a pod's veth): the frame's
         * source MAC, and its sender IPv4 address for IPv4 and ARP, must be the pod's own.
         *
         * @return why the frame is dropped, or null when it may enter the bridge
         */
        DropReason refuse(final MutableDirectBuffer buffer, final int length)
        {
            if (length < EthernetFlyweight.HEADER_LENGTH)
            {
                return null; // the bridge counts it as truncated
            }
            if (MacAddress.getMac(buffer, EthernetFlyweight.SOURCE_OFFSET) != mac)
            {
                return DropReason.SPOOFED_SOURCE;
            }
            final int etherType = buffer.getShort(EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int l3 = EthernetFlyweight.HEADER_LENGTH;
            if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4 && length >= l3 + 20)
            {
                return buffer.getInt(l3 + 12, ByteOrder.BIG_ENDIAN) == ip ? null : DropReason.SPOOFED_SOURCE;
            }
            if (etherType == EthernetFlyweight.ETHER_TYPE_ARP && length >= l3 + 28)
            {
                return MacAddress.getMac(buffer, l3 + 8) == mac && buffer.getInt(l3 + 14, ByteOrder.BIG_ENDIAN) == ip ?
                    null : DropReason.SPOOFED_SOURCE;
            }
            return null;
        }
    }

    /** An emulated pod's port on the bridge, and its transmit side into the frame queue. */
    private final class EmulatedPort extends PodPort implements FrameSink
    {
        private final Pod pod;
        private MutableDirectBuffer claimed;

        EmulatedPort(final int id, final PodSpec spec, final int ip)
        {
            super(id, spec, ip);
            this.pod = new Pod(spec.namespace(), spec.name(), ip, config.podCidr(), config.pod(), this, drops,
                ResolvConf.forPod(config.services().dnsIp(), spec.namespace(), config.services().clusterDomain()));
        }

        @Override
        Pod emulated()
        {
            return pod;
        }

        @Override
        PodInfo info()
        {
            return info(null);
        }

        @Override
        PodStats stats()
        {
            return pod.stats();
        }

        @Override
        void close()
        {
            pod.close();
        }

        @Override
        public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
        {
            traceReceived(buffer, offset, length, "its NIC took the frame; its stack handles it");
            pod.onFrame(buffer, offset, length, nowNanos);
        }

        @Override
        public MutableDirectBuffer claim()
        {
            claimed = frames.claim();
            return claimed;
        }

        @Override
        public void commit(final int length)
        {
            frames.commit(length, id, traceSent(claimed, length, "its stack"));
        }

        @Override
        public boolean congested()
        {
            return router.tunnelCongested();
        }

        @Override
        public boolean hasRoom(final int destinationIp)
        {
            // a bulk sender (TCP) may fill half the node's frame queue, the rest stays for ACKs and other pods; and
            // the tunnel to the destination's node must take what is queued (all of it, at worst) and more
            return frames.size() < frames.capacity() / 2 && router.tunnelHasRoom(destinationIp, frames.queuedBytes());
        }
    }

    /**
     * A real pod's port: a TAP device whose other end is {@code eth0} in the pod's network namespace.
     * The data plane polls its non-blocking descriptor from the duty cycle, reading each frame straight
     * into a frame-queue slot, and writes what the bridge delivers straight from the bridge's buffer: no
     * copy, no allocation, no thread of its own. IPv6 from the pod's kernel is dropped and counted as
     * {@code ipv6} (podnet's network is IPv4): where the namespace is the agent's, IPv6 is off there anyway.
     */
    private final class TapPort extends PodPort
    {
        private final TapDevice tap;
        private final String netns;
        private final AtomicLong framesIn = new AtomicLong();
        private final AtomicLong framesOut = new AtomicLong();
        /** The device failed a read (its namespace was deleted under it): counted once, polled no more. */
        private boolean broken;

        TapPort(final int id, final PodSpec spec, final int ip, final TapDevice tap, final String netns)
        {
            super(id, spec, ip);
            this.tap = tap;
            this.netns = netns;
        }

        @Override
        Pod emulated()
        {
            return null;
        }

        @Override
        PodInfo info()
        {
            return info(netns);
        }

        @Override
        PodStats stats()
        {
            return new PodStats(name, framesIn.get(), framesOut.get(), 0, 0, 0);
        }

        @Override
        void close()
        {
            // the descriptor is closed by whoever attached it, once the data plane let go of it
        }

        /** Frames the pod's kernel sent, into the frame queue: at most {@value #FRAMES_PER_TAP_POLL}. */
        int poll()
        {
            int count = 0;
            while (count < FRAMES_PER_TAP_POLL && !broken)
            {
                final MutableDirectBuffer slot = frames.claim();
                if (slot == null)
                {
                    return count; // the queue is full: the frames wait in the TAP's queue
                }
                final int length = tap.read(slot.addressOffset(), frames.slotCapacity());
                if (length <= 0)
                {
                    if (length < 0)
                    {
                        drops.increment(DropReason.TAP_READ_FAILED);
                        broken = true;
                    }
                    return count;
                }
                framesOut.lazySet(framesOut.get() + 1);
                frames.commit(length, id, traceSent(slot, length, "its kernel"));
                count++;
            }
            return count;
        }

        @Override
        public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
        {
            traceReceived(buffer, offset, length, "written to its TAP device: the pod's kernel handles it");
            if (buffer.byteArray() != null || !tap.write(buffer.addressOffset() + offset, length))
            {
                drops.increment(DropReason.TAP_WRITE_FAILED);
                return;
            }
            framesIn.lazySet(framesIn.get() + 1);
        }

        @Override
        DropReason refuse(final MutableDirectBuffer buffer, final int length)
        {
            if (length >= EthernetFlyweight.HEADER_LENGTH &&
                (buffer.getShort(EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == ETHER_TYPE_IPV6)
            {
                return DropReason.IPV6;
            }
            return super.refuse(buffer, length);
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
            frames.commit(length, GATEWAY_PORT, tracer.current());
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
        this.clock = clock;
        final int maxFrame = 14 + Math.max(config.pod().mtu(), 1500);
        this.links = overlay == null ? null :
            new LinkImpairments(overlay, drops, config.nodeName(), EthernetFlyweight.HEADER_LENGTH + overlay.innerMtu(), clock);
        this.overlay = links;
        this.frames = new FrameQueue(config.frameQueue(), maxFrame);
        this.bridge = new Bridge(config.fdbAging().toNanos(), config.fdbMaxEntries(), drops);
        this.ipam = new HostLocalIpam(config.podCidr());
        this.commands = new ManyToOneConcurrentArrayQueue<>(config.commandQueue());
        final IdleWait overlayWait = overlay == null ? null : overlay.idleWait();
        this.wait = new DataPlaneWait(overlayWait == null ? IdleWait.parking() : overlayWait);
        final int gatewayIp = config.podCidr().address(1);
        final ServiceSettings serviceSettings = config.services();
        final ConntrackTable conntrack = new ConntrackTable(serviceSettings.conntrackMax(), serviceSettings.timeouts());
        this.services = new ServiceStage(conntrack, ServiceTable.empty(serviceSettings.serviceCidr()), gatewayIp,
            config.podCidr().network(), serviceSettings.affinityCapacity());
        this.policy = new PolicyStage(conntrack, gatewayIp, config.podCidr().network());
        this.dns = new ClusterDns(serviceSettings.dnsIp(), serviceSettings.clusterDomain());
        this.router = new Router(
            GATEWAY_PORT, config.podCidr(), config.pod().mtu(), MacAddress.podMac(gatewayIp), localEndpoints, routes,
            new GatewaySink(), drops, new RateLimiter(config.pod().icmpErrorsPerSecond(), config.pod().icmpErrorBurst()), services, policy, dns);
        router.overlay(this.overlay);
        this.tracer = new Tracer(config.nodeName());
        drops.observer(tracer::dropped);
        bridge.tracer(tracer);
        router.tracer(tracer);
        if (this.overlay != null)
        {
            this.overlay.tracer(tracer);
        }
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
        dutyCycles.lazySet(dutyCycles.get() + 1);
        int work = drainCommands();
        final long now = clock.nanoTime();
        cycleNow = now;
        if (now >= nextTimerAt)
        {
            nextTimerAt = now + TIMER_INTERVAL_NANOS;
            for (final Pod pod : emulatedPods)
            {
                pod.onTimer(now);
            }
            services.onTimer(now);
            router.onTimer(now);
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
        for (final Pod pod : emulatedPods)
        {
            work += pod.pump(now);
        }
        work += router.pump(now);
        if (tapPorts.length > 0 && !holdTaps(now))
        {
            for (final TapPort port : tapPorts)
            {
                work += port.poll();
            }
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
            port.close();
        }
        if (overlay != null)
        {
            overlay.close();
        }
    }

    /**
     * Whether the real pods' frames wait in their TAP devices' queues this cycle: while the tunnel pushes
     * back, for at most {@value #TAP_HOLD_NANOS} ns at a time. Frames left in a TAP's queue hold their
     * sockets' buffers (TCP small queues), so the pods' kernels slow down instead of losing segment after
     * segment to a full tunnel (measured: TCP through the tunnel doubled); the bound keeps a tunnel that
     * never drains (a dead peer) from silencing the pods. Frames already read are not held back: at the
     * head of the frame queue they would block the node's other traffic (the ACKs coming back included).
     */
    private boolean holdTaps(final long now)
    {
        if (!router.tunnelCongested())
        {
            tapsHeldSince = 0;
            return false;
        }
        if (tapsHeldSince == 0)
        {
            tapsHeldSince = now;
        }
        if (now - tapsHeldSince < TAP_HOLD_NANOS)
        {
            return true;
        }
        tapsHeldSince = 0;
        return false;
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
            switchFrame(now);
            count++;
        }
        return count;
    }

    /** The oldest queued frame through its port's checks (anti-spoofing) and the bridge. */
    private void switchFrame(final long now)
    {
        final int ingress = frames.headIngressPort();
        final PodPort pod = ingress == GATEWAY_PORT ? null : podsByPort.get(ingress);
        tracer.current(frames.headTraceId(), "anti-spoofing");
        final DropReason refused = pod == null ? null : pod.refuse(frames.headBuffer(), frames.headLength());
        if (refused != null)
        {
            drops.increment(refused);
        }
        else
        {
            if (pod != null && tracer.active())
            {
                tracer.hop("anti-spoofing", "passed", "source MAC and IP are " + pod.component + "'s own");
            }
            bridge.forward(ingress, frames.headBuffer(), 0, frames.headLength(), now);
        }
        tracer.current(0);
        frames.pop();
    }

    /**
     * {@code br_netfilter}: an IPv4 frame switched from one pod to another passes connection tracking,
     * so the reply of an endpoint to a client on its own node is translated back although no router
     * sees it, and then NetworkPolicy (both pods are this node's: the source's egress and the
     * destination's ingress); false drops it.
     */
    private boolean onSwitch(
        final int ingressPort, final long destinationMac, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        if (ingressPort == GATEWAY_PORT || destinationMac == router.mac() || length < EthernetFlyweight.HEADER_LENGTH + 20 ||
            (buffer.getShort(offset + EthernetFlyweight.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) !=
                EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            return true;
        }
        bridgedIpv4.wrap(buffer, offset + EthernetFlyweight.HEADER_LENGTH, length - EthernetFlyweight.HEADER_LENGTH);
        if (bridgedIpv4.check() == PacketError.NONE)
        {
            final String before = ServiceTrace.before(tracer, buffer, offset, length);
            services.bridged(bridgedIpv4, nowNanos);
            ServiceTrace.after(tracer, services, before, buffer, offset, length);
            if (policy.judge(bridgedIpv4, nowNanos) != PolicyStage.PASS)
            {
                drops.increment(DropReason.POLICY_DENIED);
                return false;
            }
            tracer.enter("bridge");
        }
        return true;
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

    /** Queues a command and ends the thread's idle wait; false when the queue is full. Any thread. */
    boolean offer(final Command<?> command)
    {
        if (!commands.offer(command))
        {
            return false;
        }
        wait.wakeup();
        return true;
    }

    /** How the data-plane thread waits when idle: see the class comment. */
    public IdleWait idleWait()
    {
        return wait;
    }

    /** The overlay's wait (or a park), no longer than {@value #TAP_POLL_NANOS} ns while TAP devices are polled. */
    private final class DataPlaneWait implements IdleWait
    {
        private final IdleWait delegate;

        DataPlaneWait(final IdleWait delegate)
        {
            this.delegate = delegate;
        }

        @Override
        public void await(final long nanos)
        {
            delegate.await(tapPorts.length > 0 ? Math.min(nanos, TAP_POLL_NANOS) : nanos);
        }

        @Override
        public void wakeup()
        {
            delegate.wakeup();
        }
    }

    /** Fails unless a pod (emulated or real) {@code reference} ({@code ns/name}, or a bare name in default) is on this node. */
    void requirePort(final String reference)
    {
        port(reference);
    }

    /**
     * The emulated pod {@code name} ({@code ns/name}, or a bare name in {@code default}), which runs the tools
     * (ping, UDP calls, name lookups); a real pod runs its own.
     */
    Pod pod(final String name)
    {
        final PodPort port = port(name);
        if (port.emulated() == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "pod '" + name + "' is a real pod (network namespace " +
                ((TapPort)port).netns + "): its own kernel and programs do this, run them inside its namespace");
        }
        return port.emulated();
    }

    /** The port of pod {@code reference}: {@code ns/name}, or a bare name in {@code default}. */
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
        requireNewPod(spec);
        return addPort(new EmulatedPort(nextPortId++, spec, ipam.allocate()));
    }

    /**
     * Attaches a real pod: {@code tap} becomes its port, with the next free address. The caller then
     * configures the device inside the namespace; until then the port is quiet.
     */
    PodInfo attachTap(final String name, final TapDevice tap, final String netns)
    {
        final PodSpec spec = PodSpec.named(name);
        requireNewPod(spec);
        return addPort(new TapPort(nextPortId++, spec, ipam.allocate(), tap, netns));
    }

    private PodInfo addPort(final PodPort port)
    {
        podsByName.put(port.spec.key(), port);
        podsByPort.put(port.id, port);
        portsChanged();
        localEndpoints.put(port.ip & 0xFFFFFFFFL, port.mac);
        bridge.addPort(port);
        podsChanged();
        return port.info();
    }

    private void portsChanged()
    {
        podList = podsByName.values().toArray(new PodPort[0]);
        emulatedPods = podsByName.values().stream().map(PodPort::emulated).filter(java.util.Objects::nonNull).toArray(Pod[]::new);
        tapPorts = podsByName.values().stream().filter(TapPort.class::isInstance).map(TapPort.class::cast).toArray(TapPort[]::new);
    }

    private void requireNewPod(final PodSpec spec)
    {
        NodeConfig.requireDnsLabel(spec.namespace(), "namespace", DataPlaneException.Kind.INVALID);
        if (!NodeConfig.isDnsLabel(spec.name()))
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "pod name '" + spec.name() + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
        if (podsByName.containsKey(spec.key()))
        {
            throw new DataPlaneException(DataPlaneException.Kind.CONFLICT, "pod '" + spec.name() + "' already exists" +
                (PodSpec.DEFAULT_NAMESPACE.equals(spec.namespace()) ? "" : " in namespace " + spec.namespace()) + " on node " +
                config.nodeName());
        }
    }

    /** New labels for a pod (what selects it changes; its address does not). */
    PodInfo relabel(final String reference, final java.util.Map<String, String> labels)
    {
        final PodPort port = port(reference);
        port.spec = port.spec.withLabels(labels);
        podsChanged();
        return port.info();
    }

    void skipAddressesUpTo(final int ip)
    {
        ipam.skipPast(ip);
    }

    /**
     * Deletes a pod: its port leaves the bridge and its address is released.
     *
     * @return a real pod's TAP device, which the data plane no longer touches (the caller closes it); null
     *         for an emulated pod
     */
    TapDevice deletePod(final String name)
    {
        final String key = PodSpec.keyOf(name);
        final PodPort port = podsByName.get(key);
        if (port == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.NOT_FOUND, "no pod '" + name + "' on node " + config.nodeName());
        }
        // a deleted pod's processes die before its network goes: an emulated pod's sockets close first (TCP resets
        // its connections), and what that sent leaves through its port while the port still exists
        port.close();
        final long now = clock.nanoTime();
        for (int pending = frames.size(); pending > 0 && !frames.isEmpty(); pending--)
        {
            switchFrame(now);
        }
        podsByName.remove(key);
        portsChanged();
        podsByPort.remove(port.id);
        bridge.removePort(port.id);
        localEndpoints.remove(port.ip & 0xFFFFFFFFL);
        ipam.release(port.ip);
        podsChanged();
        return port instanceof TapPort tapPort ? tapPort.tap : null;
    }

    /** A pod's frame counters (and, for an emulated pod, its discard service's). */
    PodStats podStats(final String name)
    {
        return port(name).stats();
    }

    /** The TAP devices of the real pods, for closing them once the data plane stopped. */
    List<TapDevice> tapDevices()
    {
        final List<TapDevice> devices = new ArrayList<>();
        for (final TapPort port : tapPorts)
        {
            devices.add(port.tap);
        }
        return devices;
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
            result.add(port.info());
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
            links.unbind(replaced.network);
        }
        overlay.addPeer(cidr.network(), host, port);
        links.bind(cidr.network(), node);
    }

    boolean removeRoute(final Ipv4Cidr cidr)
    {
        final RouteTable.Entry removed = routes.remove(cidr);
        if (removed != null && overlay != null)
        {
            overlay.removePeer(removed.network);
            links.unbind(removed.network);
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

    List<TableChange.Refused> apply(final List<TableChange> changes)
    {
        List<TableChange.Refused> refused = List.of();
        for (int i = 0; i < changes.size(); i++)
        {
            try
            {
                final TableChange change = changes.get(i);
                if (change instanceof TableChange.PutRoute put)
                {
                    addRoute(put.node(), put.cidr(), put.host(), put.port());
                }
                else if (change instanceof TableChange.RemoveRoute remove)
                {
                    removeRoute(remove.cidr());
                }
                else if (change instanceof TableChange.PutEndpoint put)
                {
                    putEndpoint(put.endpoint());
                }
                else if (change instanceof TableChange.RemoveEndpoint remove)
                {
                    removeEndpoint(remove.ip());
                }
            }
            catch (final RuntimeException ex)
            {
                if (refused.isEmpty())
                {
                    refused = new ArrayList<>();
                }
                refused.add(new TableChange.Refused(i, ex.getMessage()));
            }
        }
        return refused;
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

    /** Changes what the link from this node to {@code node} does to frames (netem); the link as it is now. */
    LinkInfo setLink(final String node, final ImpairmentPatch patch, final long nowNanos)
    {
        return requireLinks().set(node, patch, nowNanos);
    }

    /** Removes the impairment of the link to {@code node}; false when it had none. */
    boolean clearLink(final String node, final long nowNanos)
    {
        return requireLinks().clear(node, nowNanos);
    }

    /** The impaired links from this node, by destination node. */
    List<LinkInfo> links()
    {
        return links == null ? new ArrayList<>() : links.links();
    }

    private LinkImpairments requireLinks()
    {
        if (links == null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, "node " + config.nodeName() +
                " has no tunnel: it has no links to impair");
        }
        return links;
    }

    List<Endpoint> endpoints()
    {
        final List<Endpoint> result = routes.endpoints();
        for (final PodPort port : podList)
        {
            result.add(new Endpoint(port.ip, port.mac, config.nodeName(), port.name, port.info().netns(), port.spec.namespace()));
        }
        result.sort(Comparator.comparingLong(e -> e.ip() & 0xFFFFFFFFL));
        return result;
    }

    Tracer tracer()
    {
        return tracer;
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

    /** Swaps in a new policy table: new connections are judged by it from the next packet on. */
    void installPolicies(final PolicyTable table)
    {
        policy.install(table);
    }

    PolicyStage policy()
    {
        return policy;
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

    long dutyCycles()
    {
        return dutyCycles.get();
    }

    long framesForwarded()
    {
        return bridge.framesForwarded();
    }

    long framesFlooded()
    {
        return bridge.framesFlooded();
    }

    @Override
    public String toString()
    {
        return "NodeDataPlane{" + config.nodeName() + " " + config.podCidr() + " gateway " + Ipv4Address.format(router.ip()) +
            ", drops " + drops.snapshot() + ", queue-full " + drops.get(DropReason.QUEUE_FULL) + "}";
    }
}
