package dev.podnet.dataplane;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a duty-cycle thread waits when it has nothing to do: the trade between idle CPU and latency.
 * Measured on 2 cores (see docs/BENCHMARKS.md and shared notes): busy-spinning in several JVMs
 * starves the other threads and collapses latency to milliseconds; yielding keeps tens of
 * microseconds at about a core per JVM; backing off to parking is cheap when idle.
 */
public enum IdleMode
{
    /**
     * Spin a little, yield a little, wait up to 1 ms; idle for a tenth of a second, wait up to 10 ms at a time,
     * woken at once by what arrives ({@link EfficientIdleStrategy}): cheap when idle (the default).
     */
    EFFICIENT
    {
        @Override
        public IdleStrategy newStrategy(final IdleWait wait)
        {
            return new EfficientIdleStrategy(wait);
        }
    },
    /** Yield the CPU between duty cycles: low latency, about one core per agent even when idle. */
    LOW_LATENCY
    {
        @Override
        public IdleStrategy newStrategy(final IdleWait wait)
        {
            return new YieldingIdleStrategy();
        }
    },
    /** Sleep 1 ms whenever idle: the least CPU, millisecond latency. */
    SLEEPING
    {
        @Override
        public IdleStrategy newStrategy(final IdleWait wait)
        {
            return new SleepingMillisIdleStrategy(1);
        }
    },
    /** Never give the CPU away: only with a dedicated core per agent. */
    BUSY_SPIN
    {
        @Override
        public IdleStrategy newStrategy(final IdleWait wait)
        {
            return new BusySpinIdleStrategy();
        }
    };

    /** The strategy of a duty cycle whose long waits {@code wait} can end early (only {@link #EFFICIENT} waits long). */
    public abstract IdleStrategy newStrategy(IdleWait wait);

    /** The strategy of a duty cycle that polls its inputs: its waits end when their time is up. */
    public IdleStrategy newStrategy()
    {
        return newStrategy(IdleWait.parking());
    }

    /** The setting's spelling: {@code efficient}, {@code low-latency}, {@code sleeping}, {@code busy-spin}. */
    public String settingName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static IdleMode parse(final String value)
    {
        for (final IdleMode mode : values())
        {
            if (mode.settingName().equalsIgnoreCase(value.trim()))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown idle mode '" + value + "' (expected one of: " +
            Arrays.stream(values()).map(IdleMode::settingName).collect(Collectors.joining(", ")) + ")");
    }
}
