package dev.podnet.tap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sockets inside another network namespace, for the agent's own probes from a real pod (the all-pairs
 * check's netexec calls): a socket belongs to the namespace of the thread that created it, so a
 * short-lived thread enters the namespace ({@code setns(2)}, which changes only the calling thread),
 * creates the socket and ends; the socket then works from any thread. Needs CAP_SYS_ADMIN, which real
 * pods need anyway.
 */
public final class NetnsSockets
{
    private static final int O_RDONLY = 0;

    private NetnsSockets()
    {
    }

    /** An unbound UDP socket in network namespace {@code netns} (a namespace file, e.g. {@code /run/netns/NAME}). */
    public static DatagramChannel datagram(final Path netns)
    {
        TapDevice.requireLibC();
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread inside = new Thread(() -> outcome.set(openInside(netns)), "podnet-netns-socket");
        inside.setDaemon(true);
        inside.start();
        try
        {
            inside.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TapException("interrupted while opening a socket in " + netns, ex);
        }
        if (outcome.get() instanceof DatagramChannel channel)
        {
            return channel;
        }
        throw (RuntimeException)outcome.get();
    }

    private static Object openInside(final Path netns)
    {
        final int fd = LibC.open(netns.toString(), O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return new TapException("cannot open network namespace " + netns + ": " + LibC.describe(LibC.errno()));
        }
        try
        {
            if (LibC.setns(fd, LibC.CLONE_NEWNET) < 0)
            {
                return new TapException("cannot enter network namespace " + netns + ": " + LibC.describe(LibC.errno()));
            }
            // this thread now lives in the namespace, and ends right after: it never runs anything else
            return DatagramChannel.open();
        }
        catch (final IOException ex)
        {
            return new UncheckedIOException("cannot open a UDP socket in " + netns + ": " + ex.getMessage(), ex);
        }
        finally
        {
            LibC.close(fd);
        }
    }
}
