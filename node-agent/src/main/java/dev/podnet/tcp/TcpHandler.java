package dev.podnet.tcp;

/**
 * An application on one connection, called on the data-plane thread (it must not block) from within the engine's
 * processing; what it does there (read, write, close) takes effect when the call returns. Like lwIP's raw API:
 * callbacks instead of blocking sockets.
 */
public interface TcpHandler
{
    /**
     * The three-way handshake completed: data may flow.
     *
     * @param connection the connection.
     * @param nowNanos   the stack's clock.
     */
    default void onEstablished(final TcpConnection connection, final long nowNanos)
    {
    }

    /**
     * New in-order data can be read, or the peer closed its side ({@link TcpConnection#peerClosed()} once the
     * data before its FIN has been read).
     *
     * @param connection the connection.
     * @param nowNanos   the stack's clock.
     */
    default void onReadable(final TcpConnection connection, final long nowNanos)
    {
    }

    /**
     * A write was cut short earlier and the send buffer has room again.
     *
     * @param connection the connection.
     * @param nowNanos   the stack's clock.
     */
    default void onWritable(final TcpConnection connection, final long nowNanos)
    {
    }

    /**
     * The connection is over for the application, once: closed in order (reached TIME-WAIT or CLOSED), reset,
     * refused, timed out, unreachable, or aborted. No call follows.
     *
     * @param connection the connection.
     * @param reason     why.
     * @param nowNanos   the stack's clock.
     */
    default void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
    {
    }

    /**
     * @return what runs on the connection, for socket listings (e.g. {@code "http"}, {@code "discard"}).
     */
    default String application()
    {
        return "";
    }
}
