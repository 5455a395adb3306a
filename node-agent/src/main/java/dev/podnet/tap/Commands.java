package dev.podnet.tap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's network tools ({@code ip} from iproute2, {@code nsenter} from util-linux) to
 * their end, with a bound: namespace set-up is a few of these, off the data plane's thread.
 */
final class Commands
{
    static final long TIMEOUT_SECONDS = 10;

    /** What a command printed and how it ended. */
    record Result(int exitCode, String output)
    {
        boolean ok()
        {
            return exitCode == 0;
        }
    }

    private Commands()
    {
    }

    /** Runs {@code command} with {@code stdin} (may be null), output and errors together. */
    static Result run(final List<String> command, final String stdin)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new TapException("cannot run " + command.get(0) + ": " + ex.getMessage() +
                " (real pods need iproute2's ip and util-linux's nsenter on the PATH)", ex);
        }
        try
        {
            try (var in = process.getOutputStream())
            {
                if (stdin != null)
                {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new TapException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8).trim());
        }
        catch (final IOException ex)
        {
            process.destroyForcibly();
            throw new TapException("running " + String.join(" ", command) + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new TapException("interrupted while running " + String.join(" ", command), ex);
        }
    }

    /** Runs {@code command}; a non-zero exit is a {@link TapException} saying {@code what} failed and the tool's message. */
    static String require(final String what, final List<String> command, final String stdin)
    {
        final Result result = run(command, stdin);
        if (!result.ok())
        {
            throw new TapException("cannot " + what + ": " + String.join(" ", command) + " exited " + result.exitCode() +
                (result.output().isEmpty() ? "" : ": " + result.output()));
        }
        return result.output();
    }
}
