package dev.podnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * State directories for agents in tests: one new directory per call under one temporary directory of
 * this JVM, removed when the JVM exits, so that tests never share (or lock) a user's real state.
 */
public final class StateDirs
{
    private static final Path ROOT = createRoot();

    private StateDirs()
    {
    }

    /** A new, empty directory for node {@code name}. */
    public static Path fresh(final String name)
    {
        try
        {
            return Files.createTempDirectory(ROOT, name + "-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static Path createRoot()
    {
        try
        {
            final Path root = Files.createTempDirectory("podnet-test-state-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root), "podnet-test-state-cleanup"));
            return root;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Removes {@code dir} and everything in it; what cannot be removed stays. */
    public static void delete(final Path dir)
    {
        try (Stream<Path> tree = Files.walk(dir))
        {
            tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            // already gone
        }
    }
}
