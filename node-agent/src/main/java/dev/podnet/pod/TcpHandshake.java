package dev.podnet.pod;

import dev.podnet.tcp.CloseReason;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;

import java.util.concurrent.CompletableFuture;

/**
 * A connect check, as a port scanner's connect scan makes it: a SYN to {@code ip:port}, and once the SYN-ACK came
 * back the connection is aborted (an RST carrying the ACK), so that nothing but the handshake crosses the network
 * (what a trace of a TCP packet follows). Completes
 * with {@code established}, or why not: the {@link CloseReason}'s label ({@code connection-refused},
 * {@code unreachable}, ...) or {@code timeout}. A tool, not the data path.
 */
final class TcpHandshake implements TcpHandler
{
    static final String ESTABLISHED = "established";
    static final String TIMEOUT = "timeout";

    private final long deadline;
    private final CompletableFuture<String> future;
    private TcpConnection connection;

    TcpHandshake(final long deadline, final CompletableFuture<String> future)
    {
        this.deadline = deadline;
        this.future = future;
    }

    void connection(final TcpConnection connection)
    {
        this.connection = connection;
    }

    boolean isDone()
    {
        return future.isDone();
    }

    @Override
    public void onEstablished(final TcpConnection connection, final long nowNanos)
    {
        future.complete(ESTABLISHED);
        connection.abort();
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
    {
        future.complete(reason.label());
    }

    /** Gives up at the deadline; true when done. */
    boolean onTimer(final long nowNanos)
    {
        if (!future.isDone() && nowNanos >= deadline)
        {
            future.complete(TIMEOUT);
            connection.abort();
        }
        return future.isDone();
    }

    void abort(final String why)
    {
        future.completeExceptionally(new IllegalStateException(why));
        if (connection != null)
        {
            connection.abort();
        }
    }

    @Override
    public String application()
    {
        return "handshake";
    }
}
