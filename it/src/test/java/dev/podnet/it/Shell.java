package dev.podnet.it;

import dev.podnet.chaos.DockerCli;
import dev.podnet.it.containers.Docker;

import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * Commands the real-pod tests run on the host (iproute2, the kernel's tools inside namespaces), each to
 * its end within a bound, and what they need: with {@code CI} set a missing tool or privilege fails
 * the test, elsewhere it skips.
 */
final class Shell
{
    record Run(int exitCode, String output)
    {
        Run ok()
        {
            if (exitCode != 0)
            {
                fail("exit " + exitCode + ": " + output);
            }
            return this;
        }
    }

    private Shell()
    {
    }

    static Run run(final String... command)
    {
        final DockerCli.Result result = Docker.run(List.of(command), 120);
        return new Run(result.exitCode(), result.output().trim());
    }

    /** Runs {@code command} inside named network namespace {@code netns}. */
    static Run inNetns(final String netns, final String... command)
    {
        final String[] all = new String[command.length + 4];
        all[0] = "ip";
        all[1] = "netns";
        all[2] = "exec";
        all[3] = netns;
        System.arraycopy(command, 0, all, 4, command.length);
        return run(all);
    }

    /** Fails (CI) or skips (elsewhere) unless this user is root and {@code tools} are installed. */
    static void requireRootAnd(final List<String> tools)
    {
        String missing = run("id", "-u").output().equals("0") ? null : "real pods need root";
        if (missing == null && !new java.io.File("/dev/net/tun").exists())
        {
            missing = "/dev/net/tun is missing";
        }
        for (final String tool : tools)
        {
            if (missing == null && run("sh", "-c", "command -v " + tool).exitCode() != 0)
            {
                missing = tool + " is not installed (.ci/run installs it)";
            }
        }
        if (missing == null)
        {
            return;
        }
        if (System.getenv("CI") != null)
        {
            fail("CI is set and real pods cannot be tested here: " + missing);
        }
        org.junit.jupiter.api.Assumptions.abort("real pods cannot be tested here: " + missing);
    }
}
