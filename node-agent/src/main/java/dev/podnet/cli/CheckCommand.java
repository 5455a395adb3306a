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
        "  podnetctl check -o json | jq .failed"})
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

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        putMillis(body, "timeoutMs", "-W", timeoutSeconds, 1);
        final JsonNode check = api().post("/api/v1/check", body, CHECK_BOUND);
        print(format, check, answer -> CheckMatrix.lines(answer, columns()).forEach(out()::println));
        return CheckMatrix.allOk(check) ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
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
