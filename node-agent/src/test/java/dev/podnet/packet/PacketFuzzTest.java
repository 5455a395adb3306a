package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Decoders fed garbage: random bytes, golden frames with bits flipped, every length 0..100 and every
 * (offset, length) inside a buffer. {@code check()} must never throw, {@code validate()} must throw only
 * {@link MalformedPacketException}, and once a packet checks, every getter must work.
 * <p>
 * Each fuzzed packet sits at the end of a buffer of exactly its length, so a read past the wrapped length hits the
 * buffer's bounds check and fails the test.
 */
class PacketFuzzTest
{
    private static final int ITERATIONS = 20_000;
    private static final int SOURCE_IP = 0x0AF4_0102;
    private static final int DESTINATION_IP = 0x0AF4_0203;

    private final Random random = new Random(0x706f646eL);
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private int fuzzedLength;
    private int valid;

    @Test
    void shouldNeverThrowFromEthernetCheck()
    {
        fuzz(hex(EthernetFlyweightTest.ARP_REQUEST_FRAME), 0, (buffer) ->
        {
            ethernet.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (PacketError.NONE == ethernet.check())
            {
                ethernet.validate();
                assertThat(ethernet.destination()).isBetween(0L, MacAddress.BROADCAST);
                assertThat(ethernet.source()).isBetween(0L, MacAddress.BROADCAST);
                assertThat(EthernetFlyweight.etherTypeName(ethernet.etherType())).isNotEmpty();
                assertThat(ethernet.payloadLength()).isNotNegative();
            }
            else
            {
                assertThatThrownBy(ethernet::validate).isInstanceOf(MalformedPacketException.class);
            }
            assertThat(ethernet.toString()).isNotEmpty();
        });
    }

    @Test
    void shouldNeverThrowFromArpCheck()
    {
        fuzz(hex(EthernetFlyweightTest.ARP_REQUEST_FRAME), EthernetFlyweight.HEADER_LENGTH, (buffer) ->
        {
            arp.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (PacketError.NONE == arp.check())
            {
                arp.validate();
                assertThat(arp.operation()).isBetween(1, 2);
                assertThat(arp.senderMac()).isBetween(0L, MacAddress.BROADCAST);
                assertThat(arp.targetMac()).isBetween(0L, MacAddress.BROADCAST);
                Ipv4Address.format(arp.senderIp());
                Ipv4Address.format(arp.targetIp());
                valid++;
            }
            else
            {
                assertThatThrownBy(arp::validate).isInstanceOf(MalformedPacketException.class);
            }
            assertThat(arp.toString()).isNotEmpty();
        });

        assertThat(valid).as("some fuzzed packets pass").isPositive();
    }

    @Test
    void shouldNeverThrowFromIpv4Check()
    {
        fuzz(hex(IcmpFlyweightTest.ECHO_REQUEST_FRAME), EthernetFlyweight.HEADER_LENGTH, (buffer) ->
        {
            ipv4.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (random.nextInt(4) == 0 && fuzzedLength >= Ipv4Flyweight.MIN_HEADER_LENGTH)
            {
                // get past the version and checksum checks to reach the length checks with random lengths
                buffer.putByte(ipv4.offset(), (byte)(0x40 | (buffer.getByte(ipv4.offset()) & 0xF)));
                if (ipv4.headerLength() <= fuzzedLength)
                {
                    ipv4.updateHeaderChecksum();
                }
            }

            final PacketError error = ipv4.check();
            if (PacketError.NONE == error)
            {
                ipv4.validate();
                assertThat(ipv4.version()).isEqualTo(4);
                assertThat(ipv4.headerLength()).isBetween(20, Math.min(60, fuzzedLength));
                assertThat(ipv4.totalLength()).isBetween(ipv4.headerLength(), fuzzedLength);
                assertThat(ipv4.payloadLength()).isNotNegative();
                assertThat(ipv4.payloadOffset() + ipv4.payloadLength()).isLessThanOrEqualTo(buffer.capacity());
                assertThat(ipv4.fragmentOffset()).isBetween(0, 65528);
                assertThat(ipv4.tos() | ipv4.identification() | ipv4.ttl() | ipv4.protocol()).isNotNegative();
                assertThat(ipv4.isFragment()).isEqualTo(ipv4.moreFragments() || ipv4.fragmentOffset() != 0);
                ipv4.dontFragment();
                Ipv4Flyweight.protocolName(ipv4.protocol());
                Ipv4Address.format(ipv4.source());
                Ipv4Address.format(ipv4.destination());
                valid++;
            }
            else
            {
                assertThatThrownBy(ipv4::validate)
                    .isInstanceOfSatisfying(MalformedPacketException.class,
                        ex -> assertThat(ex.error()).isEqualTo(error));
            }
            assertThat(ipv4.toString()).isNotEmpty();
        });

        assertThat(valid).as("some fuzzed packets pass").isPositive();
    }

    @Test
    void shouldNeverThrowFromIcmpCheck()
    {
        fuzz(hex(IcmpFlyweightTest.ECHO_REQUEST_FRAME), 34, (buffer) ->
        {
            icmp.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (random.nextInt(4) == 0 && fuzzedLength >= IcmpFlyweight.HEADER_LENGTH)
            {
                icmp.updateChecksum();
            }

            final PacketError error = icmp.check();
            if (PacketError.NONE == error)
            {
                icmp.validate();
                IcmpFlyweight.typeName(icmp.type(), icmp.code());
                assertThat(icmp.identifier() | icmp.sequence() | icmp.nextHopMtu()).isNotNegative();
                assertThat(icmp.payloadLength()).isNotNegative();
                valid++;
            }
            else
            {
                assertThatThrownBy(icmp::validate)
                    .isInstanceOfSatisfying(MalformedPacketException.class,
                        ex -> assertThat(ex.error()).isEqualTo(error));
            }
            assertThat(icmp.toString()).isNotEmpty();
        });

        assertThat(valid).as("some fuzzed packets pass").isPositive();
    }

    @Test
    void shouldNeverThrowFromUdpCheck()
    {
        fuzz(hex(UdpFlyweightTest.UDP_FRAME), 34, (buffer) ->
        {
            udp.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (random.nextInt(4) == 0 && fuzzedLength >= UdpFlyweight.HEADER_LENGTH)
            {
                // a length field that fits, then a good checksum, to get past the length check often
                udp.udpLength(UdpFlyweight.HEADER_LENGTH + random.nextInt(fuzzedLength - 7));
                if (random.nextBoolean())
                {
                    udp.updateChecksum(SOURCE_IP, DESTINATION_IP);
                }
            }

            final PacketError error = udp.check(SOURCE_IP, DESTINATION_IP);
            if (PacketError.NONE == error)
            {
                udp.validate(SOURCE_IP, DESTINATION_IP);
                assertThat(udp.payloadLength()).isBetween(0, fuzzedLength - UdpFlyweight.HEADER_LENGTH);
                assertThat(udp.sourcePort() | udp.destinationPort()).isBetween(0, 65535);
                valid++;
            }
            else
            {
                assertThatThrownBy(() -> udp.validate(SOURCE_IP, DESTINATION_IP))
                    .isInstanceOfSatisfying(MalformedPacketException.class,
                        ex -> assertThat(ex.error()).isEqualTo(error));
            }
            assertThat(udp.toString()).isNotEmpty();
        });

        assertThat(valid).as("some fuzzed packets pass").isPositive();
    }

    @Test
    void shouldNeverThrowFromTcpCheckOrOptionParsing()
    {
        fuzz(hex(TcpFlyweightTest.SYN_FRAME), 34, (buffer) ->
        {
            tcp.wrap(buffer, buffer.capacity() - fuzzedLength, fuzzedLength);
            if (random.nextInt(4) == 0 && fuzzedLength >= TcpFlyweight.MIN_HEADER_LENGTH)
            {
                // a data offset that fits, then a good checksum, to reach the option parser often
                tcp.headerLength(4 * (5 + random.nextInt(Math.min(fuzzedLength, 60) / 4 - 4)));
                if (random.nextBoolean())
                {
                    tcp.updateChecksum(SOURCE_IP, DESTINATION_IP);
                }
            }

            final PacketError error = tcp.check(SOURCE_IP, DESTINATION_IP);
            if (PacketError.NONE == error)
            {
                tcp.validate(SOURCE_IP, DESTINATION_IP);
                assertThat(tcp.parseOptions()).isBetween(0, tcp.headerLength() - TcpFlyweight.MIN_HEADER_LENGTH);
                assertThat(tcp.mss()).isBetween(-1, 65535);
                assertThat(tcp.windowScale()).isBetween(-1, TcpFlyweight.MAX_WINDOW_SCALE);
                assertThat(tcp.sackBlockCount()).isBetween(0, TcpFlyweight.MAX_SACK_BLOCKS);
                assertThat(tcp.payloadLength()).isBetween(0, fuzzedLength - TcpFlyweight.MIN_HEADER_LENGTH);
                assertThat(tcp.sequenceLength()).isBetween(0, fuzzedLength);
                assertThat(tcp.sourcePort() | tcp.destinationPort() | tcp.window() | tcp.urgentPointer()).isBetween(0, 65535);
                TcpFlyweight.flagsText(tcp.flags());
                valid++;
            }
            else
            {
                assertThatThrownBy(() -> tcp.validate(SOURCE_IP, DESTINATION_IP))
                    .isInstanceOfSatisfying(MalformedPacketException.class,
                        ex -> assertThat(ex.error()).isEqualTo(error));
            }
            assertThat(tcp.toString()).isNotEmpty();
        });

        assertThat(valid).as("some fuzzed packets pass").isPositive();
    }

    @Test
    void shouldNeverThrowFromAnyCheckForAnyRangeWithinBuffer()
    {
        final byte[][] frames = {
            hex(EthernetFlyweightTest.ARP_REQUEST_FRAME),
            hex(IcmpFlyweightTest.ECHO_REQUEST_FRAME),
            hex(UdpFlyweightTest.UDP_FRAME),
            hex(TcpFlyweightTest.SYN_FRAME),
            hex(ArpFlyweightTest.ARP_REPLY_FRAME_PADDED)};

        for (final byte[] frame : frames)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(frame);
            for (int offset = 0; offset <= buffer.capacity(); offset++)
            {
                for (int length = 0; offset + length <= buffer.capacity(); length++)
                {
                    final int o = offset;
                    final int l = length;
                    assertThatCode(() ->
                    {
                        ethernet.wrap(buffer, o, l).check();
                        arp.wrap(buffer, o, l).check();
                        ipv4.wrap(buffer, o, l).check();
                        icmp.wrap(buffer, o, l).check();
                        udp.wrap(buffer, o, l).check(SOURCE_IP, DESTINATION_IP);
                        tcp.wrap(buffer, o, l).check(SOURCE_IP, DESTINATION_IP);
                        tcp.parseOptions();
                    }).as("offset %d length %d", o, l).doesNotThrowAnyException();
                }
            }
        }
    }

    /**
     * Run {@code test} on {@link #ITERATIONS} buffers, each holding a fuzzed packet at its end: half random bytes,
     * half the golden packet (from {@code goldenOffset} in the golden frame) with 0 to 3 bits flipped; lengths
     * 0..100. {@link #fuzzedLength} holds the packet length, and up to 3 bytes of random junk come before it.
     */
    private void fuzz(final byte[] golden, final int goldenOffset, final Consumer<UnsafeBuffer> test)
    {
        for (int i = 0; i < ITERATIONS; i++)
        {
            final boolean fromGolden = random.nextBoolean();
            final int length = fromGolden && random.nextBoolean() ?
                golden.length - goldenOffset + random.nextInt(3) - 1 : random.nextInt(101);
            final int junk = random.nextInt(4);
            final byte[] data = new byte[junk + length];
            random.nextBytes(data);
            if (fromGolden)
            {
                System.arraycopy(golden, goldenOffset, data, junk, Math.min(length, golden.length - goldenOffset));
                final int flips = random.nextInt(4);
                for (int f = 0; f < flips && length > 0; f++)
                {
                    data[junk + random.nextInt(length)] ^= (byte)(1 << random.nextInt(8));
                }
            }

            fuzzedLength = length;
            final String input = HexFormat.of().formatHex(data);
            assertThatCode(() -> test.accept(new UnsafeBuffer(data)))
                .as("fuzzed input %s (packet from byte %d)", input, junk)
                .doesNotThrowAnyException();
        }
    }

    private static byte[] hex(final String hex)
    {
        return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
    }
}
