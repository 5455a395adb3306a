package dev.podnet.dataplane;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The efficient mode's back-off, step by step, with a wait that records instead of sleeping. */
class EfficientIdleStrategyTest
{
    private final List<Long> waits = new ArrayList<>();
    private final IdleWait recording = new IdleWait()
    {
        @Override
        public void await(final long nanos)
        {
            waits.add(nanos);
        }

        @Override
        public void wakeup()
        {
        }
    };

    @Test
    void shouldSpinThenYieldThenWaitMicrosecondsDoublingToOneMillisecondThenWaitLong()
    {
        final EfficientIdleStrategy idle = new EfficientIdleStrategy(recording, 10_000_000);

        for (int i = 0; i < EfficientIdleStrategy.MAX_SPINS + EfficientIdleStrategy.MAX_YIELDS; i++)
        {
            idle.idle(0);
        }
        assertThat(waits).as("spins and yields do not wait").isEmpty();

        for (int i = 0; i < 10; i++)
        {
            idle.idle(0);
        }
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L, 64_000L, 128_000L, 256_000L, 512_000L);

        waits.clear();
        for (int i = 0; i < EfficientIdleStrategy.SHALLOW_WAITS; i++)
        {
            idle.idle(0);
        }
        assertThat(waits).hasSize(EfficientIdleStrategy.SHALLOW_WAITS).containsOnly(1_000_000L);

        waits.clear();
        idle.idle(0);
        idle.idle(0);
        assertThat(waits).as("a tenth of a second without work: long waits").containsExactly(10_000_000L, 10_000_000L);
    }

    @Test
    void shouldStartOverFromSpinningAfterWork()
    {
        final EfficientIdleStrategy idle = new EfficientIdleStrategy(recording);
        for (int i = 0; i < 200; i++)
        {
            idle.idle(0);
        }
        waits.clear();

        idle.idle(3);
        for (int i = 0; i < EfficientIdleStrategy.MAX_SPINS + EfficientIdleStrategy.MAX_YIELDS + 1; i++)
        {
            idle.idle(0);
        }

        assertThat(waits).containsExactly(1_000L);
    }

    @Test
    void shouldRefuseALongWaitShorterThanTheBackOff()
    {
        assertThatThrownBy(() -> new EfficientIdleStrategy(recording, 999_999))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("deep wait 999999 ns");
    }

    @Test
    void shouldEndAParkedWaitOnWakeupFromAnotherThread() throws Exception
    {
        final IdleWait parking = IdleWait.parking();
        final long[] took = new long[1];
        final Thread waiter = new Thread(() ->
        {
            final long start = System.nanoTime();
            parking.await(60_000_000_000L);
            took[0] = System.nanoTime() - start;
        });
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING)
        {
            Thread.onSpinWait();
        }

        parking.wakeup();
        waiter.join(30_000);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(took[0]).as("woken long before its minute").isLessThan(30_000_000_000L);
    }
}
