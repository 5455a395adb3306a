package dev.podnet.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * {@code --stop-on-stdin-close}: an agent that does not outlive its supervisor.
 * <p>
 * The supervisor ({@code podnet demo}) starts the agent with a pipe on its standard input and keeps the
 * pipe's write end open without writing to it. However the supervisor ends (SIGKILL, the kernel's OOM
 * killer, a crash, its terminal closed), the kernel closes that end with the process and a blocked read
 * here returns end-of-file at once. Nothing polls, and nothing is platform-specific: Linux's
 * {@code prctl(PR_SET_PDEATHSIG)} follows the <em>thread</em> that started the agent, not the supervisor
 * process, and watching the parent's pid reacts a period late and wakes up every period.
 * <p>
 * Then, in order:
 * <ol>
 *   <li>a WARN line says so;</li>
 *   <li>{@code exit(0)} on a thread of its own ({@code System.exit} in a process): the shutdown hook stops
 *       the agent as SIGTERM does, and the node leaves the cluster;</li>
 *   <li>if the process is still there {@link #GRACE} later, the Aeron directory the driver would have
 *       removed is removed and the JVM halted. The bound matters: every agent of a dead demo leaves at
 *       the same moment, with no member left to move them out, and one of them would wait out Akka's
 *       10 s {@code cluster-exiting} phase.</li>
 * </ol>
 * So the agent is gone within {@link #GRACE} of its supervisor's death, plus what a loaded machine adds
 * to schedule a thread: 2 s, where a node whose peers stay leaves in well under a second, so that a
 * loaded machine still keeps within the 5 s a user can expect. Whatever comes through the pipe is read and ignored; a read error counts as
 * the end. An agent started with its standard input already at end-of-file ({@code < /dev/null}) stops
 * at once: the setting is for supervisors.
 */
final class SupervisorPipe
{
    /** From the end of the pipe to the halt, if the graceful stop has not ended the JVM by then. */
    static final Duration GRACE = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(SupervisorPipe.class);

    private SupervisorPipe()
    {
    }

    /**
     * Starts watching {@code in} on a daemon thread.
     *
     * @param in         the agent's standard input
     * @param node       the node's name, for the log
     * @param grace      how long the graceful stop may take before {@code halt}
     * @param exit       a normal exit with the status ({@code System::exit}): runs the shutdown hooks
     * @param beforeHalt what to clean up that a halt would leave (the Aeron directory)
     * @param halt       an exit without shutdown hooks ({@code Runtime.getRuntime()::halt})
     * @return the watching thread
     */
    static Thread watch(final InputStream in, final String node, final Duration grace, final IntConsumer exit,
        final Runnable beforeHalt, final IntConsumer halt)
    {
        final Thread watcher = new Thread(() ->
        {
            final String why = readToEnd(in);
            LOG.warn("standard input closed ({}): the supervisor of node {} is gone; stopping (halting after {} ms)", why, node,
                grace.toMillis());
            final Thread stopper = new Thread(() -> exit.accept(0), "podnet-supervisor-gone-exit");
            stopper.start();
            try
            {
                TimeUnit.NANOSECONDS.sleep(grace.toNanos());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            LOG.warn("node {} did not stop within {} ms of its supervisor's end: halting", node, grace.toMillis());
            try
            {
                beforeHalt.run();
            }
            finally
            {
                halt.accept(0);
            }
        }, "podnet-supervisor-pipe");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    /** Reads and drops everything until the end of the stream; says how it ended. */
    private static String readToEnd(final InputStream in)
    {
        final byte[] ignored = new byte[256];
        try
        {
            while (in.read(ignored) >= 0)
            {
                // the supervisor may write; only the end means something
            }
            return "end of file";
        }
        catch (final IOException ex)
        {
            return "read error: " + ex;
        }
    }
}
