package dev.podnet.pod;

import dev.podnet.testing.AllocationMeter;

import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.UdpFlyweight;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.podnet.pod.Ipv4FragmenterTest.DESTINATION;
import static dev.podnet.pod.Ipv4FragmenterTest.SOURCE;
import static dev.podnet.pod.Ipv4FragmenterTest.UDP_LENGTH;
import static dev.podnet.pod.Ipv4FragmenterTest.fragments;
import static dev.podnet.pod.Ipv4FragmenterTest.udpPacket;
import static org.assertj.core.api.Assertions.assertThat;

class Ipv4ReassemblerTest
{
    private static final long TIMEOUT_NANOS = Ipv4Reassembler.DEFAULT_TIMEOUT_NANOS;
    private static final long START = 1_000_000_000L;

    private final DropCounters drops = new DropCounters();
    private final Ipv4Reassembler reassembler = new Ipv4Reassembler(4, TIMEOUT_NANOS, drops);
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    @ParameterizedTest
    @ValueSource(ints = {1413, 1500})
    void shouldReassembleFragmentsArrivingInOrder(final int mtu)
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);

        assertReassembled(packet, fragments(packet, mtu));
    }

    @ParameterizedTest
    @ValueSource(ints = {1413, 1500})
    void shouldReassembleFragmentsArrivingInReverseOrder(final int mtu)
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final List<UnsafeBuffer> fragments = fragments(packet, mtu);
        Collections.reverse(fragments);

        assertReassembled(packet, fragments);
    }

    @ParameterizedTest
    @ValueSource(ints = {1413, 1500})
    void shouldReassembleShuffledFragments(final int mtu)
    {
        for (long seed = 0; seed < 20; seed++)
        {
            final UnsafeBuffer packet = udpPacket((int)seed, UDP_LENGTH, seed);
            final List<UnsafeBuffer> fragments = fragments(packet, mtu);
            Collections.shuffle(fragments, new Random(seed));

            assertReassembled(packet, fragments);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1413, 1500})
    void shouldIgnoreExactDuplicateFragments(final int mtu)
    {
        final Random random = new Random(42);
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final List<UnsafeBuffer> fragments = fragments(packet, mtu);
        Collections.shuffle(fragments, random);

        // after each fragment but the last, an earlier one again: nothing is dropped, only the last completes
        final List<UnsafeBuffer> withDuplicates = new ArrayList<>();
        for (int i = 0; i < fragments.size(); i++)
        {
            withDuplicates.add(fragments.get(i));
            if (i < fragments.size() - 1)
            {
                withDuplicates.add(fragments.get(random.nextInt(i + 1)));
            }
        }

        assertReassembled(packet, withDuplicates);
    }

    @Test
    void shouldReassembleInterleavedDatagramsWithDifferentIdentifications()
    {
        final UnsafeBuffer first = udpPacket(1, UDP_LENGTH, 1);
        final UnsafeBuffer second = udpPacket(2, UDP_LENGTH - 100, 2);
        final List<UnsafeBuffer> firstFragments = fragments(first, 1500);
        final List<UnsafeBuffer> secondFragments = fragments(second, 1413);
        Collections.reverse(secondFragments);

        int completed = 0;
        for (int i = 0; i < 6; i++)
        {
            final int firstResult = reassembler.offer(firstFragments.get(i), 0, START);
            if (firstResult > 0)
            {
                assertThat(bytes(reassembler.datagramBuffer(), firstResult)).isEqualTo(bytes(first));
                completed++;
            }
            else
            {
                assertThat(firstResult).isZero();
            }

            final int secondResult = reassembler.offer(secondFragments.get(i), 0, START);
            if (secondResult > 0)
            {
                assertThat(bytes(reassembler.datagramBuffer(), secondResult)).isEqualTo(bytes(second));
                completed++;
            }
            else
            {
                assertThat(secondResult).isZero();
                assertThat(reassembler.inProgress()).isEqualTo(firstResult > 0 ? 1 : 2);
            }
        }

        assertThat(completed).isEqualTo(2);
        assertThat(reassembler.inProgress()).isZero();
        assertThat(drops.snapshot()).isEmpty();
    }

    @Test
    void shouldDropDatagramWhenFragmentsOverlapWithDifferentExtent()
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final List<UnsafeBuffer> at1500 = fragments(packet, 1500);
        final List<UnsafeBuffer> at1413 = fragments(packet, 1413);

        assertThat(reassembler.offer(at1500.get(0), 0, START)).isZero();
        // bytes 1392..2783 overlap bytes 0..1479 held
        assertThat(reassembler.offer(at1413.get(1), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_OVERLAP)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropDatagramWhenFragmentLiesInsideHeldFragments()
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final List<UnsafeBuffer> at1500 = fragments(packet, 1500);
        final List<UnsafeBuffer> at576 = fragments(packet, 576);

        assertThat(reassembler.offer(at1500.get(0), 0, START)).isZero();
        // bytes 552..1103: every block held, but by a fragment of another extent
        assertThat(reassembler.offer(at576.get(1), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_OVERLAP)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropDatagramWhenSecondLastFragmentDisagreesOnLength()
    {
        final List<UnsafeBuffer> fragments = fragments(udpPacket(0x1234, UDP_LENGTH, 1), 1500);
        final List<UnsafeBuffer> shorter = fragments(udpPacket(0x1234, UDP_LENGTH - 8, 1), 1500);

        assertThat(reassembler.offer(fragments.get(5), 0, START)).isZero();
        assertThat(reassembler.offer(shorter.get(5), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_OVERLAP)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropDatagramWhenLastFragmentEndsBeforeHeldData()
    {
        final List<UnsafeBuffer> fragments = fragments(udpPacket(0x1234, UDP_LENGTH, 1), 1500);
        final UnsafeBuffer shortLast = fragment(0x1234, 1480, 100, false, 20);

        assertThat(reassembler.offer(fragments.get(2), 0, START)).isZero();
        assertThat(reassembler.offer(shortLast, 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_OVERLAP)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropFragmentReachingPastLargestDatagram()
    {
        // offset 65528 is the largest the field holds: 8 bytes there end at 65536
        assertThat(reassembler.offer(fragment(7, 65528, 8, true, 20), 0, START)).isEqualTo(-1);
        assertThat(drops.get(DropReason.REASSEMBLY_TOO_LARGE)).isEqualTo(1);

        // 65496 + 24 = 65520 > 65535 - 20 drops the datagram held for id 8
        assertThat(reassembler.offer(fragment(8, 0, 8, true, 20), 0, START)).isZero();
        assertThat(reassembler.offer(fragment(8, 65496, 24, false, 20), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_TOO_LARGE)).isEqualTo(2);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropDatagramWhenFirstFragmentHeaderLeavesNoRoomForHeldData()
    {
        // ends at 65512: fits behind a 20-byte header, not behind the 60-byte one of the first fragment
        assertThat(reassembler.offer(fragment(9, 65480, 32, false, 20), 0, START)).isZero();
        assertThat(reassembler.offer(fragment(9, 0, 8, true, 60), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.REASSEMBLY_TOO_LARGE)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldReassembleLargestDatagram()
    {
        final UnsafeBuffer packet = udpPacket(0xBEEF, 0xFFFF - 20, 5);

        assertReassembled(packet, fragments(packet, 9000));
    }

    @Test
    void shouldDropNonLastFragmentWhosePayloadIsNotMultipleOfEight()
    {
        assertThat(reassembler.offer(fragment(3, 0, 100, true, 20), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.BAD_FRAGMENT)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void shouldDropFragmentWithEmptyPayloadButKeepItsDatagram()
    {
        assertThat(reassembler.offer(fragment(3, 0, 8, true, 20), 0, START)).isZero();
        assertThat(reassembler.offer(fragment(3, 8, 0, true, 20), 0, START)).isEqualTo(-1);
        assertThat(reassembler.offer(fragment(3, 16, 0, false, 20), 0, START)).isEqualTo(-1);

        assertThat(drops.get(DropReason.BAD_FRAGMENT)).isEqualTo(2);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(reassembler.offer(fragment(3, 8, 5, false, 20), 0, START)).isEqualTo(20 + 13);
    }

    @Test
    void shouldExpireIncompleteDatagramAfterTimeoutNotBefore()
    {
        final List<UnsafeBuffer> fragments = fragments(udpPacket(0x1234, UDP_LENGTH, 1), 1500);
        reassembler.offer(fragments.get(0), 0, START);
        reassembler.offer(fragments.get(1), 0, START + TIMEOUT_NANOS / 2);

        assertThat(reassembler.expire(START + TIMEOUT_NANOS - 1)).isZero();
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(drops.get(DropReason.REASSEMBLY_TIMEOUT)).isZero();

        assertThat(reassembler.expire(START + TIMEOUT_NANOS)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
        assertThat(drops.get(DropReason.REASSEMBLY_TIMEOUT)).isEqualTo(1);
        assertThat(reassembler.expire(START + 2 * TIMEOUT_NANOS)).isZero();
    }

    @Test
    void shouldStartOverWhenFragmentArrivesForTimedOutDatagram()
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final List<UnsafeBuffer> fragments = fragments(packet, 1500);
        reassembler.offer(fragments.get(0), 0, START);

        final long later = START + TIMEOUT_NANOS;
        for (int i = 1; i < fragments.size(); i++)
        {
            assertThat(reassembler.offer(fragments.get(i), 0, later)).isZero();
        }

        assertThat(drops.get(DropReason.REASSEMBLY_TIMEOUT)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(reassembler.offer(fragments.get(0), 0, later)).isEqualTo(packet.capacity());
    }

    @Test
    void shouldEvictOldestDatagramWhenAllSlotsAreTaken()
    {
        final Ipv4Reassembler twoSlots = new Ipv4Reassembler(2, TIMEOUT_NANOS, drops);
        final UnsafeBuffer[] packets = new UnsafeBuffer[3];
        final List<List<UnsafeBuffer>> fragments = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            packets[i] = udpPacket(100 + i, UDP_LENGTH, i);
            fragments.add(fragments(packets[i], 1500));
            assertThat(twoSlots.offer(fragments.get(i).get(0), 0, START + i)).isZero();
        }

        assertThat(twoSlots.inProgress()).isEqualTo(2);
        assertThat(drops.get(DropReason.REASSEMBLY_EVICTED)).isEqualTo(1);

        for (int i = 2; i >= 1; i--)
        {
            final List<UnsafeBuffer> rest = fragments.get(i);
            for (int j = 1; j < rest.size() - 1; j++)
            {
                assertThat(twoSlots.offer(rest.get(j), 0, START + 10)).isZero();
            }
            final int length = twoSlots.offer(rest.get(rest.size() - 1), 0, START + 10);
            assertThat(length).as("datagram %d", i).isEqualTo(packets[i].capacity());
            assertThat(bytes(twoSlots.datagramBuffer(), length)).isEqualTo(bytes(packets[i]));
        }

        // the evicted datagram lost its first fragment: the rest is held, never completed
        final List<UnsafeBuffer> evicted = fragments.get(0);
        for (int j = 1; j < evicted.size(); j++)
        {
            assertThat(twoSlots.offer(evicted.get(j), 0, START + 20)).isZero();
        }
        assertThat(twoSlots.inProgress()).isEqualTo(1);
        assertThat(drops.get(DropReason.REASSEMBLY_EVICTED)).isEqualTo(1);
    }

    @Test
    void shouldCountTimeoutNotEvictionWhenOldestSlotHasTimedOut()
    {
        final Ipv4Reassembler oneSlot = new Ipv4Reassembler(1, TIMEOUT_NANOS, drops);
        oneSlot.offer(fragments(udpPacket(1, UDP_LENGTH, 1), 1500).get(0), 0, START);
        oneSlot.offer(fragments(udpPacket(2, UDP_LENGTH, 2), 1500).get(0), 0, START + TIMEOUT_NANOS);

        assertThat(drops.get(DropReason.REASSEMBLY_TIMEOUT)).isEqualTo(1);
        assertThat(drops.get(DropReason.REASSEMBLY_EVICTED)).isZero();
        assertThat(oneSlot.inProgress()).isEqualTo(1);
    }

    @Test
    void shouldKeepDatagramsApartByProtocol()
    {
        final UnsafeBuffer udpFirst = fragment(11, 0, 8, true, 20);
        final UnsafeBuffer otherLast = fragment(11, 8, 8, false, 20);
        otherLast.putByte(Ipv4Flyweight.PROTOCOL_OFFSET, (byte)Ipv4Flyweight.PROTOCOL_ICMP);
        ipv4.wrap(otherLast, 0, otherLast.capacity()).updateHeaderChecksum();

        assertThat(reassembler.offer(udpFirst, 0, START)).isZero();
        assertThat(reassembler.offer(otherLast, 0, START)).isZero();
        assertThat(reassembler.inProgress()).isEqualTo(2);
    }

    @Test
    void shouldReassembleFragmentsFoundAtAnOffsetInTheirBuffer()
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[14 + 1500]);
        int length = 0;
        for (int i = 0; i < 6; i++)
        {
            Ipv4Fragmenter.writeFragment(packet, 0, 1500, i, frame, 14);
            length = reassembler.offer(frame, 14, START);
        }

        assertThat(length).isEqualTo(packet.capacity());
        assertThat(bytes(reassembler.datagramBuffer(), length)).isEqualTo(bytes(packet));
    }

    @Test
    void shouldNotAllocateWhenFragmentingAndReassembling()
    {
        final UnsafeBuffer packet = udpPacket(0, UDP_LENGTH, 7);
        final UnsafeBuffer fragment = new UnsafeBuffer(new byte[1500]);
        final int iterations = 10_000;

        final long[] result = new long[1];
        final long allocated = AllocationMeter.quietestRound(
            () -> result[0] += cycles(packet, fragment, reassembler, iterations), 2, 4);

        assertThat(result[0]).isEqualTo(6L * iterations * packet.capacity());
        assertThat(drops.snapshot()).isEmpty();
        assertThat(allocated).as("bytes allocated in the quietest round of %d cycles", iterations).isLessThan(1024);
    }

    private long cycles(
        final UnsafeBuffer packet, final UnsafeBuffer fragment, final Ipv4Reassembler target, final int count)
    {
        long result = 0;
        ipv4.wrap(packet, 0, packet.capacity());
        for (int i = 0; i < count; i++)
        {
            final int mtu = (i & 1) == 0 ? 1500 : 1413;
            ipv4.identification(i).updateHeaderChecksum();
            final int fragments = Ipv4Fragmenter.fragmentCount(ipv4.totalLength(), ipv4.headerLength(), mtu);
            for (int f = fragments - 1; f >= 0; f--)
            {
                Ipv4Fragmenter.writeFragment(packet, 0, mtu, f, fragment, 0);
                final int length = target.offer(fragment, 0, START + i);
                if (length > 0)
                {
                    result += length;
                }
            }
        }

        return result;
    }

    private void assertReassembled(final UnsafeBuffer packet, final List<UnsafeBuffer> fragments)
    {
        final long before = drops.snapshot().values().stream().mapToLong(Long::longValue).sum();
        for (int i = 0; i < fragments.size() - 1; i++)
        {
            assertThat(reassembler.offer(fragments.get(i), 0, START)).as("fragment %d", i).isZero();
            assertThat(reassembler.inProgress()).isEqualTo(1);
        }

        final int length = reassembler.offer(fragments.get(fragments.size() - 1), 0, START);

        assertThat(length).isEqualTo(packet.capacity());
        assertThat(reassembler.inProgress()).isZero();
        final MutableDirectBuffer datagram = reassembler.datagramBuffer();
        assertThat(bytes(datagram, length)).isEqualTo(bytes(packet));
        ipv4.wrap(datagram, 0, length);
        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
        assertThat(ipv4.isFragment()).isFalse();
        udp.wrap(datagram, ipv4.payloadOffset(), ipv4.payloadLength());
        assertThat(udp.check(SOURCE, DESTINATION)).isEqualTo(PacketError.NONE);
        final Map<String, Long> counters = drops.snapshot();
        assertThat(counters.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(before);
    }

    /**
     * A UDP fragment with a header of {@code headerLength} bytes (options zero) and a payload of {@code length}
     * bytes, its header checksum valid.
     */
    private UnsafeBuffer fragment(
        final int identification,
        final int offset,
        final int length,
        final boolean moreFragments,
        final int headerLength)
    {
        final int totalLength = headerLength + length;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[totalLength]);
        ipv4.wrap(buffer, 0, totalLength)
            .writeHeader(0, totalLength, identification, false, moreFragments, offset, 64,
                Ipv4Flyweight.PROTOCOL_UDP, SOURCE, DESTINATION)
            .versionAndHeaderLength(Ipv4Flyweight.VERSION, headerLength)
            .updateHeaderChecksum();
        for (int i = headerLength; i < totalLength; i++)
        {
            buffer.putByte(i, (byte)(offset + i));
        }
        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);

        return buffer;
    }

    private static byte[] bytes(final UnsafeBuffer buffer)
    {
        return Ipv4FragmenterTest.bytes(buffer, 0, buffer.capacity());
    }

    private static byte[] bytes(final MutableDirectBuffer buffer, final int length)
    {
        final byte[] result = new byte[length];
        buffer.getBytes(0, result);
        return result;
    }
}
