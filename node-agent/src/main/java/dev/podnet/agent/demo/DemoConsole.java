package dev.podnet.agent.demo;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The demo's terminal: whole lines, from any thread, flushed at once. Once the cluster is up, events
 * (an agent exited, restarted, Ready again) carry the time of day.
 */
public final class DemoConsole
{
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PrintWriter out;
    private final PrintWriter err;
    private volatile boolean timestamps;

    public DemoConsole(final PrintWriter out, final PrintWriter err)
    {
        this.out = out;
        this.err = err;
    }

    /** From now on, {@link #event} lines start with the time of day. */
    public void timestamps()
    {
        timestamps = true;
    }

    public synchronized void line(final String format, final Object... args)
    {
        out.println(args.length == 0 ? format : String.format(format, args));
        out.flush();
    }

    /** Something that happened to a node. */
    public synchronized void event(final String format, final Object... args)
    {
        final String text = args.length == 0 ? format : String.format(format, args);
        out.println(timestamps ? LocalTime.now().format(TIME) + "  " + text : text);
        out.flush();
    }

    public synchronized void error(final String format, final Object... args)
    {
        out.flush();
        err.println(args.length == 0 ? format : String.format(format, args));
        err.flush();
    }
}
