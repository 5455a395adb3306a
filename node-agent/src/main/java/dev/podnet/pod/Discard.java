package dev.podnet.pod;

import org.agrona.DirectBuffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The discard service (RFC 863) every pod runs on UDP port {@value #PORT}: it counts what arrives
 * and answers nothing. Throughput measurements send to it.
 */
public final class Discard implements UdpHandler
{
    public static final int PORT = 9;

    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastAt = new AtomicLong();

    @Override
    public void onDatagram(
        final Pod pod, final int sourceIp, final int sourcePort, final int localPort,
        final DirectBuffer payload, final int offset, final int length, final long nowNanos)
    {
        datagrams.lazySet(datagrams.get() + 1);
        bytes.lazySet(bytes.get() + length);
        lastAt.lazySet(nowNanos);
    }

    public long datagrams()
    {
        return datagrams.get();
    }

    public long bytes()
    {
        return bytes.get();
    }

    /** The data plane's clock when the last datagram arrived (0: none yet). */
    public long lastNanos()
    {
        return lastAt.get();
    }
}
