package dev.podnet.dataplane;

import org.agrona.concurrent.IdleStrategy;

/**
 * The {@link IdleMode#EFFICIENT} idle strategy: Agrona's back-off while traffic is recent, then long
 * waits that an input or a command ends at once.
 * <ol>
 *   <li>after work: {@value #MAX_SPINS} spins, {@value #MAX_YIELDS} yields, then waits of 1 µs doubling
 *       to 1 ms, as {@code BackoffIdleStrategy(10, 20, 1 µs, 1 ms)}: a burst's next frame is taken within
 *       microseconds (on a node with a tunnel, waits from 100 µs on end when a datagram arrives:
 *       {@code TunnelWait});</li>
 *   <li>after {@value #SHALLOW_WAITS} waits of 1 ms without work (about a tenth of a second): waits of
 *       {@link #deepWaitNanos()} each, ended early by the {@link IdleWait} (a datagram on the tunnel, a
 *       command for the data plane). An idle node wakes for its inputs and for its timers only, not
 *       a thousand times a second.</li>
 * </ol>
 * Timers (ARP, ping schedules, call timeouts) run when the thread wakes: after a tenth of a second without
 * traffic, one may fire up to a deep wait late. The duty cycle decides what counts as work: the tunnel's
 * own chatter (Aeron heartbeats and status messages between idle nodes) does not, once traffic is past,
 * so that it does not restart the back-off ({@code AeronTunnel}).
 */
public final class EfficientIdleStrategy implements IdleStrategy
{
    static final int MAX_SPINS = 10;
    static final int MAX_YIELDS = 20;
    static final long MIN_WAIT_NANOS = 1_000;
    static final long MAX_SHALLOW_WAIT_NANOS = 1_000_000;
    static final int SHALLOW_WAITS = 100;
    /** Long enough that an idle node wakes rarely, short enough that a timer fires on time for a human. */
    public static final long DEFAULT_DEEP_WAIT_NANOS = 10_000_000;

    private final IdleWait wait;
    private final long deepWaitNanos;
    private int spins;
    private int yields;
    private long waitNanos = MIN_WAIT_NANOS;
    private int shallowWaits;

    public EfficientIdleStrategy(final IdleWait wait)
    {
        this(wait, DEFAULT_DEEP_WAIT_NANOS);
    }

    public EfficientIdleStrategy(final IdleWait wait, final long deepWaitNanos)
    {
        if (deepWaitNanos < MAX_SHALLOW_WAIT_NANOS)
        {
            throw new IllegalArgumentException("deep wait " + deepWaitNanos + " ns is shorter than the back-off's " +
                MAX_SHALLOW_WAIT_NANOS + " ns");
        }
        this.wait = wait;
        this.deepWaitNanos = deepWaitNanos;
    }

    public long deepWaitNanos()
    {
        return deepWaitNanos;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spins < MAX_SPINS)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < MAX_YIELDS)
        {
            yields++;
            Thread.yield();
        }
        else if (waitNanos < MAX_SHALLOW_WAIT_NANOS)
        {
            wait.await(waitNanos);
            waitNanos <<= 1;
        }
        else if (shallowWaits < SHALLOW_WAITS)
        {
            shallowWaits++;
            wait.await(MAX_SHALLOW_WAIT_NANOS);
        }
        else
        {
            wait.await(deepWaitNanos);
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
        waitNanos = MIN_WAIT_NANOS;
        shallowWaits = 0;
    }

    @Override
    public String alias()
    {
        return "efficient";
    }
}
