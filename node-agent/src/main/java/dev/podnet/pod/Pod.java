package dev.podnet.pod;

import dev.podnet.dns.DnsZone;
import dev.podnet.dns.ResolvConf;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.ArpFlyweight;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.TcpFlyweight;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.tcp.SegmentOutput;
import dev.podnet.tcp.SocketInfo;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpCounters;
import dev.podnet.tcp.TcpHandler;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_ARP;
import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_IPV4;
import static dev.podnet.packet.IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE;
import static dev.podnet.packet.IcmpFlyweight.TYPE_ECHO_REPLY;
import static dev.podnet.packet.IcmpFlyweight.TYPE_ECHO_REQUEST;
import static dev.podnet.packet.IcmpFlyweight.TYPE_TIME_EXCEEDED;

/**
 * An emulated pod: one network interface with a MAC and an IPv4 address, and a tiny IP stack.
 * <p>
 * What the stack does, in the order a frame meets it:
 * <ol>
 *   <li>Ethernet: accepts frames for its MAC and broadcast; anything else is counted and dropped.</li>
 *   <li>ARP: answers requests for its address and learns neighbours into an {@link ArpCache}.</li>
 *   <li>IPv4: accepts packets for its address with a valid header; on-link destinations are sent
 *       straight to their MAC, everything else to the gateway ({@code .1}).</li>
 *   <li>ICMP: answers echo requests; delivers echo replies and destination-unreachable / time-exceeded
 *       errors to the {@code ping} or UDP call they are about (matched through the quoted header).</li>
 *   <li>UDP: delivers to the handler bound to the port, or answers with port unreachable.</li>
 *   <li>TCP: hands the segment to the pod's TCP ({@link PodTcp}, {@link dev.podnet.tcp.TcpStack}); ICMP errors
 *       quoting a TCP segment go there too (path MTU, unreachable peers).</li>
 * </ol>
 * Built-in applications: the {@link Netexec} service on UDP port {@value Netexec#PORT} and its HTTP side on TCP
 * port {@value HttpNetexec#PORT}, TCP echo ({@value TcpEcho#PORT}) and discard ({@value TcpDiscard#PORT}),
 * {@code ping}, UDP request/response calls, {@code curl}, {@code tcp-perf}, and name lookups through the pod's
 * stub resolver ({@link #resolve}: its {@code resolv.conf} is the kubelet's, with the cluster DNS Service as the
 * name server).
 * <p>
 * Single-threaded: everything here runs on the node's data-plane thread. Receiving and answering a
 * frame allocates nothing; tools (ping, UDP calls) allocate their session objects.
 */
public final class Pod implements ArpCache.Actions
{
    /** Ethernet frames are padded to this length without FCS, as a NIC does. */
    private static final int MIN_FRAME_LENGTH = 60;
    private static final int ETH = EthernetFlyweight.HEADER_LENGTH;
    private static final int DEFAULT_TTL = 64;
    private static final int EPHEMERAL_FIRST = 32768;
    private static final int EPHEMERAL_LAST = 60999;
    private static final int ICMP_QUOTE_BYTES = 8;
    /** Datagrams a pod reassembles at once; each takes a 64 KiB buffer once used (Linux bounds memory instead). */
    private static final int REASSEMBLY_DATAGRAMS = 8;

    private final String name;
    private final String namespace;
    private final ResolvConf resolvConf;
    private final int ip;
    private final long mac;
    private final Ipv4Cidr subnet;
    private final int gateway;
    private final int mtu;
    private final FrameSink sink;
    private final DropCounters drops;
    private final ArpCache arpCache;
    private final RateLimiter icmpErrors;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv4Flyweight innerIpv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final IcmpFlyweight innerIcmp = new IcmpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final Ipv4Flyweight txIpv4 = new Ipv4Flyweight();
    private final IcmpFlyweight txIcmp = new IcmpFlyweight();
    private final UdpFlyweight txUdp = new UdpFlyweight();
    /** Where outgoing packets are built: Ethernet header space, then the IPv4 packet (up to 64 KiB). */
    private final UnsafeBuffer scratch;
    /** Where one fragment of a packet in {@link #scratch} is cut out. */
    private final UnsafeBuffer fragment;
    private final Ipv4Reassembler reassembler;
    private final PodTcp tcp;

    private final Int2ObjectHashMap<UdpHandler> sockets = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<PingSession> pings = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<UdpCall> udpCalls = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<DnsLookup> lookups = new Int2ObjectHashMap<>();
    private final Discard discard = new Discard();
    private UdpFlood flood;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private int nextIdentification;
    private int nextPingIdentifier;
    private int nextEphemeralPort = EPHEMERAL_FIRST;
    private long dnsIds = System.nanoTime();

    /**
     * @param name   the pod's name (its netexec {@code hostname})
     * @param ip     its address, inside {@code subnet}
     * @param subnet the node's pod CIDR: on-link destinations
     * @param sink   its port on the bridge
     */
    public Pod(
        final String name,
        final int ip,
        final Ipv4Cidr subnet,
        final PodSettings settings,
        final FrameSink sink,
        final DropCounters drops)
    {
        this("default", name, ip, subnet, settings, sink, drops,
            ResolvConf.forPod(dev.podnet.packet.Ipv4Address.parse("10.96.0.10"), "default", DnsZone.DEFAULT_DOMAIN));
    }

    /**
     * @param namespace  the pod's namespace
     * @param resolvConf how it resolves names (the kubelet's {@code resolv.conf} for its namespace)
     */
    public Pod(
        final String namespace,
        final String name,
        final int ip,
        final Ipv4Cidr subnet,
        final PodSettings settings,
        final FrameSink sink,
        final DropCounters drops,
        final ResolvConf resolvConf)
    {
        this.name = name;
        this.namespace = namespace;
        this.resolvConf = resolvConf;
        this.ip = ip;
        this.mac = MacAddress.podMac(ip);
        this.subnet = subnet;
        this.gateway = subnet.address(1);
        this.mtu = settings.mtu();
        this.sink = sink;
        this.drops = drops;
        this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(ETH + 65536), 64));
        this.fragment = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(ETH + mtu), 64));
        this.reassembler = new Ipv4Reassembler(REASSEMBLY_DATAGRAMS, Ipv4Reassembler.DEFAULT_TIMEOUT_NANOS, drops);
        this.arpCache = new ArpCache(settings, ETH + mtu, this, drops);
        this.icmpErrors = new RateLimiter(settings.icmpErrorsPerSecond(), settings.icmpErrorBurst());
        this.nextIdentification = ip * 31 & 0xFFFF;
        this.nextPingIdentifier = (ip * 17 + 1) & 0xFFFF;
        sockets.put(Netexec.PORT, new Netexec(name));
        sockets.put(Discard.PORT, discard);
        this.tcp = new PodTcp(name, ip, mtu, settings.tcp(), new TcpOutput());
    }

    private static int align(final int value)
    {
        return (value + 63) & ~63;
    }

    public String name()
    {
        return name;
    }

    public int ip()
    {
        return ip;
    }

    public String namespace()
    {
        return namespace;
    }

    public ResolvConf resolvConf()
    {
        return resolvConf;
    }

    public long mac()
    {
        return mac;
    }

    public int gateway()
    {
        return gateway;
    }

    public int mtu()
    {
        return mtu;
    }

    /** Whether the node's way out pushed back (see {@link FrameSink#congested()}). */
    boolean congested()
    {
        return sink.congested();
    }

    public long framesIn()
    {
        return framesIn.get();
    }

    public long framesOut()
    {
        return framesOut.get();
    }

    // ---------------------------------------------------------------- receive path

    /** A frame the bridge delivered to this pod's port. */
    public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        framesIn.lazySet(framesIn.get() + 1);
        ethernet.wrap(buffer, offset, length);
        final PacketError error = ethernet.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final long destination = ethernet.destination();
        if (destination != mac && !MacAddress.isMulticast(destination))
        {
            drops.increment(DropReason.NOT_FOR_HOST);
            return;
        }
        switch (ethernet.etherType())
        {
            case ETHER_TYPE_ARP:
                onArp(buffer, ethernet.payloadOffset(), ethernet.payloadLength(), nowNanos);
                break;
            case ETHER_TYPE_IPV4:
                onIpv4(buffer, ethernet.payloadOffset(), ethernet.payloadLength(), nowNanos);
                break;
            default:
                drops.increment(DropReason.UNSUPPORTED_ETHER_TYPE);
                break;
        }
    }

    private void onArp(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        arp.wrap(buffer, offset, length);
        final PacketError error = arp.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final int senderIp = arp.senderIp();
        final long senderMac = arp.senderMac();
        final boolean forUs = arp.targetIp() == ip;
        if (senderIp == ip || MacAddress.isMulticast(senderMac))
        {
            return;
        }
        if (arp.operation() == ArpFlyweight.OP_REQUEST && forUs)
        {
            arpCache.confirm(senderIp, senderMac, nowNanos, true);
            sendArp(ArpFlyweight.OP_REPLY, senderMac, senderMac, senderIp);
        }
        else
        {
            arpCache.confirm(senderIp, senderMac, nowNanos, false);
        }
    }

    private void onIpv4(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        ipv4.wrap(buffer, offset, length);
        final PacketError error = ipv4.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        if (ipv4.destination() != ip)
        {
            drops.increment(DropReason.NOT_OUR_ADDRESS);
            return;
        }
        MutableDirectBuffer packet = buffer;
        if (ipv4.isFragment())
        {
            final int datagramLength = reassembler.offer(buffer, offset, nowNanos);
            if (datagramLength <= 0)
            {
                return; // held for the rest, or dropped and counted
            }
            packet = reassembler.datagramBuffer();
            ipv4.wrap(packet, 0, datagramLength);
        }
        switch (ipv4.protocol())
        {
            case Ipv4Flyweight.PROTOCOL_ICMP:
                onIcmp(packet, nowNanos);
                break;
            case Ipv4Flyweight.PROTOCOL_UDP:
                onUdp(packet, nowNanos);
                break;
            case Ipv4Flyweight.PROTOCOL_TCP:
            {
                final PacketError tcpError = tcp.onSegment(
                    ipv4.source(), ipv4.destination(), packet, ipv4.payloadOffset(), ipv4.payloadLength(), nowNanos);
                if (tcpError != PacketError.NONE)
                {
                    drops.increment(tcpError);
                }
                break;
            }
            default:
                drops.increment(DropReason.UNSUPPORTED_PROTOCOL);
                sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PROTOCOL_UNREACHABLE, 0, ipv4, nowNanos);
                break;
        }
    }

    private void onIcmp(final MutableDirectBuffer buffer, final long nowNanos)
    {
        icmp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength());
        final PacketError error = icmp.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        switch (icmp.type())
        {
            case TYPE_ECHO_REQUEST:
                sendEchoReply(nowNanos);
                break;

            case TYPE_ECHO_REPLY:
            {
                final PingSession session = pings.get(icmp.identifier());
                if (session != null)
                {
                    session.onReply(icmp.sequence(), ipv4.source(), ipv4.ttl(), icmp.length() - IcmpFlyweight.HEADER_LENGTH, nowNanos);
                }
                break;
            }

            case TYPE_DESTINATION_UNREACHABLE:
            case TYPE_TIME_EXCEEDED:
                onIcmpError(
                    IcmpFlyweight.typeName(icmp.type(), icmp.code()),
                    ipv4.source(),
                    icmp.code() == IcmpFlyweight.CODE_FRAGMENTATION_NEEDED ? icmp.nextHopMtu() : 0,
                    buffer,
                    icmp.payloadOffset(),
                    icmp.length() - IcmpFlyweight.HEADER_LENGTH,
                    nowNanos);
                break;

            default:
                drops.increment(DropReason.UNSUPPORTED_ICMP);
                break;
        }
    }

    /** An ICMP error (received, or raised locally) quoting one of our datagrams. */
    private void onIcmpError(
        final String type, final int from, final int nextHopMtu, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        if (length < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            drops.increment(PacketError.TRUNCATED_ICMP);
            return;
        }
        innerIpv4.wrap(buffer, offset, length);
        final int headerLength = innerIpv4.headerLength();
        if (innerIpv4.version() != 4 || headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH ||
            length < headerLength + ICMP_QUOTE_BYTES || innerIpv4.source() != ip)
        {
            drops.increment(PacketError.TRUNCATED_ICMP);
            return;
        }
        final int quoted = offset + headerLength;
        if (innerIpv4.protocol() == Ipv4Flyweight.PROTOCOL_ICMP)
        {
            innerIcmp.wrap(buffer, quoted, ICMP_QUOTE_BYTES);
            final PingSession session = pings.get(innerIcmp.identifier());
            if (innerIcmp.type() == TYPE_ECHO_REQUEST && session != null)
            {
                session.onError(innerIcmp.sequence(), type, from, nextHopMtu, nowNanos);
            }
        }
        else if (innerIpv4.protocol() == Ipv4Flyweight.PROTOCOL_UDP)
        {
            final int localPort = buffer.getShort(quoted + UdpFlyweight.SOURCE_PORT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final UdpCall call = udpCalls.get(localPort);
            if (call != null)
            {
                call.onError(this, type, from);
            }
            final DnsLookup lookup = lookups.get(localPort);
            if (lookup != null)
            {
                lookup.onError(this, nowNanos);
            }
        }
        else if (innerIpv4.protocol() == Ipv4Flyweight.PROTOCOL_TCP)
        {
            // RFC 792: the quote holds the first 8 bytes of the segment: its ports and sequence number
            tcp.stack().onIcmpError(type, nextHopMtu > 0, nextHopMtu, innerIpv4.destination(),
                buffer.getShort(quoted + TcpFlyweight.SOURCE_PORT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                buffer.getShort(quoted + TcpFlyweight.DESTINATION_PORT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                buffer.getInt(quoted + TcpFlyweight.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN), nowNanos);
        }
    }

    private void onUdp(final MutableDirectBuffer buffer, final long nowNanos)
    {
        udp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength());
        final PacketError error = udp.check(ipv4.source(), ipv4.destination());
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final UdpHandler handler = sockets.get(udp.destinationPort());
        if (handler == null)
        {
            drops.increment(DropReason.NO_SOCKET);
            sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PORT_UNREACHABLE, 0, ipv4, nowNanos);
            return;
        }
        handler.onDatagram(
            this, ipv4.source(), udp.sourcePort(), udp.destinationPort(), buffer, udp.payloadOffset(), udp.payloadLength(),
            nowNanos);
    }

    // ---------------------------------------------------------------- transmit path

    /**
     * Sends a UDP datagram from {@code sourcePort}, in fragments when it is larger than the MTU.
     *
     * @return 0 when it was sent (or is waiting for ARP), else the size limit it broke (65507 bytes of payload)
     */
    public int sendUdp(
        final int sourcePort, final int destinationIp, final int destinationPort,
        final DirectBuffer payload, final int offset, final int length, final long nowNanos)
    {
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + UdpFlyweight.HEADER_LENGTH + length;
        if (totalLength > Ipv4Reassembler.MAX_DATAGRAM_LENGTH)
        {
            return Ipv4Reassembler.MAX_DATAGRAM_LENGTH;
        }
        txIpv4.wrap(scratch, ETH, totalLength)
            .writeHeader(0, totalLength, nextIdentification(), false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_UDP, ip, destinationIp);
        txUdp.wrap(scratch, txIpv4.payloadOffset(), UdpFlyweight.HEADER_LENGTH + length)
            .writeHeader(sourcePort, destinationPort, length);
        scratch.putBytes(txUdp.payloadOffset(), payload, offset, length);
        txUdp.updateChecksum(ip, destinationIp);
        transmitIp(totalLength, destinationIp, nowNanos);
        return 0;
    }

    /**
     * Sends the IPv4 packet built in {@link #scratch}: as it is when it fits the MTU, else in
     * fragments (RFC 791), each routed on its own. Don't-fragment packets are refused by the callers.
     */
    private void transmitIp(final int totalLength, final int destination, final long nowNanos)
    {
        if (totalLength <= mtu)
        {
            route(scratch, ETH + totalLength, destination, nowNanos);
            return;
        }
        final int count = Ipv4Fragmenter.fragmentCount(totalLength, Ipv4Flyweight.MIN_HEADER_LENGTH, mtu);
        for (int i = 0; i < count; i++)
        {
            final int fragmentLength = Ipv4Fragmenter.writeFragment(scratch, ETH, mtu, i, fragment, ETH);
            route(fragment, ETH + fragmentLength, destination, nowNanos);
        }
    }

    /**
     * Sends one echo request of {@code ping}.
     *
     * @return 0 when it was sent, else the MTU a don't-fragment request did not fit
     */
    int sendEcho(final int identifier, final int sequence, final PingRequest request, final long nowNanos)
    {
        final int icmpLength = IcmpFlyweight.HEADER_LENGTH + request.size();
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength;
        if (totalLength > mtu && request.dontFragment())
        {
            return mtu;
        }
        txIpv4.wrap(scratch, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification(), request.dontFragment(), false, 0, request.ttl(),
            Ipv4Flyweight.PROTOCOL_ICMP, ip, request.target());
        txIcmp.wrap(scratch, txIpv4.payloadOffset(), icmpLength).writeEcho(TYPE_ECHO_REQUEST, identifier, sequence);
        final int payload = txIcmp.payloadOffset();
        for (int i = 0; i < request.size(); i++)
        {
            scratch.putByte(payload + i, (byte)(i < 8 ? nowNanos >>> (56 - 8 * i) : i));
        }
        txIcmp.updateChecksum();
        transmitIp(totalLength, request.target(), nowNanos);
        return 0;
    }

    private void sendEchoReply(final long nowNanos)
    {
        final int icmpLength = icmp.length();
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength;
        final int destination = ipv4.source();
        txIpv4.wrap(scratch, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification(), false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_ICMP, ip, destination);
        scratch.putBytes(txIpv4.payloadOffset(), icmp.buffer(), icmp.offset(), icmpLength);
        txIcmp.wrap(scratch, txIpv4.payloadOffset(), icmpLength).type(TYPE_ECHO_REPLY).code(0).updateChecksum();
        transmitIp(totalLength, destination, nowNanos);
    }

    /** Answers {@code offending} (the packet in {@link #ipv4}) with an ICMP error, rate-limited. */
    private void sendIcmpError(final int type, final int code, final int nextHopMtu, final Ipv4Flyweight offending, final long nowNanos)
    {
        if (!icmpErrors.tryAcquire(nowNanos))
        {
            drops.increment(DropReason.ICMP_RATE_LIMITED);
            return;
        }
        final int quoteLength = IcmpFlyweight.errorQuoteLength(offending.headerLength(), offending.totalLength());
        final int icmpLength = IcmpFlyweight.HEADER_LENGTH + quoteLength;
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength;
        final int destination = offending.source();
        txIpv4.wrap(scratch, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification(), false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_ICMP, ip, destination);
        txIcmp.wrap(scratch, txIpv4.payloadOffset(), icmpLength).writeError(type, code, nextHopMtu);
        scratch.putBytes(txIcmp.payloadOffset(), offending.buffer(), offending.offset(), quoteLength);
        txIcmp.updateChecksum();
        route(scratch, ETH + totalLength, destination, nowNanos);
    }

    /** Where the pod's TCP writes its segments: after the IPv4 header in {@link #scratch}. */
    private final class TcpOutput implements SegmentOutput
    {
        @Override
        public MutableDirectBuffer segmentBuffer()
        {
            return scratch;
        }

        @Override
        public int segmentOffset()
        {
            return ETH + Ipv4Flyweight.MIN_HEADER_LENGTH;
        }

        @Override
        public void sendSegment(final int remoteIp, final int length, final long nowNanos)
        {
            // DF set: TCP finds the path MTU (RFC 1191) and never sends more than the pod's MTU
            final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + length;
            txIpv4.wrap(scratch, ETH, totalLength).writeHeader(
                0, totalLength, nextIdentification(), true, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_TCP, ip, remoteIp);
            route(scratch, ETH + totalLength, remoteIp, nowNanos);
        }

        @Override
        public boolean canSendData(final int remoteIp)
        {
            return sink.hasRoom(remoteIp);
        }
    }

    /** Picks the next hop (on-link or the gateway) and sends, or holds the frame for ARP. */
    private void route(final MutableDirectBuffer frame, final int length, final int destination, final long nowNanos)
    {
        final int nextHop = subnet.contains(destination) ? destination : gateway;
        final long destinationMac = destination == subnet.broadcast() ? MacAddress.BROADCAST : arpCache.resolve(nextHop, nowNanos);
        if (destinationMac == ArpCache.NO_MAC)
        {
            arpCache.hold(nextHop, frame, length, nowNanos);
        }
        else
        {
            transmit(frame, length, destinationMac, ETHER_TYPE_IPV4);
        }
    }

    private void transmit(final DirectBuffer frame, final int length, final long destinationMac, final int etherType)
    {
        final MutableDirectBuffer slot = sink.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return;
        }
        slot.putBytes(ETH, frame, ETH, length - ETH);
        finishFrame(slot, length, destinationMac, etherType);
    }

    private void finishFrame(final MutableDirectBuffer slot, final int length, final long destinationMac, final int etherType)
    {
        ethernet.wrap(slot, 0, ETH).destination(destinationMac).source(mac).etherType(etherType);
        int frameLength = length;
        if (frameLength < MIN_FRAME_LENGTH)
        {
            slot.setMemory(frameLength, MIN_FRAME_LENGTH - frameLength, (byte)0);
            frameLength = MIN_FRAME_LENGTH;
        }
        sink.commit(frameLength);
        framesOut.lazySet(framesOut.get() + 1);
    }

    private void sendArp(final int operation, final long ethernetDestination, final long targetMac, final int targetIp)
    {
        final MutableDirectBuffer slot = sink.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return;
        }
        arp.wrap(slot, ETH, ArpFlyweight.LENGTH).writeIpv4OverEthernet(operation, mac, ip, targetMac, targetIp);
        finishFrame(slot, ETH + ArpFlyweight.LENGTH, ethernetDestination, ETHER_TYPE_ARP);
    }

    private int nextIdentification()
    {
        nextIdentification = (nextIdentification + 1) & 0xFFFF;
        return nextIdentification;
    }

    // ---------------------------------------------------------------- ArpCache.Actions

    @Override
    public void sendArpRequest(final int targetIp)
    {
        sendArp(ArpFlyweight.OP_REQUEST, MacAddress.BROADCAST, 0L, targetIp);
    }

    @Override
    public void transmitHeld(final MutableDirectBuffer frame, final int length, final long destinationMac)
    {
        transmit(frame, length, destinationMac, ETHER_TYPE_IPV4);
    }

    @Override
    public void failHeld(final MutableDirectBuffer frame, final int length, final long nowNanos)
    {
        // Linux reports a failed neighbour resolution to the sender as a local host-unreachable.
        onIcmpError("host-unreachable", ip, 0, frame, ETH, length - ETH, nowNanos);
    }

    // ---------------------------------------------------------------- timers, sockets, tools

    /** Runs ARP retransmits and ageing, ping schedules and call timeouts. */
    public void onTimer(final long nowNanos)
    {
        arpCache.onTimer(nowNanos);
        reassembler.expire(nowNanos);
        tcp.onTimer(nowNanos);
        if (!pings.isEmpty())
        {
            for (final Iterator<PingSession> it = pings.values().iterator(); it.hasNext(); )
            {
                if (it.next().onTimer(this, nowNanos))
                {
                    it.remove();
                }
            }
        }
        if (!udpCalls.isEmpty())
        {
            for (final Iterator<UdpCall> it = udpCalls.values().iterator(); it.hasNext(); )
            {
                if (it.next().onTimer(this, nowNanos))
                {
                    it.remove();
                }
            }
        }
        if (!lookups.isEmpty())
        {
            for (final Iterator<DnsLookup> it = lookups.values().iterator(); it.hasNext(); )
            {
                if (it.next().onTimer(this, nowNanos))
                {
                    it.remove();
                }
            }
        }
    }

    /** Sends the next batch of a running UDP flood; returns how many duty-cycle units of work that was. */
    public int pump(final long nowNanos)
    {
        final int work = tcp.pump(nowNanos);
        final UdpFlood running = flood;
        if (running == null)
        {
            return work;
        }
        if (running.pump(this, nowNanos))
        {
            flood = null;
            sockets.remove(running.localPort);
        }
        return work + 1;
    }

    // ---------------------------------------------------------------- TCP tools

    /**
     * {@code curl}: GET {@code path} from {@code ip:port}, sending {@code Host: host}; the future completes with the
     * response or what went wrong (a refused or reset connection, an unreachable host, the timeout).
     */
    public void http(
        final int ip, final int port, final String host, final String path, final long timeoutNanos,
        final CompletableFuture<HttpResult> result, final long nowNanos)
    {
        tcp.http(ip, port, host, path, timeoutNanos, result, nowNanos);
    }

    /**
     * {@code tcp-perf}: {@code streams} bulk connections to {@code ip:port} for {@code durationNanos}, or until
     * {@code bytes} (when not 0) went through, the duration then being the limit.
     */
    public void tcpPerf(
        final int ip, final int port, final int streams, final long durationNanos, final long bytes, final long intervalNanos,
        final long connectTimeoutNanos, final CompletableFuture<TcpPerfResult> result, final long nowNanos)
    {
        tcp.perf(ip, port, streams, durationNanos, bytes, intervalNanos, connectTimeoutNanos, result, nowNanos);
    }

    /**
     * A probe on the pod's long-lived TCP connection to {@code ip:port} (an echo service; opened on first use, and
     * again after it was lost): what continuous probing and chaos runs watch.
     */
    public void tcpProbe(final int ip, final int port, final long timeoutNanos, final CompletableFuture<TcpProbeResult> result,
        final long nowNanos)
    {
        tcp.probe(ip, port, timeoutNanos, result, nowNanos);
    }

    /**
     * A connect check of {@code ip:port}: the three-way handshake, then a reset; completes with {@code established}
     * or why not ({@code connection-refused}, {@code timeout}, ...).
     */
    public void tcpHandshake(final int ip, final int port, final long timeoutNanos, final CompletableFuture<String> result,
        final long nowNanos)
    {
        tcp.handshake(ip, port, timeoutNanos, result, nowNanos);
    }

    /** Opens a TCP connection for {@code handler} (which then runs on the data-plane thread); null when none is free. */
    public TcpConnection tcpConnect(final int ip, final int port, final TcpHandler handler, final long nowNanos)
    {
        return tcp.connect(ip, port, handler, nowNanos);
    }

    /** The pod's listening ports and connections, as {@code ss -tin}. */
    public List<SocketInfo> tcpSockets()
    {
        return tcp.sockets();
    }

    /** The pod's TCP counters. */
    public TcpCounters tcpCounters()
    {
        return tcp.counters();
    }

    /** Bytes the pod's TCP discard service dropped. */
    public long tcpDiscardedBytes()
    {
        return tcp.discardedBytes();
    }

    /** Floods {@code target:port} with datagrams of {@code size} payload bytes for {@code durationNanos}. One flood per pod at a time. */
    public void udpFlood(
        final int target, final int port, final int size, final long durationNanos,
        final CompletableFuture<UdpFloodResult> result, final long nowNanos)
    {
        if (flood != null)
        {
            result.completeExceptionally(new IllegalStateException("pod " + name + " is already flooding"));
            return;
        }
        final int localPort = allocateEphemeralPort();
        if (localPort < 0)
        {
            result.completeExceptionally(new IllegalStateException("no free ephemeral UDP port in pod " + name));
            return;
        }
        sockets.put(localPort, discard);
        flood = new UdpFlood(localPort, target, port, size, nowNanos, durationNanos, result);
    }

    public PodStats stats()
    {
        return new PodStats(name, framesIn.get(), framesOut.get(), discard.datagrams(), discard.bytes(), discard.lastNanos());
    }

    /** Binds {@code handler} to a UDP port; false when the port is taken. */
    public boolean bindUdp(final int port, final UdpHandler handler)
    {
        if (port < 1 || port > 65535 || sockets.containsKey(port))
        {
            return false;
        }
        sockets.put(port, handler);
        return true;
    }

    public void unbindUdp(final int port)
    {
        sockets.remove(port);
    }

    /** Starts a {@code ping}; the future completes on the data-plane thread. */
    public void ping(final PingRequest request, final CompletableFuture<PingResult> result, final long nowNanos)
    {
        int identifier = nextPingIdentifier;
        while (pings.containsKey(identifier))
        {
            identifier = (identifier + 1) & 0xFFFF;
        }
        nextPingIdentifier = (identifier + 1) & 0xFFFF;
        final PingSession session = new PingSession(identifier, request, result, nowNanos);
        pings.put(identifier, session);
        if (session.onTimer(this, nowNanos))
        {
            pings.remove(identifier);
        }
    }

    /** Sends {@code payload} to {@code target:port} from an ephemeral port and waits for one datagram back. */
    public void udpCall(
        final int target, final int port, final byte[] payload, final long timeoutNanos,
        final CompletableFuture<UdpExchange> result, final long nowNanos)
    {
        final int localPort = allocateEphemeralPort();
        if (localPort < 0)
        {
            result.completeExceptionally(new IllegalStateException("no free ephemeral UDP port in pod " + name));
            return;
        }
        final UdpCall call = new UdpCall(localPort, result, nowNanos + timeoutNanos);
        sockets.put(localPort, call);
        udpCalls.put(localPort, call);
        final int tooLargeFor = sendUdp(localPort, target, port, new UnsafeBuffer(payload), 0, payload.length, nowNanos);
        if (tooLargeFor > 0)
        {
            call.onError(this, "message-too-long", ip);
        }
        if (call.isDone())
        {
            udpCalls.remove(localPort);
        }
    }

    /**
     * Resolves {@code hostname} as the pod's resolver would ({@code getent hosts}, {@code nslookup}): the
     * search path and ndots of its {@code resolv.conf}, queries over UDP to its name server.
     *
     * @param type the record type to ask ({@link DnsZone#TYPE_A} for an address)
     */
    public void resolve(final String hostname, final int type, final CompletableFuture<StubResolver.Result> result,
        final long nowNanos)
    {
        final StubResolver resolver;
        try
        {
            dnsIds = dnsIds * 6364136223846793005L + 1442695040888963407L; // query IDs a spoofer cannot guess in order (RFC 5452)
            resolver = new StubResolver(resolvConf, hostname, type, (int)(dnsIds >>> 48));
        }
        catch (final IllegalArgumentException ex)
        {
            result.completeExceptionally(ex);
            return;
        }
        final int localPort = allocateEphemeralPort();
        if (localPort < 0)
        {
            result.completeExceptionally(new IllegalStateException("no free ephemeral UDP port in pod " + name));
            return;
        }
        final DnsLookup lookup = new DnsLookup(localPort, resolver, resolvConf.nameserver(), result);
        sockets.put(localPort, lookup);
        lookups.put(localPort, lookup);
        lookup.start(this, nowNanos);
        if (result.isDone())
        {
            lookups.remove(localPort);
        }
    }

    private int allocateEphemeralPort()
    {
        for (int i = 0; i <= EPHEMERAL_LAST - EPHEMERAL_FIRST; i++)
        {
            final int port = nextEphemeralPort;
            nextEphemeralPort = port == EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
            if (!sockets.containsKey(port))
            {
                return port;
            }
        }
        return -1;
    }

    public List<ArpEntry> arpTable(final long nowNanos)
    {
        return arpCache.snapshot(nowNanos);
    }

    /** The pod is being deleted: fails whatever is still running in it. */
    public void close()
    {
        final String reason = "pod " + name + " was deleted";
        for (final PingSession session : new ArrayList<>(pings.values()))
        {
            session.abort(reason);
        }
        for (final UdpCall call : new ArrayList<>(udpCalls.values()))
        {
            call.abort(reason);
        }
        for (final DnsLookup lookup : new ArrayList<>(lookups.values()))
        {
            lookup.abort(reason);
        }
        pings.clear();
        udpCalls.clear();
        lookups.clear();
        if (flood != null)
        {
            flood.abort(reason);
            flood = null;
        }
        tcp.close(reason);
    }

    @Override
    public String toString()
    {
        return "Pod{" + name + " " + dev.podnet.packet.Ipv4Address.format(ip) + " " + MacAddress.format(mac) + "}";
    }
}
