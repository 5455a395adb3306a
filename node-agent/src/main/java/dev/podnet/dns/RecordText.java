package dev.podnet.dns;

import dev.podnet.packet.Ipv4Address;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Record data as {@code dig} presents it ({@code 10.96.0.10}, {@code 0 100 8081 web.default.svc.cluster.local.}),
 * for tools: allocates, never used per packet.
 */
final class RecordText
{
    private RecordText()
    {
    }

    /** The text of the data of a record of {@code type} at {@code rdata}, or null when it is malformed. */
    static String of(final DirectBuffer message, final int messageLength, final int type, final int rdata, final int rdLength)
    {
        final UnsafeBuffer name = new UnsafeBuffer(new byte[DnsName.MAX_LENGTH]);
        switch (type)
        {
            case DnsZone.TYPE_A:
                return rdLength == 4 ? Ipv4Address.format(message.getInt(rdata, ByteOrder.BIG_ENDIAN)) : null;
            case DnsZone.TYPE_NS:
            case DnsZone.TYPE_CNAME:
            case DnsZone.TYPE_PTR:
            {
                final long read = DnsName.read(message, messageLength, rdata, name, 0);
                return read < 0 ? null : DnsName.toText(name, 0, (int)read);
            }
            case DnsZone.TYPE_SRV:
            {
                if (rdLength < 7)
                {
                    return null;
                }
                final long read = DnsName.read(message, messageLength, rdata + 6, name, 0);
                return read < 0 ? null : (message.getShort(rdata, ByteOrder.BIG_ENDIAN) & 0xFFFF) + " " +
                    (message.getShort(rdata + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) + " " +
                    (message.getShort(rdata + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF) + " " + DnsName.toText(name, 0, (int)read);
            }
            case DnsZone.TYPE_TXT:
            {
                final StringBuilder text = new StringBuilder();
                int at = rdata;
                while (at < rdata + rdLength)
                {
                    final int length = message.getByte(at) & 0xFF;
                    if (at + 1 + length > rdata + rdLength)
                    {
                        return null;
                    }
                    text.append(text.length() == 0 ? "" : " ").append('"');
                    for (int i = 0; i < length; i++)
                    {
                        text.append((char)(message.getByte(at + 1 + i) & 0xFF));
                    }
                    text.append('"');
                    at += 1 + length;
                }
                return text.toString();
            }
            case DnsZone.TYPE_SOA:
            {
                final long mname = DnsName.read(message, messageLength, rdata, name, 0);
                if (mname < 0)
                {
                    return null;
                }
                final String primary = DnsName.toText(name, 0, (int)mname);
                final long rname = DnsName.read(message, messageLength, (int)(mname >>> 32), name, 0);
                final int numbers = (int)(rname >>> 32);
                if (rname < 0 || numbers + 20 > rdata + rdLength)
                {
                    return null;
                }
                final StringBuilder text = new StringBuilder(primary).append(' ').append(DnsName.toText(name, 0, (int)rname));
                for (int i = 0; i < 5; i++)
                {
                    text.append(' ').append(message.getInt(numbers + 4 * i, ByteOrder.BIG_ENDIAN) & 0xFFFFFFFFL);
                }
                return text.toString();
            }
            default:
                return "\\# " + rdLength;
        }
    }

    /** The mnemonic of a record type. */
    static String typeName(final int type)
    {
        switch (type)
        {
            case DnsZone.TYPE_A:
                return "A";
            case DnsZone.TYPE_NS:
                return "NS";
            case DnsZone.TYPE_CNAME:
                return "CNAME";
            case DnsZone.TYPE_SOA:
                return "SOA";
            case DnsZone.TYPE_PTR:
                return "PTR";
            case DnsZone.TYPE_TXT:
                return "TXT";
            case DnsZone.TYPE_AAAA:
                return "AAAA";
            case DnsZone.TYPE_SRV:
                return "SRV";
            case DnsZone.TYPE_ANY:
                return "ANY";
            default:
                return "TYPE" + type;
        }
    }
}
