package dev.podnet.agent.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The other JVM of the overlay benchmark, as the parent sees it: a child process spoken to with one
 * line per request on its stdin and one line per answer on its stdout (see {@code BenchPeerCommand}).
 * Its stderr (its log) is copied, line by line and prefixed, to the parent's stderr; the last lines
 * are kept to explain a failure.
 * <p>
 * The child exits when its stdin closes, so a parent that dies leaves nothing behind; {@link #close()}
 * asks it to quit, then destroys it (forcibly if need be).
 */
public final class PeerProcess implements AutoCloseable
{
    private static final String END = "\u0000end-of-stream";
    private static final int TAIL_LINES = 30;

    private final Process process;
    private final List<String> command;
    private final Writer stdin;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();

    private PeerProcess(final Process process, final List<String> command)
    {
        this.process = process;
        this.command = List.copyOf(command);
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts {@code command}; its log lines go to {@code log} prefixed with {@code logPrefix}.
     */
    public static PeerProcess start(final List<String> command, final String logPrefix, final PrintStream log)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).start();
        }
        catch (final IOException ex)
        {
            throw new BenchException("cannot start the peer JVM (" + String.join(" ", command) + "): " + ex.getMessage(), ex);
        }
        final PeerProcess peer = new PeerProcess(process, command);
        pump(process.getInputStream(), "podnet-bench-peer-stdout", peer.answers::add, () -> peer.answers.add(END));
        pump(process.getErrorStream(), "podnet-bench-peer-stderr", line ->
        {
            synchronized (peer.stderrTail)
            {
                if (peer.stderrTail.size() == TAIL_LINES)
                {
                    peer.stderrTail.removeFirst();
                }
                peer.stderrTail.addLast(line);
            }
            log.println(logPrefix + line);
        }, () -> { });
        return peer;
    }

    private static void pump(final InputStream stream, final String threadName, final Consumer<String> onLine, final Runnable onEnd)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    onLine.accept(line);
                }
            }
            catch (final IOException ex)
            {
                // the process is gone: same as the end of its output
            }
            onEnd.run();
        }, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    public List<String> command()
    {
        return command;
    }

    public long pid()
    {
        return process.pid();
    }

    public ProcessHandle handle()
    {
        return process.toHandle();
    }

    /** Waits for the next line the peer writes; {@code what} names what was expected, for the error. */
    public String awaitLine(final Duration timeout, final String what)
    {
        final String line;
        try
        {
            line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted waiting for the peer JVM's " + what, ex);
        }
        if (line == null)
        {
            throw failure("the peer JVM did not send " + what + " within " + timeout.toMillis() + " ms");
        }
        if (line.equals(END))
        {
            answers.add(END);
            String exit = "";
            try
            {
                if (process.waitFor(2, TimeUnit.SECONDS))
                {
                    exit = " with exit code " + process.exitValue();
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            throw failure("the peer JVM exited" + exit + " (expected: " + what + ")");
        }
        if (line.startsWith("error "))
        {
            throw failure("the peer JVM answered: " + line.substring("error ".length()) + " (expected: " + what + ")");
        }
        return line;
    }

    /** Sends one request line and waits for the one-line answer. */
    public synchronized String request(final String request, final Duration timeout)
    {
        try
        {
            stdin.write(request);
            stdin.write('\n');
            stdin.flush();
        }
        catch (final IOException ex)
        {
            throw failure(process.isAlive() ?
                "cannot send '" + request + "' to the peer JVM: " + ex.getMessage() :
                "the peer JVM exited with exit code " + process.exitValue() + " (expected: the answer to '" + request + "')");
        }
        return awaitLine(timeout, "the answer to '" + request + "'");
    }

    private BenchException failure(final String message)
    {
        final StringBuilder text = new StringBuilder(message);
        synchronized (stderrTail)
        {
            if (!stderrTail.isEmpty())
            {
                text.append("; its last log lines:");
                for (final String line : stderrTail)
                {
                    text.append(System.lineSeparator()).append("  ").append(line);
                }
            }
        }
        return new BenchException(text.toString());
    }

    /** Asks the peer to quit and waits a little; destroys it if it does not. */
    @Override
    public void close()
    {
        try
        {
            if (process.isAlive())
            {
                try
                {
                    stdin.write("quit\n");
                    stdin.flush();
                }
                catch (final IOException ex)
                {
                    // already going away
                }
            }
            try
            {
                stdin.close();
            }
            catch (final IOException ex)
            {
                // nothing left to say to it
            }
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.SECONDS))
                {
                    process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
