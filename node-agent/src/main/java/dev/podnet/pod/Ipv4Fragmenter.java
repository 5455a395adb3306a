package dev.podnet.pod;

import dev.podnet.packet.Checksum;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static dev.podnet.packet.Ipv4Flyweight.CHECKSUM_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.TOTAL_LENGTH_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.VERSION_IHL_OFFSET;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Splits one IPv4 packet into fragments that fit an MTU (RFC 791 §3.2).
 * <pre>
 *   original:   | header | payload: P bytes                                        |
 *   fragment 0: | header | 0 .. N-1        |  MF, offset base + 0
 *   fragment 1: | header | N .. 2N-1       |  MF, offset base + N/8
 *   last:       | header | kN .. P-1 |        MF as in the original, offset base + kN/8
 *
 *   N = payloadPerFragment(headerLength, mtu) = (mtu - headerLength) rounded down to a multiple of 8
 * </pre>
 * Every fragment but the last carries N payload bytes, a multiple of 8, and MF; offsets are in 8-byte units. The
 * header, options included, is repeated in every fragment (a simplification: RFC 791 copies only the options whose
 * copy flag is set) with its total length, MF, fragment offset and checksum rewritten; TOS, identification, DF,
 * TTL, protocol and addresses are kept. Fragmenting a packet that is itself a fragment keeps its offset as the base
 * and its MF on the last piece, so a router can fragment fragments again.
 * <p>
 * The caller decides whether to fragment: a router answers a DF packet larger than the MTU with "fragmentation
 * needed" instead, and the MTU must leave room for the header plus 8 bytes (RFC 791's minimum of 68 always does).
 * Usage, with {@code count = fragmentCount(...)}: {@code for (i = 0; i < count; i++) writeFragment(..., i, ...)}.
 * <p>
 * Stateless and thread-safe; never allocates. The packet is read from a {@link DirectBuffer}, so its fields are read
 * at the {@link dev.podnet.packet.Ipv4Flyweight} offsets rather than through a flyweight.
 */
public final class Ipv4Fragmenter
{
    private static final int FLAG_DONT_FRAGMENT = 0x4000;
    private static final int FLAG_MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private Ipv4Fragmenter()
    {
    }

    /**
     * Number of fragments for an IPv4 packet at this MTU.
     *
     * @param totalLength  IPv4 total length of the packet, header included.
     * @param headerLength IPv4 header length, options included.
     * @param mtu          largest IPv4 packet the link carries.
     * @return 1 if the packet fits, else how many fragments it needs; 0 if it does not fit and the MTU leaves no
     * room for 8 payload bytes after the header (it cannot be fragmented).
     */
    public static int fragmentCount(final int totalLength, final int headerLength, final int mtu)
    {
        if (totalLength <= mtu)
        {
            return 1;
        }

        final int payloadPerFragment = payloadPerFragment(headerLength, mtu);
        if (payloadPerFragment <= 0)
        {
            return 0;
        }

        return (totalLength - headerLength + payloadPerFragment - 1) / payloadPerFragment;
    }

    /**
     * Payload bytes carried by every fragment but the last.
     *
     * @param headerLength IPv4 header length, options included.
     * @param mtu          largest IPv4 packet the link carries.
     * @return {@code (mtu - headerLength) & ~7}: a multiple of 8, 0 or less if the MTU is too small.
     */
    public static int payloadPerFragment(final int headerLength, final int mtu)
    {
        return (mtu - headerLength) & ~7;
    }

    /**
     * Write one fragment of an IPv4 packet. A packet that fits the MTU is copied unchanged as its only fragment.
     *
     * @param src       holding the packet, checked (e.g. by {@link dev.podnet.packet.Ipv4Flyweight#check()}).
     * @param ipOffset  index of the packet's IPv4 header in {@code src}.
     * @param mtu       largest IPv4 packet the link carries, at least header length + 8.
     * @param index     of the fragment, 0 to {@link #fragmentCount(int, int, int)} - 1.
     * @param dst       to write the fragment to, not overlapping the packet; room for {@code mtu} bytes.
     * @param dstOffset index in {@code dst} for the fragment's IPv4 header.
     * @return the fragment's IPv4 total length, at most {@code mtu}.
     */
    public static int writeFragment(
        final DirectBuffer src,
        final int ipOffset,
        final int mtu,
        final int index,
        final MutableDirectBuffer dst,
        final int dstOffset)
    {
        final int totalLength = src.getShort(ipOffset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (totalLength <= mtu)
        {
            dst.putBytes(dstOffset, src, ipOffset, totalLength);
            return totalLength;
        }

        final int headerLength = (src.getByte(ipOffset + VERSION_IHL_OFFSET) & 0xF) << 2;
        final int payloadLength = totalLength - headerLength;
        final int payloadPerFragment = payloadPerFragment(headerLength, mtu);
        final int start = index * payloadPerFragment;
        final int length = Math.min(payloadPerFragment, payloadLength - start);
        final boolean last = start + length >= payloadLength;

        final int flagsAndFragment = src.getShort(ipOffset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final boolean moreFragments = !last || (flagsAndFragment & FLAG_MORE_FRAGMENTS) != 0;
        final int offsetUnits = (flagsAndFragment & FRAGMENT_OFFSET_MASK) + (start >>> 3);
        final int newFlagsAndFragment = (flagsAndFragment & FLAG_DONT_FRAGMENT) |
            (moreFragments ? FLAG_MORE_FRAGMENTS : 0) |
            (offsetUnits & FRAGMENT_OFFSET_MASK);

        dst.putBytes(dstOffset, src, ipOffset, headerLength);
        dst.putShort(dstOffset + TOTAL_LENGTH_OFFSET, (short)(headerLength + length), BIG_ENDIAN);
        dst.putShort(dstOffset + FLAGS_FRAGMENT_OFFSET, (short)newFlagsAndFragment, BIG_ENDIAN);
        dst.putShort(dstOffset + CHECKSUM_OFFSET, (short)0, BIG_ENDIAN);
        dst.putShort(dstOffset + CHECKSUM_OFFSET, (short)Checksum.compute(dst, dstOffset, headerLength), BIG_ENDIAN);
        dst.putBytes(dstOffset + headerLength, src, ipOffset + headerLength + start, length);

        return headerLength + length;
    }
}
