package dev.podnet.testing;

import dev.podnet.tap.RealPodSupport;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * What tests of real pods need from the machine: root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), {@code /dev/net/tun},
 * iproute2, and the programs the tests run inside namespaces ({@code ping}, {@code python3}). CI runs as root
 * and {@code .ci/run} installs the programs: with {@code CI} set a missing one fails the test; elsewhere it skips,
 * saying what is missing. Namespaces the tests make are named {@code pn-tap-…}.
 */
public final class RealPodTesting
{
    private RealPodTesting()
    {
    }

    /** What a command printed (output and errors together) and its exit code. */
    public record Run(int exitCode, String output)
    {
        public Run ok()
        {
            if (exitCode != 0)
            {
                fail("exit " + exitCode + ": " + output);
            }
            return this;
        }
    }

    /** Fails (CI) or skips (elsewhere) unless this JVM can attach real pods and the tools are there. */
    public static void require(final String... tools)
    {
        final RealPodSupport support = RealPodSupport.get();
        String missing = support.available() ? null : support.reason();
        for (final String tool : tools)
        {
            if (missing == null && run(List.of("sh", "-c", "command -v " + tool)).exitCode() != 0)
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
        Assumptions.abort("real pods cannot be tested here: " + missing);
    }

    /** Runs {@code command} inside named network namespace {@code netns}. */
    public static Run inNetns(final String netns, final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        all.addAll(List.of(command));
        return run(all);
    }

    /** Runs {@code command} to its end (at most 60 s). */
    public static Run run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8).trim());
        }
        catch (final IOException ex)
        {
            return new Run(127, ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Deletes named network namespaces, those that exist. */
    public static void deleteNetns(final String... names)
    {
        for (final String name : names)
        {
            run(List.of("ip", "netns", "del", name));
        }
    }

    /** A UDP request/response from inside {@code netns} (python3): the reply's text, or "timeout". */
    public static String udpFrom(final String netns, final String ip, final int port, final String payload)
    {
        return inNetns(netns, "python3", "-c",
            "import socket,sys\n" +
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(3)\n" +
            "s.sendto(sys.argv[3].encode(),(sys.argv[1],int(sys.argv[2])))\n" +
            "try:\n  print(s.recvfrom(65535)[0].decode())\nexcept socket.timeout:\n  print('timeout')\n",
            ip, Integer.toString(port), payload).ok().output();
    }
}
