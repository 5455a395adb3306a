package dev.podnet.dataplane;

/**
 * A request the data plane refused, with a kind an API edge maps to a status code.
 */
public final class DataPlaneException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Why the request was refused. */
    public enum Kind
    {
        /** Bad argument (a pod name that is not a DNS-1123 label, say): HTTP 400. */
        INVALID,
        /** No such pod: HTTP 404. */
        NOT_FOUND,
        /** The name is taken: HTTP 409. */
        CONFLICT,
        /** The node cannot do it now (no free IP, queue full, stopped): HTTP 503. */
        UNAVAILABLE
    }

    private final Kind kind;

    public DataPlaneException(final Kind kind, final String message)
    {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind()
    {
        return kind;
    }
}
