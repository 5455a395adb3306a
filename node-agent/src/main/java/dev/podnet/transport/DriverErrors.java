package dev.podnet.transport;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.NanoClock;

import java.util.function.Consumer;

/**
 * The media driver's error handler, rate-limited: at most one line per interval, the first at once, and
 * the next one says how many were left out in between.
 * <p>
 * Why: a node cut off from the network (a partition, its interface gone) has every datagram refused by
 * the kernel, and Aeron reports each one ({@code failed to send datagram ... Network is unreachable}):
 * the chaos soak saw some 4,500 WARN lines a second from a partitioned agent, about 10 MB in the 10 s
 * before it was downed, written from the data plane's own duty cycle (the driver runs inside it,
 * {@link AeronTunnel}). One line a second says the same; the driver's own distinct-error log in its
 * cnc file keeps every kind with its count.
 * <p>
 * Called on the duty cycle only (the driver's agents run there): no lock.
 */
final class DriverErrors implements ErrorHandler
{
    private final Consumer<String> log;
    private final NanoClock clock;
    private final long intervalNanos;
    private long lastLoggedAt;
    private long leftOut;
    private boolean logged;

    /**
     * @param log           where a line goes (a WARN of the tunnel's logger)
     * @param clock         the time
     * @param intervalNanos at most one line per this much time
     */
    DriverErrors(final Consumer<String> log, final NanoClock clock, final long intervalNanos)
    {
        this.log = log;
        this.clock = clock;
        this.intervalNanos = intervalNanos;
    }

    @Override
    public void onError(final Throwable error)
    {
        final long now = clock.nanoTime();
        if (logged && now - lastLoggedAt < intervalNanos)
        {
            leftOut++;
            return;
        }
        log.accept(error.toString() + (leftOut == 0 ? "" : String.format(" (and %d more driver errors in the %.1f s before, not logged)",
            leftOut, (now - lastLoggedAt) / 1e9)));
        logged = true;
        lastLoggedAt = now;
        leftOut = 0;
    }
}
