package dev.podnet.tcp;

/**
 * Why a connection ended, as its application learns it (the errno of a socket call, in Linux terms).
 */
public enum CloseReason
{
    /** Closed in order: both FINs exchanged (or ours acknowledged and theirs received). */
    CLOSED("closed"),
    /** The peer reset an established connection (ECONNRESET). */
    RESET("connection-reset"),
    /** The peer answered our SYN with a reset: nothing listens there (ECONNREFUSED). */
    REFUSED("connection-refused"),
    /** Retransmissions went unanswered until the retry limit (ETIMEDOUT). */
    TIMED_OUT("timed-out"),
    /** An ICMP destination unreachable about our SYN (EHOSTUNREACH, ENETUNREACH, ...); the type is in the detail. */
    UNREACHABLE("unreachable"),
    /** This side aborted the connection: its application, or the pod going away (a RST was sent). */
    ABORTED("aborted");

    private final String label;

    CloseReason(final String label)
    {
        this.label = label;
    }

    /** @return kebab-case name for APIs and logs. */
    public String label()
    {
        return label;
    }
}
