package dev.podnet.tcp;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;

/**
 * A test application on a connection: sends {@code toSend} as fast as the connection takes it (then closes when
 * asked), keeps everything it reads (unless told not to read), and records what happened.
 */
final class Peer implements TcpHandler
{
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(new byte[65536]);
    private UnsafeBuffer toSend = new UnsafeBuffer(new byte[0]);
    private int sent;
    boolean closeWhenSent;
    /** With {@link #closeWhenSent}: shut the output down only (a FIN), keep reading. */
    boolean halfClose;
    boolean closeWhenPeerCloses;
    boolean reading = true;
    boolean established;
    boolean peerClosed;
    CloseReason closed;
    TcpConnection connection;

    static Peer sending(final byte[] data, final boolean close)
    {
        final Peer peer = new Peer();
        peer.toSend = new UnsafeBuffer(data);
        peer.closeWhenSent = close;
        return peer;
    }

    static Peer echoing()
    {
        final Peer peer = new Peer();
        peer.closeWhenPeerCloses = true;
        return peer;
    }

    @Override
    public void onEstablished(final TcpConnection connection, final long nowNanos)
    {
        this.connection = connection;
        established = true;
        push();
    }

    @Override
    public void onReadable(final TcpConnection connection, final long nowNanos)
    {
        this.connection = connection;
        if (reading)
        {
            drain();
        }
        if (connection.peerClosed())
        {
            peerClosed = true;
            if (closeWhenPeerCloses)
            {
                closeWhenPeerCloses = false;
                if (allSent())
                {
                    connection.close();
                }
                else
                {
                    // what is left goes first
                    closeWhenSent = true;
                    halfClose = false;
                }
            }
        }
    }

    void drain()
    {
        int count;
        while ((count = connection.read(readBuffer, 0, readBuffer.capacity())) > 0)
        {
            received.write(readBuffer.byteArray(), 0, count);
        }
    }

    @Override
    public void onWritable(final TcpConnection connection, final long nowNanos)
    {
        push();
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
    {
        this.connection = connection;
        closed = reason;
    }

    /** Write what is left of {@code toSend}. */
    void push()
    {
        if (connection == null)
        {
            return;
        }
        if (sent < toSend.capacity())
        {
            sent += connection.write(toSend, sent, toSend.capacity() - sent);
        }
        if (sent == toSend.capacity() && closeWhenSent)
        {
            closeWhenSent = false;
            if (halfClose)
            {
                connection.shutdownOutput();
            }
            else
            {
                connection.close();
            }
        }
    }

    void send(final byte[] data)
    {
        toSend = new UnsafeBuffer(data);
        sent = 0;
        push();
    }

    boolean allSent()
    {
        return sent == toSend.capacity();
    }

    @Override
    public String application()
    {
        return "test";
    }
}
