package dev.podnet.tcp;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The send and receive buffers against the simplest model of what they must do, with random operations: bytes
 * written come out in order, whatever the growth, wrap-around, gaps and overlaps.
 */
class BufferModelTest
{
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void shouldReassembleRandomOverlappingSegmentsIntoTheStream(final long seed)
    {
        final Random random = new Random(seed);
        final int max = 1024 << random.nextInt(6);
        final ReceiveBuffer buffer = new ReceiveBuffer(256, max, 0);
        final byte[] stream = new byte[200_000];
        random.nextBytes(stream);
        final ByteArrayOutputStream read = new ByteArrayOutputStream();
        final UnsafeBuffer source = new UnsafeBuffer(stream);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[max]);
        long inOrderEnd = 0; // stream offset of the in-order end
        while (read.size() < stream.length)
        {
            final int window = buffer.window();
            if (window > 0 && random.nextInt(3) > 0)
            {
                final int ahead = random.nextInt(Math.min(window, 3000)) - random.nextInt(500);
                final int length = 1 + random.nextInt(1400);
                // trim like the connection does: nothing before the in-order end, nothing beyond the window
                int start = (int)Math.max(0, ahead);
                int end = Math.min(ahead + length, window);
                end = (int)Math.min(end, stream.length - inOrderEnd);
                if (end > start)
                {
                    final int advance = buffer.insert(start, source, (int)(inOrderEnd + start), end - start);
                    if (advance > 0)
                    {
                        inOrderEnd += advance;
                    }
                }
            }
            else
            {
                final int count = buffer.read(out, 0, random.nextInt(max) + 1);
                read.write(out.byteArray(), 0, count);
            }
            assertThat(read.size() + buffer.readable()).isEqualTo((int)inOrderEnd);
        }
        assertThat(read.toByteArray()).isEqualTo(stream);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldHandOutWhatWasWrittenByOffsetUntilAcknowledged(final long seed)
    {
        final Random random = new Random(seed);
        final int max = 2048 << random.nextInt(6);
        final SendBuffer buffer = new SendBuffer(512, max);
        final byte[] stream = new byte[300_000];
        random.nextBytes(stream);
        final UnsafeBuffer source = new UnsafeBuffer(stream);
        final UnsafeBuffer segment = new UnsafeBuffer(new byte[max]);
        int written = 0;
        int acknowledged = 0;
        while (acknowledged < stream.length)
        {
            if (random.nextBoolean() && written < stream.length)
            {
                written += buffer.write(source, written, Math.min(stream.length - written, random.nextInt(5000)));
            }
            else if (buffer.size() > 0)
            {
                final int from = random.nextInt(buffer.size());
                final int length = random.nextInt(buffer.size() - from) + 1;
                buffer.copy(from, segment, 0, length);
                for (int i = 0; i < length; i++)
                {
                    assertThat(segment.getByte(i)).isEqualTo(stream[acknowledged + from + i]);
                }
                final int acked = random.nextInt(buffer.size() + 1);
                buffer.acknowledge(acked);
                acknowledged += acked;
            }
            assertThat(buffer.size()).isEqualTo(written - acknowledged);
            assertThat(buffer.size()).isLessThanOrEqualTo(max);
        }
    }
}
