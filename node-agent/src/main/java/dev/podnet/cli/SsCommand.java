package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;

/**
 * {@code podnetctl ss POD}: a pod's TCP sockets, like {@code ss -tan} inside it; {@code -i} adds what
 * {@code ss -ti} shows (congestion window, RTT, retransmissions).
 */
@Command(
    name = "ss",
    mixinStandardHelpOptions = true,
    description = {"Lists a pod's TCP sockets, like ss -tan run inside it.",
        "Listening ports (echo 7, discard 9, HTTP netexec 8080) and connections with their state and queues; " +
            "-i adds the congestion window, RTT, retransmissions and bytes."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl ss a1",
        "  podnetctl ss a1 -i",
        "  podnetctl ss a1 -o json"})
final class SsCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "POD", description = "the pod")
    String pod;

    @Option(names = {"-i", "--info"}, description = "also the congestion window, RTT, retransmissions and bytes")
    boolean info;

    @Option(names = "-o", paramLabel = "json", description = "json: the API's answer")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        return show(format, "/api/v1/pods/" + ApiClient.segment(pod) + "/sockets", this::table);
    }

    private Table table(final JsonNode sockets)
    {
        final Table table = info ?
            new Table("STATE", "RECV-Q", "SEND-Q", "LOCAL", "PEER", "APP", "CWND", "RTT", "RETRANS", "SENT", "RECEIVED", "OPTIONS") :
            new Table("STATE", "RECV-Q", "SEND-Q", "LOCAL", "PEER", "APP");
        for (final JsonNode socket : sockets)
        {
            final boolean listener = "LISTEN".equals(Output.text(socket, "state"));
            if (info && !listener)
            {
                table.row(Output.text(socket, "state"), socket.path("recvQ").asInt(), socket.path("sendQ").asInt(),
                    Output.text(socket, "local"), Output.text(socket, "peer"), Output.text(socket, "app"),
                    socket.path("cwnd").asInt(),
                    String.format(Locale.ROOT, "%.3f/%.3f ms", socket.path("rttUs").asLong() / 1e3,
                        socket.path("rttvarUs").asLong() / 1e3),
                    socket.path("retransmits").asLong(), socket.path("bytesAcked").asLong(),
                    socket.path("bytesReceived").asLong(), Output.text(socket, "options"));
            }
            else
            {
                table.row(Output.text(socket, "state"), socket.path("recvQ").asInt(), socket.path("sendQ").asInt(),
                    Output.text(socket, "local"), Output.text(socket, "peer"), Output.text(socket, "app"));
            }
        }
        return table;
    }
}
