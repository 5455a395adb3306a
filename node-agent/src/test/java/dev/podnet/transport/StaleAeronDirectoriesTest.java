package dev.podnet.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A killed agent leaves its driver directory (about 12 MB of /dev/shm); the next life of the node removes what lives
 * that are over left, and nothing of a process still running or of another node.
 */
class StaleAeronDirectoriesTest
{
    private static final String NODE = "stale-test-" + ProcessHandle.current().pid();

    private final List<Path> made = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException
    {
        processes.forEach(Process::destroyForcibly);
        for (final Path dir : made)
        {
            if (Files.exists(dir))
            {
                try (Stream<Path> tree = Files.walk(dir))
                {
                    for (final Path path : tree.sorted(Comparator.reverseOrder()).toList())
                    {
                        Files.deleteIfExists(path);
                    }
                }
            }
        }
    }

    @Test
    void shouldRemoveTheDirectoriesOfKilledLivesOfTheNodeOnlyAndSayWhich() throws Exception
    {
        final Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        final Process running = new ProcessBuilder("sleep", "60").start();
        processes.add(running);
        final Path base = Path.of(Files.isWritable(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir"));

        final Path killed = dir(base, "podnet-" + NODE + "-" + ended.pid() + "-1a2b3c");
        final Path alive = dir(base, "podnet-" + NODE + "-" + running.pid() + "-4d5e6f");
        // this very pid (a restarted container's agent often has its predecessor's), no driver beating in it
        final Path samePidNoDriver = dir(base, "podnet-" + NODE + "-" + ProcessHandle.current().pid() + "-77");
        // another node whose name starts like this one's, and something that is no driver directory of ours
        final Path otherNode = dir(base, "podnet-" + NODE + "-2-" + ended.pid() + "-88");
        final Path notOurs = dir(base, "podnet-" + NODE + "-notes");

        final List<Path> removed = TunnelConfig.removeStaleAeronDirectories(NODE);

        assertThat(removed).containsExactlyInAnyOrder(killed, samePidNoDriver);
        assertThat(killed).doesNotExist();
        assertThat(samePidNoDriver).doesNotExist();
        assertThat(alive).exists();
        assertThat(otherNode).exists();
        assertThat(notOurs).exists();
    }

    private Path dir(final Path base, final String name) throws IOException
    {
        final Path dir = Files.createDirectories(base.resolve(name));
        Files.write(dir.resolve("cnc.dat"), new byte[0]);
        made.add(dir);
        return dir;
    }
}
