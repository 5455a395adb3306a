package dev.podnet.tap;

/** A real pod could not be made or attached: the message says what the system refused and why. */
public final class TapException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public TapException(final String message)
    {
        super(message);
    }

    public TapException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
