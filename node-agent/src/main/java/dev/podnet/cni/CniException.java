package dev.podnet.cni;

/**
 * A CNI error result: the spec's well-known code (0-99) or a plugin-specific one (100+), a short
 * message and the details.
 */
final class CniException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** The spec's well-known error codes (CNI spec 1.1, "Error"). */
    static final int INCOMPATIBLE_VERSION = 1;
    static final int UNSUPPORTED_FIELD = 2;
    static final int UNKNOWN_CONTAINER = 3;
    static final int INVALID_ENVIRONMENT = 4;
    static final int IO_FAILURE = 5;
    static final int DECODING_FAILURE = 6;
    static final int INVALID_CONFIG = 7;
    static final int TRY_AGAIN_LATER = 11;
    static final int NOT_AVAILABLE = 50;
    /** podnet's own: the agent refused the request (its detail says why). */
    static final int AGENT_REFUSED = 100;
    /** podnet's own: CHECK found the attachment not as ADD left it. */
    static final int CHECK_FAILED = 101;

    private final int code;
    private final String details;

    CniException(final int code, final String message, final String details)
    {
        super(message);
        this.code = code;
        this.details = details;
    }

    int code()
    {
        return code;
    }

    String details()
    {
        return details;
    }
}
