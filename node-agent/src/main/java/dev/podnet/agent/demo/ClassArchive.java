package dev.podnet.agent.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An AppCDS archive of the agent's classes (JDK 13+ dynamic archives), so that many agent JVMs started at once
 * load Akka's, Aeron's and podnet's classes from one shared, memory-mapped file instead of parsing and verifying
 * them each: the first demo whose node-1 stops normally writes it ({@code -XX:ArchiveClassesAtExit}), every agent
 * of later demos maps it ({@code -XX:SharedArchiveFile}). It is a cache: kept under {@code $XDG_CACHE_HOME/podnet}
 * (or {@code ~/.cache/podnet}), named after the agent jar's size and time and the JVM's version, so that a rebuilt
 * jar or another JDK makes a new one; a stale or damaged one is ignored by the JVM. Only for a class path that is
 * one jar (the shaded jar {@code ./podnet} runs): CDS archives classes from jars only. Each build of the jar makes
 * one (~75 MB), so before a new one is written the cache keeps only the {@value #KEPT} newest others (another checkout
 * or JDK may still use them) and deletes the rest.
 *
 * @param file where the archive is, or will be written
 */
public record ClassArchive(Path file)
{
    /** Archives of other builds the cache keeps when a new one is written. */
    static final int KEPT = 2;
    private static final String PREFIX = "agent-classes-";
    private static final String SUFFIX = ".jsa";

    /** The archive for this class path, or null when there can be none (a class path of directories, no cache dir). */
    public static ClassArchive forClassPath(final String classPath, final List<String> jvmOptions)
    {
        return forClassPath(classPath, jvmOptions, cacheDir());
    }

    /** As {@link #forClassPath(String, List)}, with the archive in {@code cache} (null: none). */
    static ClassArchive forClassPath(final String classPath, final List<String> jvmOptions, final Path cache)
    {
        if (classPath == null || classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar") ||
            jvmOptions.stream().anyMatch(option -> option.startsWith("-Xshare") || option.contains("ArchiveClassesAtExit") ||
                option.contains("SharedArchiveFile")))
        {
            return null;
        }
        final Path jar = Path.of(classPath);
        if (cache == null || !Files.isRegularFile(jar))
        {
            return null;
        }
        try
        {
            final String key = String.format(Locale.ROOT, "%x-%x-%s", Files.size(jar), Files.getLastModifiedTime(jar).toMillis(),
                System.getProperty("java.vm.version", "unknown").replaceAll("[^A-Za-z0-9.+_-]", "_"));
            return new ClassArchive(cache.resolve(PREFIX + key + SUFFIX));
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * The options an agent JVM gets: map the archive when it exists; otherwise {@code writer} (one agent of the
     * cluster) writes it when it exits normally. CDS warnings (classes it cannot archive) stay out of the agent's log.
     */
    public List<String> options(final boolean writer)
    {
        if (Files.isRegularFile(file))
        {
            return List.of("-XX:SharedArchiveFile=" + file, "-Xlog:cds=error");
        }
        if (writer && prepare())
        {
            pruneOthers();
            return List.of("-XX:ArchiveClassesAtExit=" + file, "-Xlog:cds=error");
        }
        return List.of();
    }

    private boolean prepare()
    {
        try
        {
            Files.createDirectories(file.getParent());
            return Files.isWritable(file.getParent());
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Deletes the archives of other builds but the {@value #KEPT} newest: a cache must not grow by 75 MB a build. */
    private void pruneOthers()
    {
        try (Stream<Path> entries = Files.list(file.getParent()))
        {
            final List<Path> others = entries
                .filter(other -> !other.equals(file))
                .filter(other -> other.getFileName().toString().startsWith(PREFIX) && other.getFileName().toString().endsWith(SUFFIX))
                .sorted(Comparator.comparing(ClassArchive::modified).reversed())
                .toList();
            for (final Path stale : others.subList(Math.min(KEPT, others.size()), others.size()))
            {
                Files.deleteIfExists(stale);
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            // a cache: what cannot be listed or deleted stays
        }
    }

    private static long modified(final Path path)
    {
        try
        {
            return Files.getLastModifiedTime(path).toMillis();
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    private static Path cacheDir()
    {
        final String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute())
        {
            return Path.of(xdg, "podnet");
        }
        final String home = System.getProperty("user.home");
        return home == null || home.isBlank() || "?".equals(home) ? null : Path.of(home, ".cache", "podnet");
    }
}
