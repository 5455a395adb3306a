package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl trace FROM TO}: a packet's walk through the cluster, every stage on every node that saw it, in
 * order ({@code POST /api/v1/trace}), then the verdict: delivered and answered, or where and why it was dropped.
 */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    description = {"Follows one packet from a pod, hop by hop, across nodes and back.",
        "Sends a marked test packet from pod FROM to TO (a pod, an IPv4 address, or a name FROM's resolver looks up, " +
            "a Service's): an ICMP echo request (default), a UDP datagram to --udp PORT, or a TCP connect check to " +
            "--tcp PORT (the handshake, then a reset); or, with --live, follows the next matching packet FROM sends by " +
            "itself. Prints every observation point in order (pod stack, anti-spoofing, bridge with the FDB entry used, " +
            "Service translation with the endpoint chosen, router with the route and TTL, link impairment, tunnel with " +
            "the peer's underlay address, ...), the headers as " +
            "each stage saw them (and after, where it rewrote them, with -v), and the verdict. Exit code 1 when the " +
            "packet did not reach TO."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl trace a1 b2",
        "  podnetctl trace a1 b2 --udp 8081 -v",
        "  podnetctl trace a1 10.244.99.9          # dropped at node-1 router: no-route: ...",
        "  podnetctl trace a1 b2 --tcp 8080         # SYN, SYN-ACK, then a reset",
        "  podnetctl trace a1 web.shop --udp 80 -v  # through a Service: the endpoint chosen, DNAT and un-DNAT",
        "  podnetctl trace a1 b2 --tcp 80 --live    # the next TCP packet a1 sends to b2:80",
        "  podnetctl trace a1 b2 -o json"})
final class TraceCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "FROM", description = "the pod the packet leaves")
    String from;

    @Parameters(index = "1", paramLabel = "TO", description = "a pod (name, ns/name), an IPv4 address, or a name FROM's resolver looks up")
    String to;

    static final class Protocol
    {
        @Option(names = "--icmp", description = "an ICMP echo request (the default)")
        boolean icmp;

        @Option(names = "--udp", paramLabel = "PORT", description = "a UDP datagram to PORT")
        Integer udp;

        @Option(names = "--tcp", paramLabel = "PORT", description = "a TCP connect check of PORT (SYN, SYN-ACK, then a reset)")
        Integer tcp;
    }

    @ArgGroup(exclusive = true)
    Protocol protocol;

    @Option(names = "--live", description = "inject nothing: follow the next matching packet FROM sends")
    boolean live;

    @Option(names = "-s", paramLabel = "SIZE", description = "payload bytes of the test packet (default 56)")
    Integer size;

    @Option(names = "-W", paramLabel = "SECONDS", description = "how long to wait for the answer (default 1; --live: 10)")
    Double waitSeconds;

    @Option(names = {"-v", "--verbose"}, description = "the headers before and after each hop too")
    boolean verbose;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        // -n NS: FROM is a pod of that namespace (TO, when a name, is looked up from FROM's namespace)
        body.put("from", root().namespaceGiven() && from.indexOf('/') < 0 && !from.isEmpty() && !Character.isDigit(from.charAt(0)) ?
            root().namespace() + "/" + from : from);
        body.put("to", to);
        if (protocol != null && protocol.udp != null)
        {
            requireRange("--udp", protocol.udp, 1, 65535);
            body.put("protocol", "udp");
            body.put("port", protocol.udp);
        }
        else if (protocol != null && protocol.tcp != null)
        {
            requireRange("--tcp", protocol.tcp, 1, 65535);
            body.put("protocol", "tcp");
            body.put("port", protocol.tcp);
        }
        if (live)
        {
            body.put("live", true);
        }
        putInRange(body, "size", "-s", size, 0, 1400);
        putMillis(body, "timeoutMs", "-W", waitSeconds, 1);
        final long waitMs = (int)body.getOrDefault("timeoutMs", live ? 10_000 : 1_000);
        final JsonNode trace = api().post("/api/v1/trace", body, Duration.ofMillis(waitMs).plus(ApiClient.GRACE));
        print(format, trace, answer -> lines(answer, verbose).forEach(out()::println));
        return trace.path("delivered").asBoolean() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    /** The trace as text: a title, one line per hop (its headers under it with -v), the verdict. */
    static List<String> lines(final JsonNode trace, final boolean verbose)
    {
        final List<String> lines = new ArrayList<>();
        final String what = "udp".equals(text(trace, "protocol")) ? "UDP to port " + text(trace, "port") :
            "tcp".equals(text(trace, "protocol")) ? "TCP to port " + text(trace, "port") : "ICMP echo";
        lines.add("trace " + text(trace, "id") + ": " + text(trace, "from") + " -> " + text(trace, "to") +
            (text(trace, "to").equals(text(trace, "toIp")) ? "" : " (" + text(trace, "toIp") + ")") + ", " + what +
            (trace.path("live").asBoolean() ? " (live)" : ""));
        final Table table = new Table("#", "TIME", "NODE", "COMPONENT", "ACTION", "DETAIL");
        int n = 0;
        final List<List<String>> headers = new ArrayList<>();
        for (final JsonNode hop : trace.path("hops"))
        {
            n++;
            table.row(n, String.format(java.util.Locale.ROOT, "+%.3fms", hop.path("sinceStartUs").asLong() / 1000.0),
                text(hop, "node"), text(hop, "component"), text(hop, "action"), text(hop, "detail"));
            final List<String> under = new ArrayList<>();
            if (!hop.path("headers").isNull() && !hop.path("headers").isMissingNode())
            {
                under.add("      " + (hop.path("headersAfter").isNull() ? "" : "in:  ") + text(hop, "headers"));
            }
            if (!hop.path("headersAfter").isNull() && !hop.path("headersAfter").isMissingNode())
            {
                under.add("      out: " + text(hop, "headersAfter"));
            }
            headers.add(under);
        }
        if (n > 0)
        {
            final java.io.StringWriter rendered = new java.io.StringWriter();
            table.print(new java.io.PrintWriter(rendered));
            final List<String> rows = rendered.toString().lines().toList();
            lines.add(rows.get(0));
            for (int i = 1; i < rows.size(); i++)
            {
                lines.add(rows.get(i));
                if (verbose)
                {
                    lines.addAll(headers.get(i - 1));
                }
            }
        }
        trace.path("unanswered").forEach(node -> lines.add("warning: " + node.asText() + " did not say what it saw"));
        lines.add("verdict: " + text(trace, "verdict"));
        return lines;
    }
}
