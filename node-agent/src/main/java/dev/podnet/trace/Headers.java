package dev.podnet.trace;

import dev.podnet.packet.ArpFlyweight;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.UdpFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A frame's headers in one line, as a trace shows them: {@code 0a:58:0a:f4:01:02 > 0a:58:0a:f4:01:01, IPv4
 * 10.244.1.2 > 10.244.2.3 ttl 64 id 7, ICMP echo-request id 1 seq 1}. Only for traced frames (it allocates).
 */
public final class Headers
{
    private Headers()
    {
    }

    public static String describe(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[Math.max(0, length)];
        buffer.getBytes(offset, copy);
        final UnsafeBuffer frame = new UnsafeBuffer(copy);
        if (length < EthernetFlyweight.HEADER_LENGTH)
        {
            return "truncated frame (" + length + " bytes)";
        }
        final StringBuilder line = new StringBuilder();
        line.append(MacAddress.format(MacAddress.getMac(frame, EthernetFlyweight.SOURCE_OFFSET))).append(" > ")
            .append(MacAddress.format(MacAddress.getMac(frame, 0)));
        final int etherType = frame.getShort(12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int l3 = EthernetFlyweight.HEADER_LENGTH;
        if (etherType == EthernetFlyweight.ETHER_TYPE_ARP && length >= l3 + ArpFlyweight.LENGTH)
        {
            final ArpFlyweight arp = new ArpFlyweight().wrap(frame, l3, length - l3);
            line.append(", ARP ").append(arp.operation() == ArpFlyweight.OP_REQUEST ?
                "who-has " + Ipv4Address.format(arp.targetIp()) + " tell " + Ipv4Address.format(arp.senderIp()) :
                Ipv4Address.format(arp.senderIp()) + " is-at " + MacAddress.format(arp.senderMac()));
            return line.toString();
        }
        if (etherType != EthernetFlyweight.ETHER_TYPE_IPV4 || length < l3 + Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return line.append(", ethertype 0x").append(Integer.toHexString(etherType)).toString();
        }
        final Ipv4Flyweight ip = new Ipv4Flyweight().wrap(frame, l3, length - l3);
        line.append(", IPv4 ").append(Ipv4Address.format(ip.source())).append(" > ").append(Ipv4Address.format(ip.destination()))
            .append(" ttl ").append(ip.ttl()).append(" id ").append(ip.identification()).append(" len ").append(ip.totalLength());
        if (ip.isFragment())
        {
            line.append(" frag ").append(ip.fragmentOffset() * 8).append(ip.moreFragments() ? "+" : "");
            if (ip.fragmentOffset() != 0)
            {
                return line.toString();
            }
        }
        final int l4 = l3 + ip.headerLength();
        final int l4Length = Math.min(ip.totalLength(), length - l3) - ip.headerLength();
        switch (ip.protocol())
        {
            case Ipv4Flyweight.PROTOCOL_ICMP:
                if (l4Length >= IcmpFlyweight.HEADER_LENGTH)
                {
                    final IcmpFlyweight icmp = new IcmpFlyweight().wrap(frame, l4, l4Length);
                    line.append(", ICMP ").append(icmpType(icmp.type(), icmp.code()));
                    if (icmp.type() == IcmpFlyweight.TYPE_ECHO_REQUEST || icmp.type() == IcmpFlyweight.TYPE_ECHO_REPLY)
                    {
                        line.append(" id ").append(icmp.identifier()).append(" seq ").append(icmp.sequence());
                    }
                }
                break;
            case Ipv4Flyweight.PROTOCOL_UDP:
                if (l4Length >= UdpFlyweight.HEADER_LENGTH)
                {
                    final UdpFlyweight udp = new UdpFlyweight().wrap(frame, l4, l4Length);
                    line.append(", UDP ").append(udp.sourcePort()).append(" > ").append(udp.destinationPort())
                        .append(" len ").append(udp.udpLength());
                }
                break;
            case Ipv4Flyweight.PROTOCOL_TCP:
                if (l4Length >= 14)
                {
                    line.append(", TCP ").append(frame.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF).append(" > ")
                        .append(frame.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF).append(" flags ")
                        .append(tcpFlags(frame.getByte(l4 + 13) & 0xFF));
                }
                break;
            default:
                line.append(", protocol ").append(ip.protocol());
                break;
        }
        return line.toString();
    }

    private static String icmpType(final int type, final int code)
    {
        switch (type)
        {
            case IcmpFlyweight.TYPE_ECHO_REQUEST:
                return "echo-request";
            case IcmpFlyweight.TYPE_ECHO_REPLY:
                return "echo-reply";
            case IcmpFlyweight.TYPE_TIME_EXCEEDED:
                return "time-exceeded";
            case IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE:
                switch (code)
                {
                    case 0:
                        return "net-unreachable";
                    case 1:
                        return "host-unreachable";
                    case 2:
                        return "protocol-unreachable";
                    case 3:
                        return "port-unreachable";
                    case 4:
                        return "fragmentation-needed";
                    default:
                        return "unreachable code " + code;
                }
            default:
                return "type " + type + " code " + code;
        }
    }

    private static String tcpFlags(final int flags)
    {
        final String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < names.length; i++)
        {
            if ((flags & (1 << i)) != 0)
            {
                text.append(text.length() == 0 ? "" : ",").append(names[i]);
            }
        }
        return text.length() == 0 ? "none" : text.toString();
    }
}
