package dev.podnet.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The faults a chaos run injects, through the {@code docker} command line as an operator would type
 * them: {@code kill} (SIGKILL), {@code start}, {@code stop} (SIGTERM, then SIGKILL after a grace),
 * {@code network disconnect} / {@code connect} (a partition and its heal), and what it reads back
 * ({@code inspect}, {@code logs}).
 */
public final class DockerCli
{
    /** A command's exit code and its output (stdout and stderr together). */
    public record Result(int exitCode, String output)
    {
        public boolean ok()
        {
            return exitCode == 0;
        }
    }

    /** What {@code docker inspect} says of a container. */
    public record State(boolean running, int exitCode, int restartCount, String hostname)
    {
    }

    /** Whether a Docker engine answers. */
    public boolean available()
    {
        return run(60, "docker", "info").ok();
    }

    public Result kill(final String container)
    {
        return run(60, "docker", "kill", container);
    }

    public Result start(final String container)
    {
        return run(120, "docker", "start", container);
    }

    public Result stop(final String container, final int graceSeconds)
    {
        return run(graceSeconds + 60, "docker", "stop", "-t", Integer.toString(graceSeconds), container);
    }

    public Result disconnect(final String network, final String container)
    {
        return run(60, "docker", "network", "disconnect", "--force", network, container);
    }

    public Result connect(final String network, final String container, final String alias)
    {
        return run(60, "docker", "network", "connect", "--alias", alias, network, container);
    }

    public State state(final String container)
    {
        final Result result = run(30, "docker", "inspect", "-f",
            "{{.State.Running}} {{.State.ExitCode}} {{.RestartCount}} {{.Config.Hostname}}", container);
        final String[] fields = result.output().trim().split("\\s+");
        if (!result.ok() || fields.length < 4)
        {
            throw new IllegalStateException("docker inspect " + container + ": " + result.output().trim());
        }
        return new State(Boolean.parseBoolean(fields[0]), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]), fields[3]);
    }

    /** The container's address on {@code network}, or "" when it is not on it (disconnected, stopped). */
    public String ip(final String container, final String network)
    {
        final Result result = run(30, "docker", "inspect", "-f",
            "{{with index .NetworkSettings.Networks \"" + network + "\"}}{{.IPAddress}}{{end}}", container);
        return result.ok() ? result.output().trim() : "";
    }

    /** The container's log since {@code sinceEpochSeconds}. */
    public String logs(final String container, final long sinceEpochSeconds)
    {
        return run(60, "docker", "logs", "--since", Long.toString(sinceEpochSeconds), container).output();
    }

    /** Runs {@code docker …} to its end, at most {@code seconds}. */
    public Result run(final int seconds, final String... command)
    {
        return run(List.of(command), seconds);
    }

    public Result run(final List<String> command, final int seconds)
    {
        try
        {
            final Path out = Files.createTempFile("podnet-docker-", ".out");
            try
            {
                final Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
                if (!process.waitFor(seconds, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    return new Result(-1, String.join(" ", command) + ": did not finish within " + seconds + " s");
                }
                return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            }
            finally
            {
                Files.deleteIfExists(out);
            }
        }
        catch (final IOException ex)
        {
            return new Result(-1, String.join(" ", command) + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
