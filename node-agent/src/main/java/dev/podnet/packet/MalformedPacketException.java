package dev.podnet.packet;

import java.util.Objects;

/**
 * The one exception for malformed packets, thrown only at API/CLI edges by the flyweights' {@code validate()}
 * methods. The data plane never throws it: it calls {@code check()} and counts the returned {@link PacketError}.
 * <p>
 * Messages say what was found and what was expected, netty style:
 * {@code "truncated IPv4 header: 12 bytes (expected: 20+ bytes)"}.
 */
public final class MalformedPacketException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * Why the packet was rejected.
     */
    private final PacketError error;

    /**
     * Create an exception for a malformed packet.
     *
     * @param error   the reason, never {@link PacketError#NONE}.
     * @param message what was found and what was expected.
     */
    public MalformedPacketException(final PacketError error, final String message)
    {
        super(message);
        this.error = Objects.requireNonNull(error, "error");
    }

    /**
     * The reason the packet was rejected.
     *
     * @return the reason the packet was rejected.
     */
    public PacketError error()
    {
        return error;
    }
}
