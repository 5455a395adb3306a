package dev.podnet.dataplane;

import dev.podnet.packet.ArpFlyweight;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.FrameSink;
import dev.podnet.pod.RateLimiter;
import dev.podnet.policy.PolicyStage;
import dev.podnet.service.ServiceStage;
import dev.podnet.trace.Headers;
import dev.podnet.trace.Tracer;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_ARP;
import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_IPV4;
import static dev.podnet.packet.IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE;
import static dev.podnet.packet.IcmpFlyweight.TYPE_TIME_EXCEEDED;

/**
 * The node's router. On the bridge it is the gateway: the {@code .1} address of the node CIDR with a
 * MAC of its own, every pod's default route. Towards other nodes it is the tunnel endpoint, whose
 * address is the CIDR's network address ({@code .0}), as flannel's {@code flannel.1} device.
 * <p>
 * Routing, for a packet that came from a pod (bridge) or from another node (tunnel):
 * <ol>
 *   <li>for the gateway or tunnel address itself: answer pings, refuse the rest;</li>
 *   <li>TTL: a packet that would leave with TTL 0 is answered with time exceeded, from {@code .1} when it
 *       came from a pod and from {@code .0} when it came through the tunnel — so traceroute from a pod
 *       on node A to a pod on node C shows {@code A.1}, {@code C.0}, the pod;</li>
 *   <li>local pod CIDR: to the pod's MAC from the node's own endpoint table, TTL − 1; an address no
 *       pod holds is host unreachable;</li>
 *   <li>another node's CIDR (route table): into the tunnel to that node, TTL − 1, with the remote pod's
 *       MAC from the endpoint table (no ARP across the tunnel); an address in that lease no pod holds
 *       is host unreachable at once; a don't-fragment packet larger than the tunnel's inner MTU is
 *       fragmentation needed;</li>
 *   <li>anything else: net unreachable.</li>
 * </ol>
 * Frames from the tunnel are checked first: the sender must be a node in the route table, the inner
 * source address inside that node's CIDR and the destination inside ours (no transit, no spoofing).
 * A packet larger than the next hop's MTU (the tunnel's inner MTU, or the pods' MTU on the bridge, which
 * is also what a frame slot holds) is dropped as {@code fragmentation-needed}, with an ICMP error when it
 * has don't-fragment set; the router does not fragment in transit (Linux would, for a packet without DF).
 * ICMP errors follow RFC 1122 (never about an ICMP error, a non-initial fragment or a broadcast) and
 * are rate-limited as Linux does.
 * <p>
 * Two things happen before routing, for packets a local pod sent: a DNS query to the cluster DNS
 * Service ({@link ClusterDns}) is answered here, and everything else passes the Service stage
 * ({@link ServiceStage}, kube-proxy), which translates packets to ClusterIPs to an endpoint (DNAT),
 * rejects those to a Service without endpoints with ICMP port unreachable and drops what no Service
 * rule matches; packets from the tunnel pass it too, so replies are translated back. The Service
 * stage is the only place addresses are ever rewritten. After it, NetworkPolicy ({@link PolicyStage})
 * judges what is left, translated: the source's egress when it is a local pod, the destination's ingress
 * when it is one (a DNS query is judged as to the cluster DNS before it is answered).
 */
final class Router implements BridgePort, Overlay.Receiver
{
    private static final int ETH = EthernetFlyweight.HEADER_LENGTH;
    private static final int DEFAULT_TTL = 64;
    private static final int MIN_FRAME_LENGTH = 60;
    private static final int MAX_PACKET = 9216;
    /** A TCP header's ports: enough of a segment to tell whether it goes to the DNS server. */
    private static final int TCP_PORTS = 4;
    /** How captures name frames the router sends into the tunnel (not a DNS label: no pod has this name). */
    static final String TUNNEL_PORT_NAME = "tunnel.1";
    /** Window a first fragment needs to start into the tunnel: room for a full-MTU datagram in two fragments and more. */
    static final int FRAGMENTED_DATAGRAM_RESERVE = 4 * 1024;
    /** Window that ends a congestion: room for a batch of full-size frames. */
    static final int CONGESTION_CLEARED_WINDOW = 16 * 1024;
    /** Window a bulk sender (TCP) leaves in the tunnel beyond what is queued: a few full frames for everyone else. */
    static final int TCP_RESERVE = 4 * 1024;

    private final int portId;
    private final Ipv4Cidr podCidr;
    /** The bridge's MTU (the pods'): the largest packet routed onto it; a frame slot holds that and no more. */
    private final int bridgeMtu;
    private final int gatewayIp;
    private final int tunnelIp;
    private final long gatewayMac;
    private final Long2LongHashMap localEndpoints;
    private final RouteTable routes;
    private final FrameSink sink;
    private final DropCounters drops;
    private final RateLimiter icmpErrors;
    private Overlay overlay;
    private Tracer tracer = new Tracer("");
    private final ServiceStage services;
    private final PolicyStage policy;
    private final ClusterDns dns;
    private final ClusterDnsTcp dnsTcp;
    private FrameTap[] taps = new FrameTap[0];
    private final UdpFlyweight udp = new UdpFlyweight();
    private final UdpFlyweight txUdp = new UdpFlyweight();

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    private final ArpFlyweight txArp = new ArpFlyweight();
    private final Ipv4Flyweight txIpv4 = new Ipv4Flyweight();
    private final IcmpFlyweight txIcmp = new IcmpFlyweight();
    /** Where frames for the tunnel and packets the router makes itself are built. */
    private final UnsafeBuffer tx = new UnsafeBuffer(BufferUtil.allocateDirectAligned(ETH + MAX_PACKET + 64, 64));
    private int nextIdentification;
    private boolean tunnelCongested;
    private int congestedPeer;
    /** The fragmented datagram being dropped: its later fragments follow the first into the bin. */
    private int droppedSource;
    private int droppedIdentification = -1;

    Router(
        final int portId,
        final Ipv4Cidr podCidr,
        final int bridgeMtu,
        final long gatewayMac,
        final Long2LongHashMap localEndpoints,
        final RouteTable routes,
        final FrameSink sink,
        final DropCounters drops,
        final RateLimiter icmpErrors,
        final ServiceStage services,
        final PolicyStage policy,
        final ClusterDns dns)
    {
        this.portId = portId;
        this.podCidr = podCidr;
        this.bridgeMtu = bridgeMtu;
        this.gatewayIp = podCidr.address(1);
        this.tunnelIp = podCidr.network();
        this.gatewayMac = gatewayMac;
        this.localEndpoints = localEndpoints;
        this.routes = routes;
        this.sink = sink;
        this.drops = drops;
        this.icmpErrors = icmpErrors;
        this.services = services;
        this.policy = policy;
        this.dns = dns;
        this.dnsTcp = new ClusterDnsTcp(dns, bridgeMtu, new DnsSegmentOutput());
    }

    /** Who sees the frames this router sends into the tunnel (the bridge's captures). */
    void taps(final FrameTap[] taps)
    {
        this.taps = taps;
    }

    void overlay(final Overlay overlay)
    {
        this.overlay = overlay;
    }

    /** Who hears what the router does with traced packets. */
    void tracer(final Tracer tracer)
    {
        this.tracer = tracer;
    }

    @Override
    public int id()
    {
        return portId;
    }

    @Override
    public String name()
    {
        return "gateway";
    }

    long mac()
    {
        return gatewayMac;
    }

    int ip()
    {
        return gatewayIp;
    }

    // ---------------------------------------------------------------- from the bridge

    @Override
    public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        tracer.enter("router");
        ethernet.wrap(buffer, offset, length);
        final PacketError error = ethernet.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final long destination = ethernet.destination();
        if (destination != gatewayMac && destination != MacAddress.BROADCAST)
        {
            return; // flooded unknown unicast for somebody else
        }
        switch (ethernet.etherType())
        {
            case ETHER_TYPE_ARP:
                onArp(buffer);
                break;
            case ETHER_TYPE_IPV4:
                if (destination == gatewayMac && checkIpv4(buffer, ethernet.payloadOffset(), ethernet.payloadLength()) &&
                    !answerDns(nowNanos))
                {
                    final String before = ServiceTrace.before(tracer, buffer, offset, length);
                    final int verdict = services.fromPod(ipv4, nowNanos);
                    ServiceTrace.after(tracer, services, before, buffer, offset, length);
                    if (admitService(verdict, nowNanos) && admitPolicy(nowNanos))
                    {
                        tracer.enter("router");
                        route(gatewayIp, nowNanos);
                    }
                }
                break;
            default:
                drops.increment(DropReason.UNSUPPORTED_ETHER_TYPE);
                break;
        }
    }

    private void onArp(final MutableDirectBuffer buffer)
    {
        arp.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength());
        final PacketError error = arp.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        if (arp.operation() != ArpFlyweight.OP_REQUEST || arp.targetIp() != gatewayIp)
        {
            return;
        }
        final MutableDirectBuffer slot = sink.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return;
        }
        final long requesterMac = arp.senderMac();
        final int requesterIp = arp.senderIp();
        if (tracer.active())
        {
            tracer.hop("router", "answered", "the ARP request for the gateway " + Ipv4Address.format(gatewayIp) + ": is-at " +
                MacAddress.format(gatewayMac));
        }
        txEthernet.wrap(slot, 0, MIN_FRAME_LENGTH).destination(requesterMac).source(gatewayMac).etherType(ETHER_TYPE_ARP);
        txArp.wrap(slot, ETH, ArpFlyweight.LENGTH)
            .writeIpv4OverEthernet(ArpFlyweight.OP_REPLY, gatewayMac, gatewayIp, requesterMac, requesterIp);
        slot.setMemory(ETH + ArpFlyweight.LENGTH, MIN_FRAME_LENGTH - ETH - ArpFlyweight.LENGTH, (byte)0);
        sink.commit(MIN_FRAME_LENGTH);
    }

    // ---------------------------------------------------------------- from the tunnel

    @Override
    public void onTunnelFrame(
        final int sourceNode, final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        final RouteTable.Entry from = routes.byTunnelAddress(sourceNode);
        if (from == null)
        {
            drops.increment(DropReason.UNKNOWN_PEER);
            return;
        }
        ethernet.wrap(buffer, offset, length);
        final PacketError error = ethernet.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        if (ethernet.etherType() != ETHER_TYPE_IPV4)
        {
            drops.increment(DropReason.UNSUPPORTED_ETHER_TYPE);
            return;
        }
        if (!checkIpv4(buffer, ethernet.payloadOffset(), ethernet.payloadLength()))
        {
            return;
        }
        if ((ipv4.source() & from.mask) != from.network)
        {
            drops.increment(DropReason.TUNNEL_SPOOFED_SOURCE);
            return;
        }
        if (!podCidr.contains(ipv4.destination()))
        {
            drops.increment(DropReason.TUNNEL_NOT_OUR_CIDR);
            return;
        }
        final String before = ServiceTrace.before(tracer, buffer, offset, length);
        final int verdict = services.fromTunnel(ipv4, nowNanos);
        ServiceTrace.after(tracer, services, before, buffer, offset, length);
        if (admitService(verdict, nowNanos) && admitPolicy(nowNanos))
        {
            tracer.enter("router");
            route(tunnelIp, nowNanos);
        }
    }

    // ---------------------------------------------------------------- routing

    private boolean checkIpv4(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        ipv4.wrap(buffer, offset, length);
        final PacketError error = ipv4.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return false;
        }
        return true;
    }

    /** Acts on the Service stage's verdict; true when the packet is to be routed. */
    private boolean admitService(final int verdict, final long nowNanos)
    {
        switch (verdict)
        {
            case ServiceStage.PASS:
                return true;
            case ServiceStage.REJECT:
                drops.increment(DropReason.SERVICE_NO_ENDPOINTS);
                sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PORT_UNREACHABLE, 0, gatewayIp, nowNanos);
                return false;
            case ServiceStage.DROP_CONNTRACK_FULL:
                drops.increment(DropReason.CONNTRACK_FULL);
                return false;
            case ServiceStage.DROP_FRAGMENT:
                drops.increment(DropReason.SERVICE_FRAGMENT);
                return false;
            default:
                drops.increment(DropReason.SERVICE_NO_MATCH);
                return false;
        }
    }

    /** NetworkPolicy, after the Service stage: true when the packet may be routed. */
    private boolean admitPolicy(final long nowNanos)
    {
        if (policy.judge(ipv4, nowNanos) == PolicyStage.PASS)
        {
            return true;
        }
        drops.increment(DropReason.POLICY_DENIED);
        return false;
    }

    /**
     * A UDP query to the cluster DNS Service: answered here from the node's zone (true), the answer
     * sent back from the DNS address and port 53 as a server behind the ClusterIP would.
     */
    private boolean answerDns(final long nowNanos)
    {
        if (ipv4.destination() != dns.address() || ipv4.isFragment())
        {
            return false;
        }
        if (ipv4.protocol() == Ipv4Flyweight.PROTOCOL_TCP)
        {
            return answerDnsOverTcp(nowNanos);
        }
        if (ipv4.protocol() != Ipv4Flyweight.PROTOCOL_UDP)
        {
            return false;
        }
        udp.wrap(ipv4.buffer(), ipv4.payloadOffset(), ipv4.payloadLength());
        if (udp.check(ipv4.source(), ipv4.destination()) != PacketError.NONE)
        {
            drops.increment(udp.check(ipv4.source(), ipv4.destination()));
            return true;
        }
        if (udp.destinationPort() != ClusterDns.PORT)
        {
            return false; // the Service stage decides (no rule: dropped)
        }
        if (!admitPolicy(nowNanos))
        {
            return true; // egress policy judges the query as to the cluster DNS (a kube-system pod labelled k8s-app: kube-dns)
        }
        final int payload = ETH + Ipv4Flyweight.MIN_HEADER_LENGTH + UdpFlyweight.HEADER_LENGTH;
        final int answer = dns.responder().respond(dns.zone(), udp.buffer(), udp.payloadOffset(), udp.payloadLength(),
            tx, payload, tx.capacity() - payload, false);
        if (answer == 0)
        {
            drops.increment(DropReason.DNS_NOT_A_QUERY);
            return true;
        }
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + UdpFlyweight.HEADER_LENGTH + answer;
        nextIdentification = (nextIdentification + 1) & 0xFFFF;
        txIpv4.wrap(tx, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification, false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_UDP, dns.address(), ipv4.source());
        txUdp.wrap(tx, ETH + Ipv4Flyweight.MIN_HEADER_LENGTH, UdpFlyweight.HEADER_LENGTH + answer)
            .writeHeader(ClusterDns.PORT, udp.sourcePort(), answer)
            .updateChecksum(dns.address(), ipv4.source());
        if (tracer.active())
        {
            tracer.hop("cluster DNS", "answered", "the query to " + Ipv4Address.format(dns.address()) + ":" + ClusterDns.PORT +
                " from the node's zone (" + answer + " bytes)", describeReceived(), Headers.describe(tx, 0, ETH + totalLength));
        }
        sendGenerated(totalLength);
        return true;
    }

    /** A TCP segment to the cluster DNS Service's port 53: the router's own DNS server over TCP takes it (true). */
    private boolean answerDnsOverTcp(final long nowNanos)
    {
        final int offset = ipv4.payloadOffset();
        if (ipv4.payloadLength() < TCP_PORTS ||
            (ipv4.buffer().getShort(offset + 2, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF) != ClusterDns.PORT)
        {
            return false; // the Service stage decides (no rule: dropped)
        }
        if (!admitPolicy(nowNanos))
        {
            return true; // judged as to the cluster DNS, as a query over UDP
        }
        if (tracer.active())
        {
            tracer.hop("cluster DNS", "received", "a segment to its TCP server at " + Ipv4Address.format(dns.address()) + ":" +
                ClusterDns.PORT + "; what it answers is traced on", describeReceived(), null);
        }
        final PacketError error = dnsTcp.onSegment(ipv4.source(), ipv4.destination(), ipv4.buffer(), offset, ipv4.payloadLength(),
            nowNanos);
        if (error != PacketError.NONE)
        {
            drops.increment(error);
        }
        return true;
    }

    /** The cluster DNS's TCP timers (retransmission, TIME-WAIT). */
    int onTimer(final long nowNanos)
    {
        return dnsTcp.onTimer(nowNanos);
    }

    /** Lets the cluster DNS's TCP send what it holds: the duty cycle's work count. */
    int pump(final long nowNanos)
    {
        return dnsTcp.pump(nowNanos);
    }

    /** The cluster DNS's TCP segments leave as packets from the DNS address, made in {@link #tx} like the UDP answers. */
    private final class DnsSegmentOutput implements dev.podnet.tcp.SegmentOutput
    {
        @Override
        public MutableDirectBuffer segmentBuffer()
        {
            return tx;
        }

        @Override
        public int segmentOffset()
        {
            return ETH + Ipv4Flyweight.MIN_HEADER_LENGTH;
        }

        @Override
        public void sendSegment(final int remoteIp, final int length, final long nowNanos)
        {
            final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + length;
            nextIdentification = (nextIdentification + 1) & 0xFFFF;
            txIpv4.wrap(tx, ETH, totalLength).writeHeader(
                0, totalLength, nextIdentification, true, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_TCP, dns.address(), remoteIp);
            sendGenerated(totalLength);
        }

        @Override
        public boolean canSendData(final int remoteIp)
        {
            return true; // answers to this node's own pods: the bridge queue is the only way, and it drops rather than waits
        }
    }

    /**
     * Routes the packet in {@link #ipv4}; {@code hopAddress} is the router's own address on the side
     * it came in ({@code .1} from the bridge, {@code .0} from the tunnel), the source of its errors.
     */
    private void route(final int hopAddress, final long nowNanos)
    {
        final int destination = ipv4.destination();
        if (destination == gatewayIp || destination == tunnelIp)
        {
            onLocal(nowNanos);
            return;
        }
        if (ipv4.ttl() <= 1)
        {
            drops.increment(DropReason.TTL_EXCEEDED);
            sendIcmpError(TYPE_TIME_EXCEEDED, IcmpFlyweight.CODE_TTL_EXCEEDED, 0, hopAddress, nowNanos);
            return;
        }
        if (podCidr.contains(destination))
        {
            final long mac = localEndpoints.get(destination & 0xFFFFFFFFL);
            if (mac == localEndpoints.missingValue())
            {
                drops.increment(DropReason.NO_HOST);
                sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_HOST_UNREACHABLE, 0, hopAddress, nowNanos);
                return;
            }
            if (ipv4.totalLength() > bridgeMtu)
            {
                // larger than the pods' MTU (a peer with a larger pod MTU, or a hand-made frame): a router that
                // does not fragment in transit drops it, and says so to a sender that set don't-fragment
                fragmentationNeeded(bridgeMtu, hopAddress, nowNanos);
                return;
            }
            toBridge(mac);
            return;
        }
        final RouteTable.Entry route = routes.lookup(destination);
        if (route == null || overlay == null)
        {
            drops.increment(DropReason.NO_ROUTE);
            sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_NET_UNREACHABLE, 0, hopAddress, nowNanos);
            return;
        }
        final long mac = remoteMac(route, destination);
        if (mac < 0)
        {
            drops.increment(DropReason.NO_HOST);
            sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_HOST_UNREACHABLE, 0, hopAddress, nowNanos);
            return;
        }
        final int innerMtu = overlay.innerMtu();
        if (ipv4.totalLength() > innerMtu)
        {
            fragmentationNeeded(innerMtu, hopAddress, nowNanos);
            return;
        }
        if (ipv4.isFragment() && !admitFragment(route))
        {
            drops.increment(DropReason.TUNNEL_BACK_PRESSURED);
            return;
        }
        final int frameLength = ETH + ipv4.totalLength();
        tx.putBytes(ETH, ipv4.buffer(), ipv4.offset(), ipv4.totalLength());
        txEthernet.wrap(tx, 0, frameLength).destination(mac).source(gatewayMac).etherType(ETHER_TYPE_IPV4);
        txIpv4.wrap(tx, ETH, ipv4.totalLength()).decrementTtl();
        if (tracer.active())
        {
            tracer.hop("router", "forwarded", "to node " + route.node + " through the tunnel: route " + route.cidr +
                ", the pod's MAC " + MacAddress.format(mac) + " from the endpoint table (no ARP across the tunnel); " +
                "TTL " + ipv4.ttl() + " -> " + txIpv4.ttl(), describeReceived(), Headers.describe(tx, 0, frameLength));
        }
        if (!toTunnel(route, frameLength) && ipv4.isFragment())
        {
            dropRestOfDatagram();
        }
    }

    /** The packet in {@link #ipv4} does not fit the next hop's {@code mtu}: counted, and an ICMP error if it said don't-fragment. */
    private void fragmentationNeeded(final int mtu, final int hopAddress, final long nowNanos)
    {
        drops.increment(DropReason.FRAGMENTATION_NEEDED);
        if (ipv4.dontFragment())
        {
            sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_FRAGMENTATION_NEEDED, mtu, hopAddress, nowNanos);
        }
    }

    /**
     * Fragments of one datagram go into the tunnel whole or not at all: a datagram missing one fragment
     * is worthless to its receiver and only takes window from the datagrams behind it (under load, the
     * small last fragments slip in where the large first ones do not, and nothing arrives whole). A
     * first fragment starts only with room for {@value #FRAGMENTED_DATAGRAM_RESERVE} bytes in the window;
     * once one fragment is refused, the rest of its datagram is dropped here.
     */
    private boolean admitFragment(final RouteTable.Entry route)
    {
        if (ipv4.source() == droppedSource && ipv4.identification() == droppedIdentification)
        {
            return false;
        }
        if (ipv4.fragmentOffset() == 0 && overlay.window(route.network) < FRAGMENTED_DATAGRAM_RESERVE)
        {
            tunnelCongested = true;
            congestedPeer = route.network;
            dropRestOfDatagram();
            return false;
        }
        return true;
    }

    private void dropRestOfDatagram()
    {
        droppedSource = ipv4.source();
        droppedIdentification = ipv4.identification();
    }

    /** The MAC of a remote destination: the pod's from the endpoint table, 0 for the node's own addresses, -1 if nobody. */
    private long remoteMac(final RouteTable.Entry route, final int destination)
    {
        if (destination == route.network || destination == route.network + 1)
        {
            return 0L;
        }
        final Endpoint endpoint = routes.endpoint(destination);
        return endpoint == null ? -1L : endpoint.mac();
    }

    /**
     * Whether the tunnel towards {@code destination}'s node takes {@code queued} bytes and a full frame more without
     * pushing back; true for this node's own addresses and for destinations without a route.
     */
    boolean tunnelHasRoom(final int destination, final long queued)
    {
        if (overlay == null || podCidr.contains(destination))
        {
            return true;
        }
        final RouteTable.Entry route = routes.lookup(destination);
        if (route == null)
        {
            return true;
        }
        if (tunnelCongested && congestedPeer == route.network)
        {
            return false;
        }
        return overlay.window(route.network) - queued >= TCP_RESERVE;
    }

    /** Whether the last frame offered to the tunnel was pushed back (cleared by the next that gets through). */
    boolean tunnelCongested()
    {
        return tunnelCongested;
    }

    /**
     * Called each duty cycle after the tunnel did its work: the congestion ends when the window to the
     * peer that pushed back has room again (as a qdisc wakes a socket when its queue drains).
     */
    void refreshCongestion()
    {
        if (tunnelCongested && overlay != null && overlay.window(congestedPeer) >= CONGESTION_CLEARED_WINDOW)
        {
            tunnelCongested = false;
        }
    }

    /** Offers the frame in {@link #tx} to the tunnel; false when it was dropped (counted). */
    private boolean toTunnel(final RouteTable.Entry route, final int frameLength)
    {
        for (final FrameTap tap : taps)
        {
            tap.onFrame(TUNNEL_PORT_NAME, true, tx, 0, frameLength);
        }
        switch (overlay.send(route.network, tx, 0, frameLength))
        {
            case Overlay.SENT:
                tunnelCongested = false;
                return true;
            case Overlay.BACK_PRESSURED:
                tunnelCongested = true;
                congestedPeer = route.network;
                drops.increment(DropReason.TUNNEL_BACK_PRESSURED);
                return false;
            case Overlay.QUEUE_FULL:
                tunnelCongested = true; // counted by the link: the pods hold back until it drains
                congestedPeer = route.network;
                return false;
            case Overlay.TOO_LARGE:
                drops.increment(DropReason.FRAME_TOO_LARGE);
                return false;
            default:
                drops.increment(DropReason.TUNNEL_NOT_CONNECTED);
                return false;
        }
    }

    /** Forwards the packet in {@link #ipv4} onto the bridge to {@code mac}, TTL − 1. */
    private void toBridge(final long mac)
    {
        final int frameLength = ETH + ipv4.totalLength();
        final MutableDirectBuffer slot = sink.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return;
        }
        slot.putBytes(ETH, ipv4.buffer(), ipv4.offset(), ipv4.totalLength());
        txEthernet.wrap(slot, 0, frameLength).destination(mac).source(gatewayMac).etherType(ETHER_TYPE_IPV4);
        txIpv4.wrap(slot, ETH, ipv4.totalLength()).decrementTtl();
        if (tracer.active())
        {
            tracer.hop("router", "forwarded", "to " + Ipv4Address.format(txIpv4.destination()) + " on this node's bridge: " +
                "the pod CIDR " + podCidr + " is local, the pod's MAC " + MacAddress.format(mac) + " from the endpoint table; " +
                "TTL " + ipv4.ttl() + " -> " + txIpv4.ttl(), describeReceived(), Headers.describe(slot, 0, frameLength));
        }
        commitPadded(slot, frameLength);
    }

    /** A packet for one of the router's own addresses: answer pings, refuse the rest. */
    private void onLocal(final long nowNanos)
    {
        final int self = ipv4.destination();
        if (ipv4.protocol() == Ipv4Flyweight.PROTOCOL_ICMP && !ipv4.isFragment())
        {
            icmp.wrap(ipv4.buffer(), ipv4.payloadOffset(), ipv4.payloadLength());
            final PacketError error = icmp.check();
            if (error != PacketError.NONE)
            {
                drops.increment(error);
                return;
            }
            if (icmp.type() == IcmpFlyweight.TYPE_ECHO_REQUEST)
            {
                final int icmpLength = icmp.length();
                startPacket(self, Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
                tx.putBytes(txIpv4.payloadOffset(), icmp.buffer(), icmp.offset(), icmpLength);
                txIcmp.wrap(tx, txIpv4.payloadOffset(), icmpLength).type(IcmpFlyweight.TYPE_ECHO_REPLY).code(0).updateChecksum();
                if (tracer.active())
                {
                    tracer.hop("router", "answered", "an echo request to its own address " + Ipv4Address.format(self));
                }
                sendGenerated(Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
            }
            return;
        }
        sendIcmpError(TYPE_DESTINATION_UNREACHABLE,
            ipv4.protocol() == Ipv4Flyweight.PROTOCOL_UDP ? IcmpFlyweight.CODE_PORT_UNREACHABLE : IcmpFlyweight.CODE_PROTOCOL_UNREACHABLE,
            0, self, nowNanos);
    }

    /** Answers the packet in {@link #ipv4} with an ICMP error from {@code source}. */
    private void sendIcmpError(final int type, final int code, final int nextHopMtu, final int source, final long nowNanos)
    {
        if (!mayAnswerWithError())
        {
            return;
        }
        if (!icmpErrors.tryAcquire(nowNanos))
        {
            drops.increment(DropReason.ICMP_RATE_LIMITED);
            return;
        }
        final int quoteLength = IcmpFlyweight.errorQuoteLength(ipv4.headerLength(), ipv4.totalLength());
        final int icmpLength = IcmpFlyweight.HEADER_LENGTH + quoteLength;
        startPacket(source, Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
        txIcmp.wrap(tx, txIpv4.payloadOffset(), icmpLength).writeError(type, code, nextHopMtu);
        tx.putBytes(txIcmp.payloadOffset(), ipv4.buffer(), ipv4.offset(), quoteLength);
        txIcmp.updateChecksum();
        final int errorLength = ETH + Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength;
        if (tracer.active())
        {
            tracer.hop("router", "answered", "with an ICMP error from " + Ipv4Address.format(source) + " back to " +
                Ipv4Address.format(ipv4.source()), null, Headers.describe(tx, 0, errorLength));
        }
        final String before = ServiceTrace.before(tracer, tx, 0, errorLength);
        services.generatedError(txIpv4, nowNanos);
        ServiceTrace.after(tracer, services, before, tx, 0, errorLength);
        sendGenerated(Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
    }

    /** RFC 1122 3.2.2: no error about an ICMP error, a non-initial fragment, or a broadcast. */
    private boolean mayAnswerWithError()
    {
        if (ipv4.fragmentOffset() != 0 || ipv4.destination() == podCidr.broadcast() || ipv4.source() == 0)
        {
            return false;
        }
        if (ipv4.protocol() == Ipv4Flyweight.PROTOCOL_ICMP && ipv4.payloadLength() >= 1)
        {
            final int type = ipv4.buffer().getByte(ipv4.payloadOffset()) & 0xFF;
            return type == IcmpFlyweight.TYPE_ECHO_REQUEST || type == IcmpFlyweight.TYPE_ECHO_REPLY;
        }
        return true;
    }

    /** Writes the IPv4 header of a packet from {@code source} back to the sender of {@link #ipv4} into {@link #tx}. */
    private void startPacket(final int source, final int totalLength)
    {
        nextIdentification = (nextIdentification + 1) & 0xFFFF;
        txIpv4.wrap(tx, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification, false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_ICMP, source, ipv4.source());
    }

    /** Sends the packet the router built in {@link #tx} towards its destination: a local pod, or through the tunnel. */
    private void sendGenerated(final int totalLength)
    {
        final int destination = txIpv4.destination();
        final int frameLength = ETH + totalLength;
        if (podCidr.contains(destination))
        {
            final long mac = localEndpoints.get(destination & 0xFFFFFFFFL);
            if (mac == localEndpoints.missingValue())
            {
                drops.increment(DropReason.NO_HOST);
                return;
            }
            final MutableDirectBuffer slot = sink.claim();
            if (slot == null)
            {
                drops.increment(DropReason.QUEUE_FULL);
                return;
            }
            slot.putBytes(ETH, tx, ETH, totalLength);
            txEthernet.wrap(slot, 0, ETH).destination(mac).source(gatewayMac).etherType(ETHER_TYPE_IPV4);
            commitPadded(slot, frameLength);
            return;
        }
        final RouteTable.Entry route = routes.lookup(destination);
        final long mac = route == null ? -1L : remoteMac(route, destination);
        if (route == null || overlay == null || mac < 0)
        {
            drops.increment(DropReason.NO_ROUTE);
            return;
        }
        txEthernet.wrap(tx, 0, ETH).destination(mac).source(gatewayMac).etherType(ETHER_TYPE_IPV4);
        toTunnel(route, frameLength);
    }

    /** The packet in {@link #ipv4} as the router got it, for a trace: its frame's headers. */
    private String describeReceived()
    {
        return Headers.describe(ipv4.buffer(), ipv4.offset() - ETH, ETH + ipv4.totalLength());
    }

    private void commitPadded(final MutableDirectBuffer slot, final int length)
    {
        int frameLength = length;
        if (frameLength < MIN_FRAME_LENGTH)
        {
            slot.setMemory(frameLength, MIN_FRAME_LENGTH - frameLength, (byte)0);
            frameLength = MIN_FRAME_LENGTH;
        }
        sink.commit(frameLength);
    }
}
