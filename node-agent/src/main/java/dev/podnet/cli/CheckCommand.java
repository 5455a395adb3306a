package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code podnetctl check}: every pod to every other pod (ping, netexec {@code hostname}, netexec
 * {@code clientip} over UDP and over HTTP: no NAT), run by the agents in parallel, as a matrix ({@link CheckMatrix}).
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {"Checks that every pod reaches every other pod.",
        "One ping, netexec hostname (the right pod answers), netexec clientip (it saw the caller's own IP: no NAT) and " +
        "GET /clientip over TCP from netexec's HTTP server (the same, over a TCP connection). Prints the matrix (rows: from, columns: to; " +
        "ok, X, - for self), the count of pairs ok and each failure. Exit code 1 when a pair failed."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl check",
        "  # FROM\\TO  a-1  b-1  c-1",
        "  # a-1      -    ok   ok",
        "  # b-1      ok   -    ok",
        "  # c-1      ok   ok   -",
        "  # 6/6 pairs ok",
        "  podnetctl check -o json | jq .failed",
        "  podnetctl check --matrix --port 8080/TCP",
        "  # -\tx/a\tx/b ...",
        "  # x/a\t.\tX ..."})
final class CheckCommand extends Verb
{
    /** Terminal width when {@code COLUMNS} does not say: wider matrices get numbered columns. */
    static final int DEFAULT_COLUMNS = 120;
    /** Bound for the whole check: it runs every pair, with one timeout per step. */
    static final Duration CHECK_BOUND = Duration.ofMinutes(10);

    @Option(names = "-W", paramLabel = "SECONDS", description = "how long each step waits for its answer (default 2)")
    Double timeoutSeconds;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Option(names = "--matrix", description = "print the pods' matrix as Kubernetes' e2e network policy framework does: " +
        "- then the pods, a row per source, . reachable, X not")
    boolean matrix;

    @Option(names = "--port", paramLabel = "P/PROTO", description = "one probe per pair instead of the conformance steps: a TCP " +
        "connection with GET /hostname, or netexec hostname over UDP, to port P (e.g. 8080/TCP, 8081/UDP)")
    String port;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        putMillis(body, "timeoutMs", "-W", timeoutSeconds, 1);
        if (port != null)
        {
            final int[] parsed = portAndProtocol(this, "--port", port);
            body.put("port", parsed[0]);
            body.put("protocol", parsed[1] == 17 ? "UDP" : "TCP");
        }
        final JsonNode check = api().post("/api/v1/check", body, CHECK_BOUND);
        print(format, check, answer -> (matrix ? CheckMatrix.upstream(answer) : CheckMatrix.lines(answer, columns()))
            .forEach(out()::println));
        return CheckMatrix.allOk(check) ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    /** {@code P/PROTO} ({@code 80/TCP}, {@code 53/udp}; {@code P} alone is TCP): port and IP protocol number, or a usage error. */
    static int[] portAndProtocol(final Verb verb, final String option, final String text)
    {
        final int slash = text.indexOf('/');
        final String protocol = slash < 0 ? "TCP" : text.substring(slash + 1).toUpperCase(java.util.Locale.ROOT);
        final int number = protocol.equals("TCP") ? 6 : protocol.equals("UDP") ? 17 : protocol.equals("SCTP") ? 132 : -1;
        int port;
        try
        {
            port = Integer.parseInt(slash < 0 ? text : text.substring(0, slash));
        }
        catch (final NumberFormatException ex)
        {
            port = -1;
        }
        if (number < 0 || port < 1 || port > 65535)
        {
            throw verb.usage("invalid value for option '" + option + "': '" + text + "' (expected PORT/PROTOCOL: 1..65535 and " +
                "TCP, UDP or SCTP, e.g. 8080/TCP)");
        }
        return new int[] {port, number};
    }

    private int columns()
    {
        try
        {
            final int columns = Integer.parseInt(root().env().getOrDefault("COLUMNS", "").strip());
            return columns > 0 ? columns : DEFAULT_COLUMNS;
        }
        catch (final NumberFormatException ex)
        {
            return DEFAULT_COLUMNS;
        }
    }
}
