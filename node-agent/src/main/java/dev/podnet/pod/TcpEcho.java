package dev.podnet.pod;

import dev.podnet.tcp.TcpAcceptor;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The echo service (RFC 862) every pod runs on TCP port {@value #PORT}: what arrives goes back. It reads only
 * as much as the connection can send, so a client that does not read its echo is slowed down by TCP's flow
 * control rather than buffered without bound; it closes once the client has closed and everything went back.
 */
final class TcpEcho implements TcpAcceptor
{
    static final int PORT = 7;

    /** One buffer for every connection: the data plane's thread runs them one at a time. */
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);

    @Override
    public TcpHandler accept(final int remoteIp, final int remotePort, final long nowNanos)
    {
        return new Echo();
    }

    private final class Echo implements TcpHandler
    {
        @Override
        public void onEstablished(final TcpConnection connection, final long nowNanos)
        {
            connection.nodelay(true);
        }

        @Override
        public void onReadable(final TcpConnection connection, final long nowNanos)
        {
            echo(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection, final long nowNanos)
        {
            echo(connection);
        }

        private void echo(final TcpConnection connection)
        {
            int room;
            while ((room = Math.min(connection.writable(), scratch.capacity())) > 0 && connection.readable() > 0)
            {
                final int count = connection.read(scratch, 0, room);
                connection.write(scratch, 0, count);
            }
            if (connection.peerClosed())
            {
                connection.close();
            }
        }

        @Override
        public String application()
        {
            return "echo";
        }
    }
}
