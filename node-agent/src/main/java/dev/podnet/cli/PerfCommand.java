package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code podnetctl perf POD TARGET}: a bulk TCP transfer from a pod to the target's discard service, printed as
 * {@code iperf3 -c} prints a run: one line per interval (bytes, bit rate, retransmissions, congestion window, RTT),
 * then the total. The agent runs the whole transfer and answers once, so the lines appear at the end.
 */
@Command(
    name = "perf",
    mixinStandardHelpOptions = true,
    description = {"Measures TCP throughput from a pod, like iperf3 -c.",
        "Sends as fast as TCP allows from a pod to a pod's (or an address's) discard service (TCP port 9) for a " +
            "while, with one or more connections, and prints the bytes acknowledged, the bit rate, retransmissions, " +
            "and the congestion window and RTT over time. Exit code 1 when no connection could be made."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl perf a1 b1                      # 10 s, 1 stream",
        "  podnetctl perf a1 b1 --seconds 3 --streams 4",
        "  podnetctl perf a1 10.244.1.2 -o json"})
final class PerfCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "POD", description = "the pod that sends")
    String pod;

    @Parameters(index = "1", paramLabel = "TARGET", description = "a pod name or an IPv4 address")
    String target;

    @Option(names = {"-t", "--seconds"}, paramLabel = "N",
        description = "how long to send (1..300, default 10); with --bytes, how long it may take (default 60)")
    Integer seconds;

    // iperf3 calls it -n; here -n is the namespace, as in kubectl
    @Option(names = "--bytes", paramLabel = "N", description = "send N bytes in all and stop, instead of for a time")
    Integer bytes;

    @Option(names = {"-P", "--streams"}, paramLabel = "N", description = "connections at once (1..16, default 1)")
    Integer streams;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "the port to send to (default 9: discard)")
    Integer port;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECONDS", description = "time between reports (default 1)")
    Double interval;

    @Option(names = "-o", paramLabel = "json", description = "json: the API's answer")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", target);
        final int duration = seconds == null ? (bytes == null ? 10 : 60) : seconds;
        requireRange("--seconds", duration, 1, 300);
        body.put("seconds", duration);
        putInRange(body, "bytes", "--bytes", bytes, 1, Integer.MAX_VALUE);
        putInRange(body, "streams", "--streams", streams, 1, 16);
        putInRange(body, "port", "--port", port, 1, 65_535);
        putMillis(body, "intervalMs", "--interval", interval, 100);
        final ApiClient.Reply reply = api().send("POST", "/api/v1/pods/" + ApiClient.segment(pod) + "/tcp-perf", body,
            Duration.ofSeconds(duration + 10).plus(ApiClient.GRACE));
        if ((reply.status() == 504 && "timeout".equals(reply.error())) ||
            (reply.status() == 502 && !"node-unreachable".equals(reply.error())))
        {
            throw CtlException.failed(reply.detail());
        }
        print(format, ApiClient.require(reply), this::printReport);
        return PodnetCtl.EXIT_OK;
    }

    private void printReport(final JsonNode answer)
    {
        out().printf(Locale.ROOT, "Connecting from %s to %s (%s) port %d, %d stream%s; connected in %.3f ms%n", pod,
            Output.text(answer, "target"), Output.text(answer, "targetIp"), answer.path("port").asInt(),
            answer.path("streams").asInt(), answer.path("streams").asInt() == 1 ? "" : "s",
            answer.path("connectUs").asLong() / 1e3);
        out().printf("%-18s %12s %18s %6s %11s %9s%n", "Interval", "Transfer", "Bitrate", "Retr", "Cwnd", "RTT");
        double from = 0;
        long previousBytes = 0;
        long previousRetransmits = 0;
        for (final JsonNode sample : answer.path("samples"))
        {
            final double to = sample.path("atMs").asLong() / 1e3;
            out().printf(Locale.ROOT, "%6.2f-%-6.2f sec  %12s %18s %6d %11s %6.2f ms%n", from, to,
                bytes(sample.path("bytes").asLong() - previousBytes), rate(sample.path("bitsPerSecond").asDouble()),
                sample.path("retransmits").asLong() - previousRetransmits, bytes(sample.path("cwnd").asLong()),
                sample.path("rttUs").asLong() / 1e3);
            from = to;
            previousBytes = sample.path("bytes").asLong();
            previousRetransmits = sample.path("retransmits").asLong();
        }
        out().println("- - - - - - - - - - - - - - - - - - - - - - - - -");
        out().printf(Locale.ROOT, "%6.2f-%-6.2f sec  %12s %18s %6d  acknowledged%n", 0.0, answer.path("seconds").asDouble(),
            bytes(answer.path("bytes").asLong()), rate(answer.path("bitsPerSecond").asDouble()),
            answer.path("retransmits").asLong());
    }

    /** iperf3's units: KBytes, MBytes and GBytes of 1024. */
    static String bytes(final long bytes)
    {
        if (bytes >= 1L << 30)
        {
            return String.format(Locale.ROOT, "%.2f GBytes", bytes / (double)(1L << 30));
        }
        if (bytes >= 1L << 20)
        {
            return String.format(Locale.ROOT, "%.1f MBytes", bytes / (double)(1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KBytes", bytes / 1024.0);
    }

    /** iperf3's rates: Kbits, Mbits and Gbits of 1000 per second. */
    static String rate(final double bitsPerSecond)
    {
        if (bitsPerSecond >= 1e9)
        {
            return String.format(Locale.ROOT, "%.2f Gbits/sec", bitsPerSecond / 1e9);
        }
        if (bitsPerSecond >= 1e6)
        {
            return String.format(Locale.ROOT, "%.1f Mbits/sec", bitsPerSecond / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f Kbits/sec", bitsPerSecond / 1e3);
    }
}
