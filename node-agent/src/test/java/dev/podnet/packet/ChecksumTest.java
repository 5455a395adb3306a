package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ChecksumTest
{
    @Test
    void shouldComputeSumAndChecksumOfRfc1071Example()
    {
        // RFC 1071 section 3: 0001 + f203 + f4f5 + f6f7 = 2ddf0, carries folded: ddf2, complemented: 220d
        final UnsafeBuffer buffer = bytes("0001 f203 f4f5 f6f7");

        final int sum = Checksum.sum(buffer, 0, 8, 0);

        assertThat(Checksum.foldCarries(sum)).isEqualTo(0xddf2);
        assertThat(Checksum.fold(sum)).isEqualTo(0x220d);
        assertThat(Checksum.compute(buffer, 0, 8)).isEqualTo(0x220d);
    }

    @Test
    void shouldComputeHeaderChecksumOfWikipediaIpv4Example()
    {
        // https://en.wikipedia.org/wiki/Internet_checksum, checksum field zeroed
        final UnsafeBuffer buffer = bytes("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");

        assertThat(Checksum.compute(buffer, 0, 20)).isEqualTo(0xb861);
    }

    @Test
    void shouldVerifyToZeroWhenDataIncludesItsChecksum()
    {
        final UnsafeBuffer buffer = bytes("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");

        assertThat(Checksum.compute(buffer, 0, 20)).isZero();
    }

    @Test
    void shouldPadOddTrailingByteWithZero()
    {
        final UnsafeBuffer buffer = bytes("ab");

        assertThat(Checksum.compute(buffer, 0, 1)).isEqualTo(~0xab00 & 0xFFFF);
        // 0001 + f203 + f400 = 1e604, carry folded: e605, complemented: 19fa
        assertThat(Checksum.compute(bytes("0001 f203 f4"), 0, 5)).isEqualTo(0x19fa);
    }

    @Test
    void shouldGiveAllOnesForEmptyOrAllZeroData()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);

        assertThat(Checksum.compute(buffer, 0, 0)).isEqualTo(0xFFFF);
        assertThat(Checksum.compute(buffer, 0, 16)).isEqualTo(0xFFFF);
        assertThat(Checksum.sum(buffer, 0, -3, 7)).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void shouldMatchNaiveSumForEveryLengthAtEveryOffset(final int offset)
    {
        final Random random = new Random(1071 + offset);
        final byte[] data = new byte[offset + 300];
        random.nextBytes(data);
        final UnsafeBuffer buffer = new UnsafeBuffer(data);

        for (int length = 0; length <= 300; length++)
        {
            assertThat(Checksum.compute(buffer, offset, length))
                .as("offset %d length %d", offset, length)
                .isEqualTo(naiveChecksum(data, offset, length, 0));
        }
    }

    @Test
    void shouldNotOverflowOnLongestDatagramOfAllOnes()
    {
        final byte[] data = new byte[65535];
        Arrays.fill(data, (byte)0xFF);
        final UnsafeBuffer buffer = new UnsafeBuffer(data);

        assertThat(Checksum.compute(buffer, 0, data.length)).isEqualTo(naiveChecksum(data, 0, data.length, 0));
        assertThat(Checksum.fold(Checksum.sum(buffer, 0, data.length, 0xFFFF_FFFF)))
            .isEqualTo(naiveChecksum(data, 0, data.length, 0xFFFF_FFFFL));
    }

    @Test
    void shouldContinueFromInitialSumAcrossPieces()
    {
        final Random random = new Random(42);
        final byte[] data = new byte[1500];
        random.nextBytes(data);
        final UnsafeBuffer buffer = new UnsafeBuffer(data);

        for (int split = 0; split <= data.length; split += 2)
        {
            final int first = Checksum.sum(buffer, 0, split, 0);
            final int both = Checksum.sum(buffer, split, data.length - split, first);

            assertThat(Checksum.fold(both)).isEqualTo(Checksum.compute(buffer, 0, data.length));
        }
    }

    @Test
    void shouldSumPseudoHeaderAsItsTwelveBytes()
    {
        // source 10.244.1.2, destination 10.244.2.3, zero, protocol 17, length 12
        final UnsafeBuffer pseudoHeader = bytes("0af4 0102 0af4 0203 0011 000c");

        final int sum = Checksum.pseudoHeaderSum(0x0AF4_0102, 0x0AF4_0203, 17, 12);

        assertThat(Checksum.foldCarries(sum)).isEqualTo(Checksum.foldCarries(Checksum.sum(pseudoHeader, 0, 12, 0)));
    }

    @Test
    void shouldSumPseudoHeaderOfHighAddresses()
    {
        final UnsafeBuffer pseudoHeader = bytes("ffff ffff ffff fffe 0011 ffff");

        final int sum = Checksum.pseudoHeaderSum(0xFFFF_FFFF, 0xFFFF_FFFE, 17, 0xFFFF);

        assertThat(Checksum.fold(sum)).isEqualTo(Checksum.compute(pseudoHeader, 0, 12));
    }

    /**
     * RFC 1071 taken literally: 16-bit words, one at a time, carries folded at the end.
     */
    static int naiveChecksum(final byte[] data, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            final int high = data[offset + i] & 0xFF;
            final int low = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }

        return (int)(~sum & 0xFFFF);
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
