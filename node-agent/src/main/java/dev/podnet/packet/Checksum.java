package dev.podnet.packet;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The Internet checksum of RFC 1071: the 16-bit one's complement of the one's complement sum of the data taken
 * as 16-bit big-endian words, an odd trailing byte padded with a zero byte. The one checksum routine of podnet:
 * IPv4 header, ICMP and UDP (with {@link #pseudoHeaderSum(int, int, int, int)}) all use it.
 * <p>
 * Use it in two steps when the checksummed data is not contiguous or needs a pseudo-header:
 * <pre>{@code
 * int sum = Checksum.pseudoHeaderSum(source, destination, Ipv4Flyweight.PROTOCOL_UDP, udpLength);
 * sum = Checksum.sum(buffer, udpOffset, udpLength, sum);
 * int checksum = Checksum.fold(sum);
 * }</pre>
 * A partial sum from {@link #sum(DirectBuffer, int, int, int)} is an unsigned 32-bit value whose one's
 * complement sum (end-around carries) equals that of the 16-bit words; pieces must start at even positions
 * relative to the start of the checksummed data, as the IPv4, ICMP and UDP layouts always do.
 * <p>
 * Nothing here allocates. {@link #sum(DirectBuffer, int, int, int)} reads eight bytes at a time: the one's
 * complement sum of 16-bit words is congruent modulo 0xFFFF to the plain sum of the 32-bit halves of those
 * longs, because 2<sup>16</sup> &equiv; 1 (mod 0xFFFF) (RFC 1071 section 2, "parallel summation").
 */
public final class Checksum
{
    private static final long UNSIGNED_INT_MASK = 0xFFFF_FFFFL;

    private Checksum()
    {
    }

    /**
     * Accumulate the one's complement sum of {@code length} bytes from {@code offset} onto {@code initial}.
     * Words are big-endian; an odd trailing byte counts as the high byte of a word whose low byte is zero.
     *
     * @param buffer  to read.
     * @param offset  of the first byte in the buffer.
     * @param length  of the data in bytes; zero or negative adds nothing.
     * @param initial partial sum to continue from, taken as unsigned 32 bits (0 to start, or a pseudo-header sum).
     * @return the partial sum, an unsigned 32-bit value to {@link #fold(int)} or to pass on as {@code initial}.
     */
    public static int sum(final DirectBuffer buffer, final int offset, final int length, final int initial)
    {
        long sum = initial & UNSIGNED_INT_MASK;
        int i = offset;
        final int end = offset + Math.max(length, 0);

        // Each long adds at most 2 * (2^32 - 1): no overflow of the accumulator below 2^30 iterations.
        final int longEnd = end - 7;
        while (i < longEnd)
        {
            final long word = buffer.getLong(i, BIG_ENDIAN);
            sum += (word >>> 32) + (word & UNSIGNED_INT_MASK);
            i += 8;
        }

        if (i < end - 3)
        {
            sum += buffer.getInt(i, BIG_ENDIAN) & UNSIGNED_INT_MASK;
            i += 4;
        }

        if (i < end - 1)
        {
            sum += buffer.getShort(i, BIG_ENDIAN) & 0xFFFF;
            i += 2;
        }

        if (i < end)
        {
            sum += (buffer.getByte(i) & 0xFF) << 8;
        }

        // end-around carries down to 32 bits: keeps the one's complement value (and a non-zero sum non-zero)
        while ((sum >>> 32) != 0)
        {
            sum = (sum & UNSIGNED_INT_MASK) + (sum >>> 32);
        }

        return (int)sum;
    }

    /**
     * Fold the carries of a partial sum into 16 bits, without complementing it.
     *
     * @param sum partial sum from {@link #sum(DirectBuffer, int, int, int)}, taken as unsigned 32 bits.
     * @return the 16-bit one's complement sum (e.g. 0xddf2 for RFC 1071's example).
     */
    public static int foldCarries(final int sum)
    {
        int folded = (sum >>> 16) + (sum & 0xFFFF);
        folded += folded >>> 16;

        return folded & 0xFFFF;
    }

    /**
     * Fold the carries of a partial sum and complement it: the value to write in a checksum field.
     *
     * @param sum partial sum from {@link #sum(DirectBuffer, int, int, int)}, taken as unsigned 32 bits.
     * @return the 16-bit checksum; 0 when the data including a correct checksum field is summed.
     */
    public static int fold(final int sum)
    {
        return ~foldCarries(sum) & 0xFFFF;
    }

    /**
     * The checksum of a contiguous range: {@code fold(sum(buffer, offset, length, 0))}.
     * <p>
     * Over data that contains its own correct checksum field the result is 0, which is how checksums verify.
     *
     * @param buffer to read.
     * @param offset of the first byte in the buffer.
     * @param length of the data in bytes.
     * @return the 16-bit checksum.
     */
    public static int compute(final DirectBuffer buffer, final int offset, final int length)
    {
        return fold(sum(buffer, offset, length, 0));
    }

    /**
     * Partial sum of the IPv4 pseudo-header used by UDP and TCP (RFC 768, RFC 793):
     * source address, destination address, a zero byte, protocol, and the UDP/TCP length.
     * <pre>
     *  0      7 8     15 16    23 24    31
     * +--------+--------+--------+--------+
     * |          source address           |
     * +--------+--------+--------+--------+
     * |        destination address        |
     * +--------+--------+--------+--------+
     * |  zero  |protocol|   UDP length    |
     * +--------+--------+--------+--------+
     * </pre>
     *
     * @param sourceIp      IPv4 source address.
     * @param destinationIp IPv4 destination address.
     * @param protocol      IP protocol number, e.g. {@link Ipv4Flyweight#PROTOCOL_UDP}.
     * @param length        length of the UDP/TCP header and payload in bytes.
     * @return the partial sum to pass as {@code initial} to {@link #sum(DirectBuffer, int, int, int)}.
     */
    public static int pseudoHeaderSum(final int sourceIp, final int destinationIp, final int protocol, final int length)
    {
        return (sourceIp >>> 16) + (sourceIp & 0xFFFF) +
            (destinationIp >>> 16) + (destinationIp & 0xFFFF) +
            (protocol & 0xFF) + (length & 0xFFFF);
    }
    /**
     * A checksum field updated for one 16-bit word of the checksummed data changing from {@code oldWord}
     * to {@code newWord}, without summing the data again: RFC 1624 equation 3,
     * {@code HC' = ~(~HC + ~m + m')}. What NAT does to the IPv4, UDP and TCP checksums when it rewrites an
     * address or a port.
     *
     * @param checksum the field's value now (16 bits)
     * @return the field's new value (16 bits)
     */
    public static int adjust(final int checksum, final int oldWord, final int newWord)
    {
        final int sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~foldCarries(sum) & 0xFFFF;
    }

    /** {@link #adjust(int, int, int)} for a 32-bit field (an IPv4 address): both of its words. */
    public static int adjust32(final int checksum, final int oldValue, final int newValue)
    {
        return adjust(adjust(checksum, oldValue >>> 16, newValue >>> 16), oldValue & 0xFFFF, newValue & 0xFFFF);
    }
}
