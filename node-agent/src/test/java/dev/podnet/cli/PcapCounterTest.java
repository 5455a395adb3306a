package dev.podnet.cli;

import dev.podnet.diag.PcapWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

class PcapCounterTest
{
    /** A pcap stream with records of these captured lengths, in {@code order}. */
    private static byte[] pcap(final ByteOrder order, final int... lengths)
    {
        int size = PcapCounter.FILE_HEADER_LENGTH;
        for (final int length : lengths)
        {
            size += PcapCounter.RECORD_HEADER_LENGTH + length;
        }
        final ByteBuffer buffer = ByteBuffer.allocate(size).order(order);
        buffer.putInt(PcapWriter.MAGIC).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (final int length : lengths)
        {
            buffer.putInt(1).putInt(2).putInt(length).putInt(length);
            buffer.put(new byte[length]);
        }
        return buffer.array();
    }

    @Test
    void shouldCountRecordsSplitAcrossWritesOfAnySize() throws IOException
    {
        final byte[] stream = pcap(ByteOrder.LITTLE_ENDIAN, 98, 60, 0, 1500);
        for (final int chunk : new int[] {1, 7, 16, 24, 100, stream.length})
        {
            final ByteArrayOutputStream sink = new ByteArrayOutputStream();
            final PcapCounter counter = new PcapCounter(sink);
            for (int at = 0; at < stream.length; at += chunk)
            {
                counter.write(stream, at, Math.min(chunk, stream.length - at));
            }

            assertThat(counter.packets()).as("chunks of %d", chunk).isEqualTo(4);
            assertThat(counter.bytes()).isEqualTo(stream.length);
            assertThat(counter.isPcap()).isTrue();
            assertThat(sink.toByteArray()).as("passed through unchanged").isEqualTo(stream);
        }
    }

    @Test
    void shouldReadLengthsInTheWritersByteOrder() throws IOException
    {
        final PcapCounter counter = new PcapCounter(new ByteArrayOutputStream());
        counter.write(pcap(ByteOrder.BIG_ENDIAN, 300, 42));

        assertThat(counter.packets()).isEqualTo(2);
    }

    @Test
    void shouldNotCountATruncatedLastRecord() throws IOException
    {
        final byte[] stream = pcap(ByteOrder.LITTLE_ENDIAN, 98, 98);
        final PcapCounter counter = new PcapCounter(new ByteArrayOutputStream());
        counter.write(stream, 0, stream.length - 1);

        assertThat(counter.packets()).isEqualTo(1);
    }

    @Test
    void shouldPassAnythingElseThroughUncounted() throws IOException
    {
        final PcapCounter counter = new PcapCounter(new ByteArrayOutputStream());
        counter.write("{\"error\":\"not pcap at all, but long enough\"}".getBytes());

        assertThat(counter.isPcap()).isFalse();
        assertThat(counter.packets()).isZero();
    }
}
