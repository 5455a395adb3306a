package dev.podnet.it.containers;

import org.testcontainers.containers.output.OutputFrame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A container's output, line by line, into {@code it/target/container-logs/NAME-N.log} (N: the run in this JVM). */
public final class FileLogConsumer implements Consumer<OutputFrame>
{
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path file;
    private final Writer writer;

    public FileLogConsumer(final String name)
    {
        try
        {
            final Path dir = Files.createDirectories(Docker.repositoryRoot().resolve("it/target/container-logs"));
            file = dir.resolve(name + "-" + RUNS.incrementAndGet() + ".log");
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public Path file()
    {
        return file;
    }

    @Override
    public synchronized void accept(final OutputFrame frame)
    {
        try
        {
            if (frame.getType() == OutputFrame.OutputType.END)
            {
                writer.close();
                return;
            }
            writer.write(frame.getUtf8String());
            writer.flush();
        }
        catch (final IOException ex)
        {
            // the log is a diagnostic: losing it must not fail the test
        }
    }
}
