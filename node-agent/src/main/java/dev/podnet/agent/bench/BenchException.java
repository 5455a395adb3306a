package dev.podnet.agent.bench;

/**
 * The benchmark could not measure: the peer JVM died or did not answer, a tunnel did not connect, a
 * pod could not reach the other. The message says what was expected and what happened.
 */
public final class BenchException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public BenchException(final String message)
    {
        super(message);
    }

    public BenchException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
