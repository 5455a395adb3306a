package dev.podnet.netem;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DelayLineTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);

    @Test
    void shouldHandFramesOnInTheOrderTheyAreDueWhateverTheOrderTheyCameIn()
    {
        final DelayLine line = new DelayLine(8, 64);
        final long[] dues = {50, 10, 40, 20, 30};
        for (int i = 0; i < dues.length; i++)
        {
            frame.putByte(0, (byte)i);
            line.offer(frame, 0, 1, dues[i], i);
        }

        final List<Long> order = new ArrayList<>();
        while (!line.isEmpty())
        {
            order.add(line.due(line.head()));
            assertThat(line.buffer().getByte(line.offset(line.head()))).isEqualTo((byte)line.tag(line.head()));
            line.pop();
        }

        assertThat(order).containsExactly(10L, 20L, 30L, 40L, 50L);
    }

    @Test
    void shouldKeepArrivalOrderAmongFramesDueAtTheSameTime()
    {
        final DelayLine line = new DelayLine(64, 64);
        for (int i = 0; i < 50; i++)
        {
            line.offer(frame, 0, 10, 7, i);
        }

        for (int i = 0; i < 50; i++)
        {
            assertThat(line.tag(line.head())).isEqualTo(i);
            line.pop();
        }
    }

    @Test
    void shouldRefuseAFrameWhenFullOrLargerThanASlotAndReuseFreedSlots()
    {
        final DelayLine line = new DelayLine(2, 64);
        assertThat(line.offer(frame, 0, 64, 1, 0)).isNotNegative();
        assertThat(line.offer(frame, 0, 64, 2, 0)).isNotNegative();
        assertThat(line.offer(frame, 0, 64, 3, 0)).isEqualTo(-1);
        assertThat(new DelayLine(2, 64).offer(new UnsafeBuffer(new byte[65]), 0, 65, 1, 0)).isEqualTo(-1);

        line.pop();

        assertThat(line.offer(frame, 0, 64, 3, 0)).isNotNegative();
        assertThat(line.size()).isEqualTo(2);
        assertThat(line.nextDue()).isEqualTo(2);
    }

    @Test
    void shouldMakeEveryFrameDueNowWhenExpeditedKeepingTheirOrder()
    {
        final DelayLine line = new DelayLine(8, 64);
        line.offer(frame, 0, 1, 300, 3);
        line.offer(frame, 0, 1, 100, 1);
        line.offer(frame, 0, 1, 200, 2);

        line.expedite(5);

        assertThat(line.nextDue()).isLessThanOrEqualTo(5);
        assertThat(line.due(line.head())).isLessThanOrEqualTo(5);
        for (int tag = 1; tag <= 3; tag++)
        {
            assertThat(line.tag(line.head())).isEqualTo(tag);
            assertThat(line.due(line.head())).isLessThanOrEqualTo(5);
            line.pop();
        }
    }
}
