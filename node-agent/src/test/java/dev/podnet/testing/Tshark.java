package dev.podnet.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Wireshark's {@code tshark} for tests that want an outside verdict on podnet's bytes. */
public final class Tshark
{
    private Tshark()
    {
    }

    /** In CI ({@code CI} set) a missing tshark fails the test; elsewhere it skips with the way to install it. */
    public static void require()
    {
        final boolean present = onPath();
        final String message = "tshark is not installed: apt-get install tshark (.ci/run does)";
        if (!present && System.getenv("CI") != null)
        {
            fail(message);
        }
        Assumptions.assumeTrue(present, message);
    }

    /**
     * The {@code fields} of the packets of {@code file} that {@code filter} keeps, one line each, comma-separated;
     * IPv4 and UDP checksums are verified ({@code *.checksum.status} 1 is good).
     */
    public static List<String> fields(final Path file, final String filter, final String... fields) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(
            "tshark", "-n", "-r", file.toString(), "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-Y", filter, "-T", "fields", "-E", "separator=,"));
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        final Process process = new ProcessBuilder(command).start();
        final byte[] stdout = process.getInputStream().readAllBytes();
        final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("tshark failed: %s", stderr).isZero();
        final String out = new String(stdout, StandardCharsets.UTF_8).strip();
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    private static boolean onPath()
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return false;
        }
        for (final String dir : path.split(java.io.File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, "tshark")))
            {
                return true;
            }
        }
        return false;
    }
}
