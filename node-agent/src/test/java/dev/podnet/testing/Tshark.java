package dev.podnet.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Wireshark's {@code tshark} reading captures for tests: the external check that podnet's bytes are real. A
 * missing tshark fails the test in CI ({@code CI} set) and skips it elsewhere, with the way to install it.
 */
public final class Tshark
{
    private Tshark()
    {
    }

    /** Fails (CI) or skips (elsewhere) when tshark is not installed. */
    public static void require()
    {
        final boolean present = isOnPath("tshark");
        final String message = "tshark is not installed: apt-get install tshark (.ci/run does)";
        if (!present && System.getenv("CI") != null)
        {
            fail(message);
        }
        Assumptions.assumeTrue(present, message);
    }

    /**
     * The fields of the packets matching a display filter, one comma-separated line per packet, checksums verified
     * (IPv4, and TCP and UDP: {@code *.checksum.status} is 1 when good).
     */
    public static List<String> fields(final Path file, final String filter, final String... fields)
    {
        final List<String> command = new ArrayList<>(List.of(
            "tshark", "-n", "-r", file.toString(), "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE", "-Y", filter, "-T", "fields", "-E", "separator=,"));
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        return run(command);
    }

    /** tshark's output for {@code args} (after {@code tshark -n -r FILE}), as lines. */
    public static List<String> run(final Path file, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static List<String> run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            final byte[] stdout = process.getInputStream().readAllBytes();
            final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("tshark failed: %s", stderr).isZero();
            final String out = new String(stdout, StandardCharsets.UTF_8).strip();
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run tshark: " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    private static boolean isOnPath(final String program)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return false;
        }
        for (final String dir : path.split(File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, program)))
            {
                return true;
            }
        }
        return false;
    }
}
