package dev.podnet.packet;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * MAC addresses as {@code long}s: the 48 bits in the low bits, first octet (transmitted first) highest, so
 * {@code 0a:58:0a:f4:01:02} is {@code 0x0A58_0AF4_0102L}.
 */
public final class MacAddress
{
    /**
     * Length of a MAC address in bytes.
     */
    public static final int LENGTH = 6;

    /**
     * {@code ff:ff:ff:ff:ff:ff}.
     */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    /**
     * {@code 00:00:00:00:00:00}, e.g. the unknown target hardware address of an ARP request.
     */
    public static final long ZERO = 0L;

    /**
     * The individual/group bit of the first octet: set for multicast and broadcast.
     */
    private static final long GROUP_BIT = 0x0100_0000_0000L;

    private static final long POD_MAC_PREFIX = 0x0A58_0000_0000L;

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private MacAddress()
    {
    }

    /**
     * Colon-separated lower-case hex text of a MAC.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return e.g. {@code "0a:58:0a:f4:01:02"}.
     */
    public static String format(final long mac)
    {
        return appendTo(new StringBuilder(17), mac).toString();
    }

    /**
     * Append the colon-separated lower-case hex text of a MAC.
     *
     * @param builder to append to.
     * @param mac     48-bit MAC in the low bits.
     * @return the builder.
     */
    public static StringBuilder appendTo(final StringBuilder builder, final long mac)
    {
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            builder.append(HEX_DIGITS[octet >>> 4]).append(HEX_DIGITS[octet & 0xF]);
            if (shift > 0)
            {
                builder.append(':');
            }
        }

        return builder;
    }

    /**
     * Parse six two-digit hex octets separated by {@code ':'} or {@code '-'}, in either case.
     *
     * @param text e.g. {@code "0a:58:0a:f4:01:02"}.
     * @return the 48-bit MAC in the low bits.
     * @throws IllegalArgumentException if the text is not a MAC address.
     */
    public static long parse(final String text)
    {
        if (null == text || text.length() != 17)
        {
            throw invalid(text);
        }

        final char separator = text.charAt(2);
        if (':' != separator && '-' != separator)
        {
            throw invalid(text);
        }

        long mac = 0;
        for (int i = 0; i < 6; i++)
        {
            final int position = i * 3;
            final int high = hexValue(text.charAt(position));
            final int low = hexValue(text.charAt(position + 1));
            if (high < 0 || low < 0 || (i < 5 && separator != text.charAt(position + 2)))
            {
                throw invalid(text);
            }
            mac = (mac << 8) | (high << 4) | low;
        }

        return mac;
    }

    /**
     * Is this a group address? The I/G bit (lowest bit of the first octet) is set for multicast and broadcast.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return true for multicast, including {@link #BROADCAST}.
     */
    public static boolean isMulticast(final long mac)
    {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * The MAC of a pod's interface as the Kubernetes bridge plugin derives it: {@code 0a:58} followed by the
     * four bytes of the pod's IPv4 address, e.g. {@code 0a:58:0a:f4:01:02} for {@code 10.244.1.2}.
     * Locally administered and unicast, and no lookup is needed to find it.
     *
     * @param ip pod IPv4 address in network order.
     * @return the 48-bit MAC in the low bits.
     */
    public static long podMac(final int ip)
    {
        return POD_MAC_PREFIX | (ip & 0xFFFF_FFFFL);
    }

    /**
     * Read a MAC, six bytes big-endian.
     *
     * @param buffer to read from.
     * @param index  of the first byte.
     * @return the 48-bit MAC in the low bits.
     */
    public static long getMac(final DirectBuffer buffer, final int index)
    {
        return ((long)(buffer.getShort(index, BIG_ENDIAN) & 0xFFFF) << 32) |
            (buffer.getInt(index + 2, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }

    /**
     * Write a MAC, six bytes big-endian.
     *
     * @param buffer to write to.
     * @param index  of the first byte.
     * @param mac    48-bit MAC in the low bits; higher bits are ignored.
     */
    public static void putMac(final MutableDirectBuffer buffer, final int index, final long mac)
    {
        buffer.putShort(index, (short)(mac >>> 32), BIG_ENDIAN);
        buffer.putInt(index + 2, (int)mac, BIG_ENDIAN);
    }

    private static int hexValue(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }

        return -1;
    }

    private static IllegalArgumentException invalid(final String text)
    {
        return new IllegalArgumentException(
            "invalid MAC address: " + (null == text ? "null" : "\"" + text + "\"") +
            " (expected: six hex octets like 0a:58:0a:f4:01:02)");
    }
}
