package dev.podnet.pod;

import dev.podnet.packet.Ipv4Flyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static dev.podnet.packet.Ipv4Flyweight.DESTINATION_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.IDENTIFICATION_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.MAX_HEADER_LENGTH;
import static dev.podnet.packet.Ipv4Flyweight.MIN_HEADER_LENGTH;
import static dev.podnet.packet.Ipv4Flyweight.PROTOCOL_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.SOURCE_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.TOTAL_LENGTH_OFFSET;
import static dev.podnet.packet.Ipv4Flyweight.VERSION_IHL_OFFSET;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Reassembles fragmented IPv4 datagrams addressed to one host (RFC 791 §3.2, RFC 815 hole tracking with a bitmap of
 * 8-byte blocks).
 * <p>
 * <b>Design notes.</b>
 * <ul>
 *   <li>A datagram in reassembly holds one of {@code maxDatagrams} slots, found by its key (source, destination,
 *   identification, protocol) with a linear scan: the slot count is small (tens), like the few datagrams a host has
 *   in flight. A slot's memory is allocated the first time the slot is used, then reused for ever: a byte array of
 *   {@value #SLOT_CAPACITY} bytes and three bitmaps of 8-byte blocks ({@value #BITMAP_WORDS} longs each).</li>
 *   <li>Slot layout: payload byte {@code n} of the datagram lives at {@code PAYLOAD_BASE + n}, and the header of
 *   the offset-0 fragment (options included) right before it, so the finished datagram is contiguous and is handed
 *   out in place, through a view, without a copy.
 * <pre>
 *   0              PAYLOAD_BASE - headerLength   PAYLOAD_BASE = 60                     60 + 65515
 *   | (unused)     | header of the first fragment | payload, each fragment at 60 + offset |
 * </pre></li>
 *   <li>Hole tracking: {@code covered} marks the 8-byte blocks received. Fragments never overlap (an overlap drops
 *   the datagram, in the spirit of RFC 5722 and of Linux since 2018), so with {@code starts} and {@code ends}
 *   marking each fragment's first and last block, a fragment whose blocks are all covered is an exact duplicate
 *   when a fragment starts at its first block and ends at its last with no start or end in between. Only the last
 *   fragment may end inside a block; its byte length is checked against the known end instead.</li>
 *   <li>A datagram is complete when its first and last fragments are in and the payload bytes received add up to
 *   the end given by the last fragment (no overlap, so no byte is counted twice).</li>
 *   <li>An incomplete datagram is kept {@code timeoutNanos} from its first fragment (Linux {@code ipfrag_time}).
 *   {@link #expire(long)} drops old ones; a fragment of a datagram already past its timeout, or a new datagram
 *   finding the oldest slot past its timeout, drops it too, so the result does not depend on how often
 *   {@code expire} runs. When every slot is taken by a live datagram the oldest is evicted.</li>
 *   <li>Drops are counted once per fragment or datagram by {@link DropReason}; nothing throws on the data path.</li>
 * </ul>
 * Single-threaded: one instance per pod (or router), used by its agent only.
 */
public final class Ipv4Reassembler
{
    /**
     * Largest IPv4 datagram, header included.
     */
    public static final int MAX_DATAGRAM_LENGTH = 0xFFFF;

    /**
     * Default timeout of an incomplete datagram: 30 s, Linux {@code net.ipv4.ipfrag_time}.
     */
    public static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;

    private static final int PAYLOAD_BASE = MAX_HEADER_LENGTH;
    private static final int MAX_PAYLOAD_LENGTH = MAX_DATAGRAM_LENGTH - MIN_HEADER_LENGTH;
    private static final int SLOT_CAPACITY = PAYLOAD_BASE + MAX_PAYLOAD_LENGTH;
    private static final int BLOCK_SHIFT = 3;
    private static final int BITMAP_WORDS = (((MAX_PAYLOAD_LENGTH + 7) >>> BLOCK_SHIFT) + 63) >>> 6;

    private static final int FLAG_MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    private static final byte[] EMPTY = new byte[0];

    private static final class Slot
    {
        boolean inUse;
        long sequence;
        long startedNanos;
        int source;
        int destination;
        int identificationAndProtocol;
        int firstHeaderLength;
        int lastEnd;
        int maxEnd;
        int received;
        byte[] bytes;
        UnsafeBuffer buffer;
        long[] covered;
        long[] starts;
        long[] ends;
    }

    private final Slot[] slots;
    private final long timeoutNanos;
    private final DropCounters drops;
    private final UnsafeBuffer datagram = new UnsafeBuffer(EMPTY);
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private long nextSequence;
    private int inProgress;

    /**
     * Create a reassembler; no slot memory is allocated until a fragment needs it.
     *
     * @param maxDatagrams datagrams in reassembly at once; the oldest is evicted, counted
     *                     {@link DropReason#REASSEMBLY_EVICTED}, when a new one needs a slot.
     * @param timeoutNanos how long an incomplete datagram is kept, e.g. {@link #DEFAULT_TIMEOUT_NANOS}.
     * @param drops        counters of the node.
     * @throws IllegalArgumentException if {@code maxDatagrams} is below 1 or {@code timeoutNanos} below 0.
     */
    public Ipv4Reassembler(final int maxDatagrams, final long timeoutNanos, final DropCounters drops)
    {
        if (maxDatagrams < 1)
        {
            throw new IllegalArgumentException("bad maxDatagrams: " + maxDatagrams + " (expected: 1+)");
        }
        if (timeoutNanos < 0)
        {
            throw new IllegalArgumentException("bad timeoutNanos: " + timeoutNanos + " (expected: 0+)");
        }

        this.slots = new Slot[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++)
        {
            slots[i] = new Slot();
        }
        this.timeoutNanos = timeoutNanos;
        this.drops = drops;
    }

    /**
     * Offer one fragment.
     *
     * @param buffer   holding the fragment.
     * @param ipOffset index of its IPv4 header; the packet passed {@link Ipv4Flyweight#check()} and is a fragment
     *                 ({@link Ipv4Flyweight#isFragment()}).
     * @param nowNanos current time, e.g. {@link System#nanoTime()}.
     * @return 0 when the fragment is held (or ignored as an exact duplicate); the IPv4 total length of the datagram
     * when this fragment completed it (the datagram, header first, with MF clear, offset 0, total length and header
     * checksum rewritten, is in {@link #datagramBuffer()} at index 0 until the next call); -1 when the fragment was
     * dropped, counted by {@link DropReason}.
     */
    public int offer(final DirectBuffer buffer, final int ipOffset, final long nowNanos)
    {
        final int headerLength = (buffer.getByte(ipOffset + VERSION_IHL_OFFSET) & 0xF) << 2;
        final int payloadLength = (buffer.getShort(ipOffset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF) -
            headerLength;
        final int flagsAndFragment = buffer.getShort(ipOffset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final boolean moreFragments = (flagsAndFragment & FLAG_MORE_FRAGMENTS) != 0;
        final int offset = (flagsAndFragment & FRAGMENT_OFFSET_MASK) << BLOCK_SHIFT;
        final int end = offset + payloadLength;

        if (payloadLength <= 0 || (moreFragments && (payloadLength & 7) != 0))
        {
            drops.increment(DropReason.BAD_FRAGMENT);
            return -1;
        }

        final int source = buffer.getInt(ipOffset + SOURCE_OFFSET, BIG_ENDIAN);
        final int destination = buffer.getInt(ipOffset + DESTINATION_OFFSET, BIG_ENDIAN);
        final int identificationAndProtocol =
            ((buffer.getShort(ipOffset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF) << 8) |
            (buffer.getByte(ipOffset + PROTOCOL_OFFSET) & 0xFF);

        Slot slot = find(source, destination, identificationAndProtocol);
        if (null != slot && isExpired(slot, nowNanos))
        {
            drop(slot, DropReason.REASSEMBLY_TIMEOUT);
            slot = null;
        }

        final boolean firstKnown = null != slot && slot.firstHeaderLength != 0;
        final int limit = MAX_DATAGRAM_LENGTH - (firstKnown ? slot.firstHeaderLength : headerLength);
        if (end > limit || (0 == offset && null != slot && slot.maxEnd > limit))
        {
            return drop(slot, DropReason.REASSEMBLY_TOO_LARGE);
        }

        final int firstBlock = offset >>> BLOCK_SHIFT;
        final int endBlock = (end + 7) >>> BLOCK_SHIFT;
        if (null != slot)
        {
            final boolean lastKnown = slot.lastEnd != 0;
            if (moreFragments ? lastKnown && end >= slot.lastEnd :
                lastKnown ? end != slot.lastEnd : slot.maxEnd > end)
            {
                return drop(slot, DropReason.REASSEMBLY_OVERLAP);
            }

            if (0 != countSet(slot.covered, firstBlock, endBlock))
            {
                if ((moreFragments || lastKnown) && isExactFragment(slot, firstBlock, endBlock))
                {
                    return 0;
                }

                return drop(slot, DropReason.REASSEMBLY_OVERLAP);
            }
        }
        else
        {
            slot = acquire(source, destination, identificationAndProtocol, nowNanos);
        }

        slot.buffer.putBytes(PAYLOAD_BASE + offset, buffer, ipOffset + headerLength, payloadLength);
        setRange(slot.covered, firstBlock, endBlock);
        setBit(slot.starts, firstBlock);
        setBit(slot.ends, endBlock - 1);
        slot.received += payloadLength;
        slot.maxEnd = Math.max(slot.maxEnd, end);
        if (0 == offset)
        {
            slot.buffer.putBytes(PAYLOAD_BASE - headerLength, buffer, ipOffset, headerLength);
            slot.firstHeaderLength = headerLength;
        }
        if (!moreFragments)
        {
            slot.lastEnd = end;
        }

        if (0 == slot.firstHeaderLength || 0 == slot.lastEnd || slot.received != slot.lastEnd)
        {
            return 0;
        }

        return complete(slot);
    }

    /**
     * The last datagram completed by {@link #offer(DirectBuffer, int, long)}, at index 0; valid until the next call.
     *
     * @return a view of the datagram, empty before the first one completes.
     */
    public MutableDirectBuffer datagramBuffer()
    {
        return datagram;
    }

    /**
     * Drop the datagrams kept for {@code timeoutNanos} or longer, counted {@link DropReason#REASSEMBLY_TIMEOUT}.
     *
     * @param nowNanos current time, on the clock of {@link #offer(DirectBuffer, int, long)}.
     * @return how many datagrams were dropped.
     */
    public int expire(final long nowNanos)
    {
        int expired = 0;
        for (final Slot slot : slots)
        {
            if (slot.inUse && isExpired(slot, nowNanos))
            {
                drop(slot, DropReason.REASSEMBLY_TIMEOUT);
                expired++;
            }
        }

        return expired;
    }

    /**
     * Datagrams currently in reassembly.
     *
     * @return 0 to {@code maxDatagrams}.
     */
    public int inProgress()
    {
        return inProgress;
    }

    private Slot find(final int source, final int destination, final int identificationAndProtocol)
    {
        for (final Slot slot : slots)
        {
            if (slot.inUse &&
                slot.identificationAndProtocol == identificationAndProtocol &&
                slot.source == source &&
                slot.destination == destination)
            {
                return slot;
            }
        }

        return null;
    }

    private Slot acquire(
        final int source, final int destination, final int identificationAndProtocol, final long nowNanos)
    {
        Slot chosen = null;
        for (final Slot slot : slots)
        {
            if (!slot.inUse)
            {
                chosen = slot;
                break;
            }
            if (null == chosen || slot.sequence < chosen.sequence)
            {
                chosen = slot;
            }
        }

        if (chosen.inUse)
        {
            drop(chosen, isExpired(chosen, nowNanos) ? DropReason.REASSEMBLY_TIMEOUT : DropReason.REASSEMBLY_EVICTED);
        }

        if (null == chosen.bytes)
        {
            chosen.bytes = new byte[SLOT_CAPACITY];
            chosen.buffer = new UnsafeBuffer(chosen.bytes);
            chosen.covered = new long[BITMAP_WORDS];
            chosen.starts = new long[BITMAP_WORDS];
            chosen.ends = new long[BITMAP_WORDS];
        }

        chosen.inUse = true;
        chosen.sequence = nextSequence++;
        chosen.startedNanos = nowNanos;
        chosen.source = source;
        chosen.destination = destination;
        chosen.identificationAndProtocol = identificationAndProtocol;
        inProgress++;

        return chosen;
    }

    private int complete(final Slot slot)
    {
        final int headerLength = slot.firstHeaderLength;
        final int totalLength = headerLength + slot.lastEnd;
        datagram.wrap(slot.bytes, PAYLOAD_BASE - headerLength, totalLength);
        release(slot);

        ipv4.wrap(datagram, 0, totalLength);
        ipv4.totalLength(totalLength)
            .flagsAndFragment(ipv4.dontFragment(), false, 0)
            .updateHeaderChecksum();

        return totalLength;
    }

    private int drop(final Slot slot, final DropReason reason)
    {
        drops.increment(reason);
        if (null != slot)
        {
            release(slot);
        }

        return -1;
    }

    private void release(final Slot slot)
    {
        final int words = wordsFor(slot.maxEnd);
        Arrays.fill(slot.covered, 0, words, 0L);
        Arrays.fill(slot.starts, 0, words, 0L);
        Arrays.fill(slot.ends, 0, words, 0L);
        slot.inUse = false;
        slot.firstHeaderLength = 0;
        slot.lastEnd = 0;
        slot.maxEnd = 0;
        slot.received = 0;
        inProgress--;
    }

    private boolean isExpired(final Slot slot, final long nowNanos)
    {
        return nowNanos - slot.startedNanos >= timeoutNanos;
    }

    /**
     * Is the fragment covering blocks {@code [from, to)} already held, as one fragment with exactly that extent?
     * Held fragments are disjoint, so it is if one starts at {@code from}, one ends at {@code to - 1}, and none
     * ends or starts in between.
     */
    private static boolean isExactFragment(final Slot slot, final int from, final int to)
    {
        return isSet(slot.starts, from) &&
            isSet(slot.ends, to - 1) &&
            0 == countSet(slot.starts, from + 1, to) &&
            0 == countSet(slot.ends, from, to - 1);
    }

    private static int wordsFor(final int endBytes)
    {
        return (((endBytes + 7) >>> BLOCK_SHIFT) + 63) >>> 6;
    }

    private static boolean isSet(final long[] bits, final int index)
    {
        return (bits[index >>> 6] & (1L << index)) != 0;
    }

    private static void setBit(final long[] bits, final int index)
    {
        bits[index >>> 6] |= 1L << index;
    }

    private static void setRange(final long[] bits, final int from, final int to)
    {
        if (from >= to)
        {
            return;
        }

        final int firstWord = from >>> 6;
        final int lastWord = (to - 1) >>> 6;
        for (int word = firstWord; word <= lastWord; word++)
        {
            bits[word] |= mask(word, firstWord, lastWord, from, to);
        }
    }

    private static int countSet(final long[] bits, final int from, final int to)
    {
        if (from >= to)
        {
            return 0;
        }

        final int firstWord = from >>> 6;
        final int lastWord = (to - 1) >>> 6;
        int count = 0;
        for (int word = firstWord; word <= lastWord; word++)
        {
            count += Long.bitCount(bits[word] & mask(word, firstWord, lastWord, from, to));
        }

        return count;
    }

    private static long mask(final int word, final int firstWord, final int lastWord, final int from, final int to)
    {
        long mask = -1L;
        if (word == firstWord)
        {
            mask &= -1L << from;
        }
        if (word == lastWord)
        {
            mask &= -1L >>> (63 - ((to - 1) & 63));
        }

        return mask;
    }
}
