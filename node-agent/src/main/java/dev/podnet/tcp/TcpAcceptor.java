package dev.podnet.tcp;

/**
 * A listening port's application: asked for a handler each time a SYN opens a new connection to it.
 */
@FunctionalInterface
public interface TcpAcceptor
{
    /**
     * @param remoteIp   the client's address.
     * @param remotePort the client's port.
     * @param nowNanos   the stack's clock.
     * @return the handler of the new connection, or {@code null} to refuse it with a reset.
     */
    TcpHandler accept(int remoteIp, int remotePort, long nowNanos);
}
