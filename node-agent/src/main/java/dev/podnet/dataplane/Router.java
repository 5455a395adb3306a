package dev.podnet.dataplane;

import dev.podnet.packet.ArpFlyweight;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.PacketError;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.FrameSink;
import dev.podnet.pod.RateLimiter;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_ARP;
import static dev.podnet.packet.EthernetFlyweight.ETHER_TYPE_IPV4;
import static dev.podnet.packet.IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE;
import static dev.podnet.packet.IcmpFlyweight.TYPE_TIME_EXCEEDED;

/**
 * The node's router, seen from the bridge as the gateway: the {@code .1} address of the node CIDR
 * with a MAC of its own, the default route of every pod.
 * <p>
 * It answers ARP for the gateway address and pings to it, and routes what pods send to it:
 * <ol>
 *   <li>TTL: a packet that would leave with TTL 0 is answered with ICMP time exceeded
 *       (traceroute's first hop is this gateway).</li>
 *   <li>Local pod CIDR: the destination MAC comes from the node's endpoint table (no ARP needed,
 *       the node made every local pod); an address no pod holds is answered with host unreachable.</li>
 *   <li>Anything else: no route in this node yet (the overlay adds routes to other nodes), so net
 *       unreachable.</li>
 * </ol>
 * ICMP errors follow RFC 1122 (never about an ICMP error, a fragment other than the first, or a
 * broadcast) and are rate-limited as Linux does.
 */
final class Router implements BridgePort
{
    private static final int ETH = EthernetFlyweight.HEADER_LENGTH;
    private static final int DEFAULT_TTL = 64;
    private static final int MIN_FRAME_LENGTH = 60;

    private final int portId;
    private final Ipv4Cidr podCidr;
    private final int gatewayIp;
    private final long gatewayMac;
    private final Long2LongHashMap localEndpoints;
    private final FrameSink sink;
    private final DropCounters drops;
    private final RateLimiter icmpErrors;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final EthernetFlyweight txEthernet = new EthernetFlyweight();
    private final ArpFlyweight txArp = new ArpFlyweight();
    private final Ipv4Flyweight txIpv4 = new Ipv4Flyweight();
    private final IcmpFlyweight txIcmp = new IcmpFlyweight();
    private int nextIdentification;

    Router(
        final int portId,
        final Ipv4Cidr podCidr,
        final long gatewayMac,
        final Long2LongHashMap localEndpoints,
        final FrameSink sink,
        final DropCounters drops,
        final RateLimiter icmpErrors)
    {
        this.portId = portId;
        this.podCidr = podCidr;
        this.gatewayIp = podCidr.address(1);
        this.gatewayMac = gatewayMac;
        this.localEndpoints = localEndpoints;
        this.sink = sink;
        this.drops = drops;
        this.icmpErrors = icmpErrors;
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

    @Override
    public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
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
                onArp(buffer, nowNanos);
                break;
            case ETHER_TYPE_IPV4:
                if (destination == gatewayMac)
                {
                    onIpv4(buffer, nowNanos);
                }
                break;
            default:
                drops.increment(DropReason.UNSUPPORTED_ETHER_TYPE);
                break;
        }
    }

    private void onArp(final MutableDirectBuffer buffer, final long nowNanos)
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
        txEthernet.wrap(slot, 0, MIN_FRAME_LENGTH).destination(requesterMac).source(gatewayMac).etherType(ETHER_TYPE_ARP);
        txArp.wrap(slot, ETH, ArpFlyweight.LENGTH)
            .writeIpv4OverEthernet(ArpFlyweight.OP_REPLY, gatewayMac, gatewayIp, requesterMac, requesterIp);
        slot.setMemory(ETH + ArpFlyweight.LENGTH, MIN_FRAME_LENGTH - ETH - ArpFlyweight.LENGTH, (byte)0);
        sink.commit(MIN_FRAME_LENGTH);
    }

    private void onIpv4(final MutableDirectBuffer buffer, final long nowNanos)
    {
        ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength());
        final PacketError error = ipv4.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final int destination = ipv4.destination();
        if (destination == gatewayIp)
        {
            onLocal(nowNanos);
            return;
        }
        if (ipv4.ttl() <= 1)
        {
            drops.increment(DropReason.TTL_EXCEEDED);
            sendIcmpError(TYPE_TIME_EXCEEDED, IcmpFlyweight.CODE_TTL_EXCEEDED, 0, nowNanos);
            return;
        }
        if (podCidr.contains(destination))
        {
            final long mac = localEndpoints.get(destination & 0xFFFFFFFFL);
            if (mac == localEndpoints.missingValue())
            {
                drops.increment(DropReason.NO_HOST);
                sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_HOST_UNREACHABLE, 0, nowNanos);
                return;
            }
            routeOut(mac);
            return;
        }
        drops.increment(DropReason.NO_ROUTE);
        sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_NET_UNREACHABLE, 0, nowNanos);
    }

    /** Forwards the packet in {@link #ipv4} back onto the bridge to {@code mac}, TTL - 1. */
    private void routeOut(final long mac)
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
        commitPadded(slot, frameLength);
    }

    /** A packet for the gateway itself: answer pings, refuse the rest. */
    private void onLocal(final long nowNanos)
    {
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
                final MutableDirectBuffer slot = startReply(Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
                if (slot != null)
                {
                    slot.putBytes(txIpv4.payloadOffset(), icmp.buffer(), icmp.offset(), icmpLength);
                    txIcmp.wrap(slot, txIpv4.payloadOffset(), icmpLength).type(IcmpFlyweight.TYPE_ECHO_REPLY).code(0).updateChecksum();
                    commitPadded(slot, ETH + Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
                }
            }
            return;
        }
        if (ipv4.protocol() == Ipv4Flyweight.PROTOCOL_UDP)
        {
            sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PORT_UNREACHABLE, 0, nowNanos);
            return;
        }
        sendIcmpError(TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PROTOCOL_UNREACHABLE, 0, nowNanos);
    }

    /** Answers the packet in {@link #ipv4} (from the frame in {@link #ethernet}) with an ICMP error. */
    private void sendIcmpError(final int type, final int code, final int nextHopMtu, final long nowNanos)
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
        final MutableDirectBuffer slot = startReply(Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
        if (slot == null)
        {
            return;
        }
        txIcmp.wrap(slot, txIpv4.payloadOffset(), icmpLength).writeError(type, code, nextHopMtu);
        slot.putBytes(txIcmp.payloadOffset(), ipv4.buffer(), ipv4.offset(), quoteLength);
        txIcmp.updateChecksum();
        commitPadded(slot, ETH + Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength);
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

    /** Claims a slot and writes Ethernet + IPv4 headers of a packet from the gateway back to the sender. */
    private MutableDirectBuffer startReply(final int totalLength)
    {
        final MutableDirectBuffer slot = sink.claim();
        if (slot == null)
        {
            drops.increment(DropReason.QUEUE_FULL);
            return null;
        }
        txEthernet.wrap(slot, 0, ETH).destination(ethernet.source()).source(gatewayMac).etherType(ETHER_TYPE_IPV4);
        nextIdentification = (nextIdentification + 1) & 0xFFFF;
        txIpv4.wrap(slot, ETH, totalLength).writeHeader(
            0, totalLength, nextIdentification, false, false, 0, DEFAULT_TTL, Ipv4Flyweight.PROTOCOL_ICMP,
            gatewayIp, ipv4.source());
        return slot;
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
