package dev.podnet.cli;

/**
 * Why a {@code podnetctl} verb stops, and with which exit code: the one exception type at the CLI's
 * edge. {@link PodnetCtl} prints {@code error: <message>} (and the hint, if any) to stderr and exits
 * with {@link #exitCode()}; the user never sees a stack trace.
 */
final class CtlException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final String hint;

    private CtlException(final int exitCode, final String message, final String hint, final Throwable cause)
    {
        super(message, cause, false, false);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    /** The operation ran and did not succeed (no ping reply, a failed check pair, ...): exit 1. */
    static CtlException failed(final String message)
    {
        return new CtlException(PodnetCtl.EXIT_FAILED, message, null, null);
    }

    /** The API answered 4xx/5xx: exit 3, with its {@code detail}. */
    static CtlException refused(final String detail)
    {
        return new CtlException(PodnetCtl.EXIT_REFUSED, detail, null, null);
    }

    /** The API answered 401: exit 3, with a hint on where podnetctl takes the token from. */
    static CtlException unauthorized(final String detail)
    {
        return new CtlException(PodnetCtl.EXIT_REFUSED, detail,
            "give the agent's API token with --token-file FILE, " + PodnetCtl.TOKEN_ENV + ", or 'token' in " +
                PodnetCtl.CONFIG_FILE_HINT, null);
    }

    /** Nothing answers at the server address: exit 4, with a hint on how to get an agent to talk to. */
    static CtlException unreachable(final String message, final Throwable cause)
    {
        return new CtlException(PodnetCtl.EXIT_UNREACHABLE, message,
            "start a cluster with './podnet demo' (or './podnet agent ...'), or point --server / PODNETCTL_SERVER " +
                "at a running agent's API", cause);
    }

    int exitCode()
    {
        return exitCode;
    }

    /** A second line for the user ({@code hint: ...}), or null. */
    String hint()
    {
        return hint;
    }
}
