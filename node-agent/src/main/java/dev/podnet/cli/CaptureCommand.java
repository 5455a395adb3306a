package dev.podnet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code podnetctl capture TARGET -w FILE}: the frames a pod sends and receives (or every frame entering
 * a node's bridge), as pcap, streamed into a file or to stdout while the capture runs.
 * <p>
 * {@code -w -} writes the raw bytes to the process's stdout (not the command line's writer, which is
 * for text) so that {@code | wireshark -k -i -} shows frames live; the summary line always goes to stderr,
 * never into the pcap stream.
 */
@Command(
    name = "capture",
    mixinStandardHelpOptions = true,
    description = {"Captures frames as pcap, to a file or stdout.",
        "The frames a pod sends and receives, or every frame entering a node's bridge, for some seconds, streamed " +
            "as they cross the bridge (open the file with Wireshark or tshark). Prints 'wrote N packets (M bytes) " +
            "to FILE' on stderr."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl capture a-1 -w a-1.pcap --seconds 30",
        "  podnetctl capture b -w - | tshark -r -",
        "  podnetctl capture a-1 -w - --seconds 60 | wireshark -k -i -"})
final class CaptureCommand extends Verb
{
    /** The seconds the API accepts. */
    static final int MAX_SECONDS = 300;

    @Parameters(paramLabel = "TARGET", description = "a pod (name or IP) or a node (name)")
    String target;

    @Option(names = {"-w", "--write"}, required = true, paramLabel = "FILE", description = "the pcap file to write; - for stdout")
    String file;

    @Option(names = "--seconds", paramLabel = "N", description = "how long to capture, 1..300 (default 10)")
    Integer seconds;

    @Override
    int run()
    {
        final boolean toStdout = "-".equals(file);
        final Path path = toStdout ? null : Path.of(file);
        if (path != null && Files.isDirectory(path))
        {
            throw usage("-w: " + file + " is a directory");
        }
        String query = "?target=" + ApiClient.segment(target);
        if (seconds != null)
        {
            requireRange("--seconds", seconds, 1, MAX_SECONDS);
            query += "&seconds=" + seconds;
        }
        final Duration bound = Duration.ofSeconds(seconds == null ? 10 : seconds).plus(ApiClient.GRACE);

        final PcapCounter[] counter = new PcapCounter[1];
        api().download("/api/v1/capture" + query, () ->
        {
            final OutputStream raw = toStdout ? new KeptOpen(new FileOutputStream(FileDescriptor.out)) : Files.newOutputStream(path);
            counter[0] = new PcapCounter(raw);
            return counter[0];
        }, bound);
        final PcapCounter written = counter[0];
        err().println("wrote " + (written.isPcap() ? written.packets() + " packets (" + written.bytes() + " bytes)" :
            written.bytes() + " bytes (not pcap)") + " to " + (toStdout ? "stdout" : file));
        return PodnetCtl.EXIT_OK;
    }

    /** The process's stdout, flushed but never closed: closing it would close file descriptor 1. */
    private static final class KeptOpen extends FilterOutputStream
    {
        KeptOpen(final OutputStream out)
        {
            super(out);
        }

        @Override
        public void write(final byte[] buffer, final int offset, final int length) throws IOException
        {
            out.write(buffer, offset, length);
        }

        @Override
        public void close() throws IOException
        {
            out.flush();
        }
    }
}
