package dev.podnet.tcp;

/**
 * The retransmission timer's value, RFC 6298, in nanoseconds.
 * <ul>
 *   <li>2.1: before any measurement the RTO is the initial one (1 s);</li>
 *   <li>2.2: the first measurement R sets SRTT = R, RTTVAR = R/2;</li>
 *   <li>2.3: later ones: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT = 7/8 SRTT + 1/8 R';</li>
 *   <li>RTO = SRTT + max(G, 4 RTTVAR), bounded below by the minimum (2.4; Linux's 200 ms rather than 1 s) and
 *       above by the maximum (2.5: at least 60 s; Linux 120 s). G, the clock granularity, is 1 ms here;</li>
 *   <li>5.5: each expiry doubles the RTO ({@link #backOff()}), up to the maximum; a new measurement ends the
 *       back-off. Karn's algorithm (3) is the caller's: it never measures a retransmitted segment.</li>
 * </ul>
 * No allocation, single-threaded.
 */
final class RttEstimator
{
    private static final long GRANULARITY_NANOS = 1_000_000L;

    private final long initialNanos;
    private final long minNanos;
    private final long maxNanos;
    private long srtt;
    private long rttvar;
    private long latest;
    private boolean measured;
    private int backoffs;
    private long rto;

    RttEstimator(final long initialNanos, final long minNanos, final long maxNanos)
    {
        this.initialNanos = initialNanos;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.rto = initialNanos;
    }

    /**
     * A round-trip measurement (RFC 6298 2.2, 2.3); ends any back-off.
     *
     * @param rttNanos the measured round trip, from sending a segment to the ACK that covered it.
     */
    void sample(final long rttNanos)
    {
        final long r = Math.max(rttNanos, 1);
        latest = r;
        if (!measured)
        {
            srtt = r;
            rttvar = r / 2;
            measured = true;
        }
        else
        {
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        backoffs = 0;
        rto = clamp(srtt + Math.max(GRANULARITY_NANOS, 4 * rttvar));
    }

    /** The timer expired: double the RTO (RFC 6298 5.5), up to the maximum. */
    void backOff()
    {
        backoffs++;
        rto = Math.min(maxNanos, rto * 2);
    }

    /** @return the current retransmission timeout, back-off included. */
    long rtoNanos()
    {
        return rto;
    }

    /** @return the smoothed RTT, or 0 before any measurement. */
    long srttNanos()
    {
        return measured ? srtt : 0;
    }

    /** @return the RTT variation, or 0 before any measurement. */
    long rttvarNanos()
    {
        return measured ? rttvar : 0;
    }

    /** @return the last measurement, or 0 before any. */
    long latestNanos()
    {
        return latest;
    }

    /** @return consecutive expiries since the last measurement. */
    int backoffs()
    {
        return backoffs;
    }

    /** @return whether an RTT was measured. */
    boolean measured()
    {
        return measured;
    }

    /** @return the initial RTO: what a connection starts with. */
    long initialNanos()
    {
        return initialNanos;
    }

    private long clamp(final long value)
    {
        return Math.min(maxNanos, Math.max(minNanos, value));
    }
}
