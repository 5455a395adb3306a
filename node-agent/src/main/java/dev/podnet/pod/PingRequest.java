package dev.podnet.pod;

import java.time.Duration;

/**
 * What {@code ping} is asked to do.
 *
 * @param target       destination IPv4 address
 * @param count        echo requests to send (1..10000)
 * @param interval     time between requests
 * @param size         ICMP payload bytes (ping's {@code -s}; 56 by default, as iputils)
 * @param dontFragment set DF (ping's {@code -M do})
 * @param timeout      how long to wait for each reply
 * @param ttl          TTL of the requests (64 as Linux; traceroute sends lower ones)
 */
public record PingRequest(int target, int count, Duration interval, int size, boolean dontFragment, Duration timeout, int ttl)
{
    public static final int DEFAULT_SIZE = 56;
    /** Largest payload: 65535 - 20 (IPv4) - 8 (ICMP). */
    public static final int MAX_SIZE = 65507;
    public static final int MAX_COUNT = 10_000;

    public PingRequest
    {
        if (count < 1 || count > MAX_COUNT)
        {
            throw new IllegalArgumentException("count " + count + " outside 1.." + MAX_COUNT);
        }
        if (size < 0 || size > MAX_SIZE)
        {
            throw new IllegalArgumentException("size " + size + " outside 0.." + MAX_SIZE);
        }
        if (ttl < 1 || ttl > 255)
        {
            throw new IllegalArgumentException("ttl " + ttl + " outside 1..255");
        }
        if (interval.isNegative() || timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("interval must be >= 0 and timeout > 0");
        }
    }

    public static PingRequest of(final int target, final int count)
    {
        return new PingRequest(target, count, Duration.ofMillis(200), DEFAULT_SIZE, false, Duration.ofSeconds(2), 64);
    }

    public PingRequest withSize(final int size, final boolean dontFragment)
    {
        return new PingRequest(target, count, interval, size, dontFragment, timeout, ttl);
    }

    public PingRequest withTimeout(final Duration timeout)
    {
        return new PingRequest(target, count, interval, size, dontFragment, timeout, ttl);
    }

    public PingRequest withTtl(final int ttl)
    {
        return new PingRequest(target, count, interval, size, dontFragment, timeout, ttl);
    }
}
