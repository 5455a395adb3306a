package dev.podnet.tcp;

/**
 * The states of a TCP connection (RFC 9293 3.3.2), named as {@code ss} prints them. {@code LISTEN} is a
 * listener's, never a connection's.
 */
public enum TcpState
{
    /** No connection (RFC 9293: a fictional state): the connection is gone. */
    CLOSED("CLOSED"),
    /** Waiting for a connection request: a listening port. */
    LISTEN("LISTEN"),
    /** SYN sent, waiting for the matching SYN. */
    SYN_SENT("SYN-SENT"),
    /** SYN received and sent, waiting for the acknowledgment of ours. */
    SYN_RECEIVED("SYN-RECV"),
    /** Open: data flows both ways. */
    ESTABLISHED("ESTAB"),
    /** We closed (FIN sent), waiting for its acknowledgment or the peer's FIN. */
    FIN_WAIT_1("FIN-WAIT-1"),
    /** Our FIN is acknowledged, waiting for the peer's. */
    FIN_WAIT_2("FIN-WAIT-2"),
    /** The peer closed, waiting for our application to close. */
    CLOSE_WAIT("CLOSE-WAIT"),
    /** Both closed at once: waiting for the acknowledgment of our FIN. */
    CLOSING("CLOSING"),
    /** The peer closed first and we closed after: waiting for the acknowledgment of our FIN. */
    LAST_ACK("LAST-ACK"),
    /** We closed first and everything is acknowledged: waiting out old segments. */
    TIME_WAIT("TIME-WAIT");

    private final String label;

    TcpState(final String label)
    {
        this.label = label;
    }

    /** @return the name {@code ss} uses, e.g. {@code ESTAB}, {@code TIME-WAIT}. */
    public String label()
    {
        return label;
    }

    /** @return whether the handshake completed (RFC 9293: the synchronized states). */
    public boolean synchronizedState()
    {
        return ordinal() >= ESTABLISHED.ordinal();
    }
}
