package dev.podnet.pod;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, at most {@code burst} saved up. Used to
 * rate-limit ICMP errors the way Linux's {@code icmp_msgs_per_sec} / {@code icmp_msgs_burst} do.
 * Single-threaded, allocation-free.
 */
public final class RateLimiter
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long nanosPerToken;
    private final long burstNanos;
    private long tokensNanos;
    private long lastNanos;
    private boolean started;

    public RateLimiter(final int ratePerSecond, final int burst)
    {
        if (ratePerSecond <= 0 || burst <= 0)
        {
            throw new IllegalArgumentException("rate and burst must be > 0: " + ratePerSecond + "/" + burst);
        }
        this.nanosPerToken = NANOS_PER_SECOND / ratePerSecond;
        this.burstNanos = nanosPerToken * burst;
    }

    /** Takes one token if there is one. */
    public boolean tryAcquire(final long nowNanos)
    {
        if (!started)
        {
            started = true;
            lastNanos = nowNanos;
            tokensNanos = burstNanos;
        }
        tokensNanos = Math.min(burstNanos, tokensNanos + Math.max(0, nowNanos - lastNanos));
        lastNanos = nowNanos;
        if (tokensNanos >= nanosPerToken)
        {
            tokensNanos -= nanosPerToken;
            return true;
        }
        return false;
    }
}
