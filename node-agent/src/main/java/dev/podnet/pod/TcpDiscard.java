package dev.podnet.pod;

import dev.podnet.tcp.TcpAcceptor;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The discard service (RFC 863) every pod runs on TCP port {@value #PORT}: it reads and drops everything, counting
 * the bytes; {@code tcp-perf} sends to it. It closes when the client does.
 */
final class TcpDiscard implements TcpAcceptor, TcpHandler
{
    static final int PORT = 9;

    private final AtomicLong bytes = new AtomicLong();

    @Override
    public TcpHandler accept(final int remoteIp, final int remotePort, final long nowNanos)
    {
        return this; // stateless: one handler serves every connection
    }

    @Override
    public void onReadable(final TcpConnection connection, final long nowNanos)
    {
        final int count = connection.skip(connection.readable());
        bytes.lazySet(bytes.get() + count);
        if (connection.peerClosed())
        {
            connection.close();
        }
    }

    /** @return bytes discarded since the pod started. */
    long bytes()
    {
        return bytes.get();
    }

    @Override
    public String application()
    {
        return "discard";
    }
}
