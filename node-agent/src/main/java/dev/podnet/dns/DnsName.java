package dev.podnet.dns;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Domain names in wire format (RFC 1035 section 3.1): a sequence of labels, each a length byte
 * (1..63) and that many bytes, ended by the zero-length root label; at most 255 bytes in all. In a
 * message a name may end in a compression pointer (two bytes, top bits {@code 11}, RFC 1035 section
 * 4.1.4) to an earlier name.
 * <p>
 * Reading ({@link #read}) decompresses into a buffer of the caller's, without allocating; names are
 * compared case-insensitively (RFC 4343) through {@link #hash} and {@link #equalsIgnoreCase}. The
 * methods that take or return {@code String} are for compiling zones and for tools, never per packet.
 */
public final class DnsName
{
    /** The longest name in wire format, root label included. */
    public static final int MAX_LENGTH = 255;
    public static final int MAX_LABEL = 63;
    /** How many compression pointers one name may follow: more is a loop. */
    private static final int MAX_POINTERS = 32;
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private DnsName()
    {
    }

    /**
     * Reads the name at {@code at} of the message in {@code message[0, messageLength)} into {@code out}
     * at {@code outOffset} in wire format, uncompressed and with its case as sent.
     *
     * @return {@code (end << 32) | nameLength}: {@code end} is where the name ends in the message (after
     *     its first pointer, if any), {@code nameLength} the bytes written to {@code out}; {@code -1} when
     *     the name is malformed (runs past the message, a label over 63 bytes, longer than 255 bytes, a
     *     pointer loop, a reserved label type)
     */
    public static long read(
        final DirectBuffer message, final int messageLength, final int at, final MutableDirectBuffer out, final int outOffset)
    {
        int position = at;
        int end = -1;
        int written = 0;
        int pointers = 0;
        while (true)
        {
            if (position >= messageLength)
            {
                return -1;
            }
            final int length = message.getByte(position) & 0xFF;
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= messageLength || ++pointers > MAX_POINTERS)
                {
                    return -1;
                }
                if (end < 0)
                {
                    end = position + 2;
                }
                position = ((length & 0x3F) << 8) | (message.getByte(position + 1) & 0xFF);
                continue;
            }
            if ((length & 0xC0) != 0)
            {
                return -1; // 01 and 10 label types are reserved / obsolete (RFC 6891 section 5)
            }
            if (written + 1 + length > MAX_LENGTH || position + 1 + length > messageLength)
            {
                return -1;
            }
            out.putByte(outOffset + written, (byte)length);
            if (length == 0)
            {
                written++;
                if (end < 0)
                {
                    end = position + 1;
                }
                return (long)end << 32 | written;
            }
            out.putBytes(outOffset + written + 1, message, position + 1, length);
            written += 1 + length;
            position += 1 + length;
        }
    }

    /** Where the name at {@code at} ends in the message (without following pointers), or -1 when it runs past it. */
    public static int skip(final DirectBuffer message, final int messageLength, final int at)
    {
        int position = at;
        while (position < messageLength)
        {
            final int length = message.getByte(position) & 0xFF;
            if ((length & 0xC0) == 0xC0)
            {
                return position + 2 <= messageLength ? position + 2 : -1;
            }
            if ((length & 0xC0) != 0)
            {
                return -1;
            }
            position += 1 + length;
            if (length == 0)
            {
                return position;
            }
        }
        return -1;
    }

    /** A case-insensitive 64-bit hash (FNV-1a over the lower-cased bytes) of a wire-format name. */
    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = FNV_OFFSET;
        for (int i = 0; i < length; i++)
        {
            hash ^= lower(buffer.getByte(offset + i)) & 0xFF;
            hash *= FNV_PRIME;
        }
        return hash;
    }

    public static long hash(final byte[] name)
    {
        long hash = FNV_OFFSET;
        for (final byte b : name)
        {
            hash ^= lower(b) & 0xFF;
            hash *= FNV_PRIME;
        }
        return hash;
    }

    /** Whether the wire-format name in {@code buffer} equals {@code name}, ignoring ASCII case. */
    public static boolean equalsIgnoreCase(final DirectBuffer buffer, final int offset, final int length, final byte[] name)
    {
        if (length != name.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (lower(buffer.getByte(offset + i)) != lower(name[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static byte lower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }

    /** How many labels the wire-format name has (the root label not counted). */
    public static int labelCount(final DirectBuffer buffer, final int offset, final int length)
    {
        int count = 0;
        int position = offset;
        while (position < offset + length)
        {
            final int label = buffer.getByte(position) & 0xFF;
            if (label == 0)
            {
                break;
            }
            count++;
            position += 1 + label;
        }
        return count;
    }

    /**
     * The wire form of a dotted name, lower-cased ({@code "web.default.svc.cluster.local"}; a trailing
     * dot is allowed, {@code "."} or {@code ""} is the root).
     *
     * @throws IllegalArgumentException for an empty label, a label over 63 bytes or a name over 255 bytes
     */
    public static byte[] toWire(final String dotted)
    {
        return toWire(dotted, false);
    }

    /** As {@link #toWire(String)}, keeping the case of {@code dotted} when {@code keepCase}. */
    public static byte[] toWire(final String dotted, final boolean keepCase)
    {
        final String name = dotted.endsWith(".") ? dotted.substring(0, dotted.length() - 1) : dotted;
        if (name.isEmpty())
        {
            return new byte[] {0};
        }
        final byte[] text = (keepCase ? name : name.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.US_ASCII);
        final byte[] wire = new byte[text.length + 2];
        int labelStart = 0;
        int out = 0;
        for (int i = 0; i <= text.length; i++)
        {
            if (i == text.length || text[i] == '.')
            {
                final int length = i - labelStart;
                if (length == 0 || length > MAX_LABEL)
                {
                    throw new IllegalArgumentException("'" + dotted + "' is not a domain name: " +
                        (length == 0 ? "an empty label" : "a label longer than 63 bytes"));
                }
                wire[out++] = (byte)length;
                System.arraycopy(text, labelStart, wire, out, length);
                out += length;
                labelStart = i + 1;
            }
        }
        wire[out] = 0;
        if (wire.length > MAX_LENGTH)
        {
            throw new IllegalArgumentException("'" + dotted + "' is longer than 255 bytes in wire format");
        }
        return wire;
    }

    /** The dotted text of a wire-format name, with a trailing dot ({@code "web.default.svc.cluster.local."}). */
    public static String toText(final DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder text = new StringBuilder();
        int position = offset;
        while (position < offset + length)
        {
            final int label = buffer.getByte(position) & 0xFF;
            if (label == 0)
            {
                break;
            }
            for (int i = 0; i < label; i++)
            {
                text.append((char)(buffer.getByte(position + 1 + i) & 0xFF));
            }
            text.append('.');
            position += 1 + label;
        }
        return text.length() == 0 ? "." : text.toString();
    }

    public static String toText(final byte[] wire)
    {
        return toText(new org.agrona.concurrent.UnsafeBuffer(wire), 0, wire.length);
    }

    /** {@code d.c.b.a.in-addr.arpa} for {@code a.b.c.d} (RFC 1035 section 3.5). */
    public static String reverseName(final int ip)
    {
        return (ip & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 24) + ".in-addr.arpa";
    }

    /** {@code a-b-c-d}: a pod's name in {@code pod.<zone>}, and CoreDNS's hostname of an endpoint without one. */
    public static String dashed(final int ip)
    {
        return (ip >>> 24) + "-" + (ip >>> 16 & 0xFF) + "-" + (ip >>> 8 & 0xFF) + "-" + (ip & 0xFF);
    }

    /**
     * The address an {@code a-b-c-d} label spells (each part 0..255 in decimal, at most three digits),
     * or -1 when the label is anything else. Reads {@code length} bytes from {@code offset}.
     */
    public static long parseDashed(final DirectBuffer buffer, final int offset, final int length)
    {
        long ip = 0;
        int parts = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= length; i++)
        {
            final int c = i == length ? '-' : buffer.getByte(offset + i);
            if (c == '-')
            {
                if (value < 0 || value > 255 || ++parts > 4)
                {
                    return -1;
                }
                ip = ip << 8 | value;
                value = -1;
                digits = 0;
            }
            else if (c >= '0' && c <= '9' && ++digits <= 3)
            {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
            }
            else
            {
                return -1;
            }
        }
        return parts == 4 ? ip : -1;
    }

    /** The labels of a dotted name, for tools and tests. */
    public static List<String> labels(final String dotted)
    {
        final List<String> labels = new ArrayList<>();
        for (final String label : dotted.split("\\."))
        {
            if (!label.isEmpty())
            {
                labels.add(label);
            }
        }
        return labels;
    }
}
