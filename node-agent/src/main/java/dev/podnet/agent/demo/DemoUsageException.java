package dev.podnet.agent.demo;

/**
 * A demo option that cannot work as given; the message starts with the flag to change, e.g.
 * {@code --api-port: TCP port 8081 (node-2's API port, --api-port 8080 + 1) is in use on 127.0.0.1: ...}.
 */
public final class DemoUsageException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    private final String flag;

    public DemoUsageException(final String flag, final String message)
    {
        super(flag + ": " + message);
        this.flag = flag;
    }

    /** The option to change, e.g. {@code --api-port}. */
    public String flag()
    {
        return flag;
    }
}
