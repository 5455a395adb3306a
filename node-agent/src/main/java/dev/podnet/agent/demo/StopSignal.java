package dev.podnet.agent.demo;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGINT (Ctrl-C), SIGTERM and SIGHUP to the demo: the first asks it to stop, any later one runs
 * {@code again} (kill the agents now). The JVM's own handlers would instead run the shutdown hooks
 * and exit with 128 + the signal: the demo wants to stop its agents in order and exit 0, from its
 * main thread. {@code sun.misc.Signal} (module {@code jdk.unsupported}) is the JDK's only way to
 * handle a signal; where a signal cannot be handled (e.g. {@code -Xrs}) the JVM's handler stays.
 * <p>
 * A signal the demo was started with ignored stays ignored (the JVM does not install a handler for
 * it): a non-interactive shell starts a background command with SIGINT ignored, so that Ctrl-C in the
 * terminal reaches only the foreground. Such a demo stops on SIGTERM, and says so ({@link #ignored}).
 */
final class StopSignal implements AutoCloseable
{
    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};

    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger received = new AtomicInteger();
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final Set<String> ignored = new TreeSet<>();
    private final Runnable again;
    private volatile String first;

    private StopSignal(final Runnable again)
    {
        this.again = again;
    }

    /** Handles the stop signals from now until {@link #close()}. */
    static StopSignal install(final Runnable again)
    {
        final StopSignal signals = new StopSignal(again);
        for (final String name : SIGNALS)
        {
            try
            {
                final Signal signal = new Signal(name);
                final SignalHandler before = Signal.handle(signal, signals::handle);
                signals.previous.put(signal, before);
                if (before == SignalHandler.SIG_IGN)
                {
                    signals.ignored.add("SIG" + name);
                }
            }
            catch (final IllegalArgumentException ex)
            {
                // not on this platform, or the JVM reserves it: its default handler stays
            }
        }
        return signals;
    }

    private void handle(final Signal signal)
    {
        if (received.incrementAndGet() == 1)
        {
            first = "SIG" + signal.getName();
            stop.countDown();
        }
        else
        {
            again.run();
        }
    }

    /** Asks to stop, as a signal does (not counted as one). */
    void request(final String why)
    {
        if (first == null)
        {
            first = why;
        }
        stop.countDown();
    }

    /** Whether {@code name} (e.g. {@code SIGINT}) was ignored when the demo started, and so still is. */
    boolean ignored(final String name)
    {
        return ignored.contains(name);
    }

    boolean requested()
    {
        return stop.getCount() == 0;
    }

    /** What asked to stop, e.g. {@code SIGINT}; null while nothing has. */
    String reason()
    {
        return first;
    }

    /** Waits up to {@code limit} for a stop request; true if there is one. */
    boolean await(final Duration limit) throws InterruptedException
    {
        return stop.await(limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    void await() throws InterruptedException
    {
        stop.await();
    }

    /** Gives the signals back to the handlers they had. */
    @Override
    public void close()
    {
        previous.forEach(Signal::handle);
    }
}
