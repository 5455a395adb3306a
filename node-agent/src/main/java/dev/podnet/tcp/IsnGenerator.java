package dev.podnet.tcp;

/**
 * Initial sequence numbers as RFC 6528 section 3 computes them: {@code ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey)}, where M is a timer ticking every 4 microseconds and F a keyed pseudo-random function.
 * F is SipHash-2-4 (as Linux's {@code secure_tcp_seq}) of the connection's four-tuple under a 128-bit secret chosen
 * when the pod starts, so that an off-path attacker cannot guess the ISN of a connection from those of others, and a
 * new incarnation of a connection starts above the old one.
 * <p>
 * The same function, under a second key, gives each connection its timestamp offset (RFC 7323 5.4: timestamps
 * must not reveal the host's clock). Allocation-free.
 */
final class IsnGenerator
{
    /** Nanoseconds per tick of M: 4096, the closest power of two to RFC 6528's 4 microseconds. */
    static final int TICK_SHIFT = 12;

    private final long k0;
    private final long k1;

    /**
     * @param k0 first half of the secret key.
     * @param k1 second half of the secret key.
     */
    IsnGenerator(final long k0, final long k1)
    {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * @param localIp    local address.
     * @param localPort  local port.
     * @param remoteIp   remote address.
     * @param remotePort remote port.
     * @param nowNanos   the stack's clock.
     * @return the ISN of a new connection of that four-tuple.
     */
    int isn(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long nowNanos)
    {
        final int m = (int)(nowNanos >>> TICK_SHIFT);
        return m + (int)hash(localIp, localPort, remoteIp, remotePort, 0);
    }

    /**
     * @return the offset of the connection's TSval clock (RFC 7323 5.4).
     */
    int timestampOffset(final int localIp, final int localPort, final int remoteIp, final int remotePort)
    {
        return (int)hash(localIp, localPort, remoteIp, remotePort, 0x7473L);
    }

    private long hash(final int localIp, final int localPort, final int remoteIp, final int remotePort, final long tweak)
    {
        final long m0 = ((long)localIp << 32) | (remoteIp & 0xFFFF_FFFFL);
        final long m1 = ((long)(localPort & 0xFFFF) << 16 | (remotePort & 0xFFFF)) ^ (tweak << 32);
        return sipHash24(k0, k1, m0, m1);
    }

    /**
     * SipHash-2-4 of a 16-byte message given as two little-endian 64-bit words (Aumasson and Bernstein).
     */
    static long sipHash24(final long k0, final long k1, final long m0, final long m1)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // three compression blocks (m0, m1, then the length 16 in the top byte), then finalization
        for (int block = 0; block < 4; block++)
        {
            final long m = block == 0 ? m0 : block == 1 ? m1 : 16L << 56;
            if (block < 3)
            {
                v3 ^= m;
            }
            else
            {
                v2 ^= 0xff;
            }
            final int rounds = block < 3 ? 2 : 4;
            for (int i = 0; i < rounds; i++)
            {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13) ^ v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16) ^ v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21) ^ v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17) ^ v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            if (block < 3)
            {
                v0 ^= m;
            }
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
