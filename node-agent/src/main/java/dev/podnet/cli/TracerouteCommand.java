package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code podnetctl traceroute POD TARGET}: the hops from a pod, one probe per hop, printed as Linux
 * {@code traceroute} prints them: {@code *} for a hop that stayed silent, {@code !N}, {@code !H} ... after a
 * hop that answered with an unreachable error.
 */
@Command(
    name = "traceroute",
    mixinStandardHelpOptions = true,
    description = {"Shows the hops from a pod to a target, like traceroute.",
        "Probes a pod (name) or an IPv4 address with one ICMP echo per TTL; '*' marks a hop that stayed silent, " +
            "!N, !H, !P, !F an unreachable error. Exit code 1 when the target was not reached."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl traceroute a-1 c-1",
        "  # traceroute to c-1 (10.244.2.2), 16 hops max",
        "  #  1  10.244.0.1  0.210 ms",
        "  #  2  10.244.2.0  0.412 ms",
        "  #  3  10.244.2.2  0.530 ms",
        "  podnetctl traceroute a-1 10.200.0.1 --max-hops 4"})
final class TracerouteCommand extends Verb
{
    static final int DEFAULT_MAX_HOPS = 16;
    static final int DEFAULT_TIMEOUT_MS = 1_000;

    @Parameters(index = "0", paramLabel = "POD", description = "the pod the probes leave from")
    String pod;

    @Parameters(index = "1", paramLabel = "TARGET", description = "a pod name or an IPv4 address")
    String target;

    @Option(names = {"-m", "--max-hops"}, paramLabel = "N", description = "the largest TTL to probe with (default 16)")
    Integer maxHops;

    @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS", description = "how long to wait for each hop (default 1)")
    Double waitSeconds;

    @Override
    int run()
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", target);
        putInRange(body, "maxHops", "--max-hops", maxHops, 1, 255);
        putMillis(body, "timeoutMs", "--wait", waitSeconds, 1);
        final int hops = maxHops == null ? DEFAULT_MAX_HOPS : maxHops;
        final long runs = (long)hops * (int)body.getOrDefault("timeoutMs", DEFAULT_TIMEOUT_MS);

        final JsonNode trace = api().post(podPath(pod) + "/traceroute", body,
            Duration.ofMillis(runs).plus(ApiClient.GRACE));
        out().println("traceroute to " + trace.path("target").asText() + " (" + trace.path("targetIp").asText() + "), " +
            hops + " hops max");
        for (final JsonNode hop : trace.path("hops"))
        {
            out().println(hopLine(hop));
        }
        return trace.path("reached").asBoolean() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    /** {@code " 1  10.244.0.1  0.210 ms"}, {@code " 4  *"}, {@code " 2  10.244.0.1  0.300 ms !N"}. */
    static String hopLine(final JsonNode hop)
    {
        final String ttl = String.format("%2d", hop.path("ttl").asInt());
        final String address = hop.path("address").asText("*");
        final String kind = hop.path("kind").asText("");
        if (address.isEmpty() || "*".equals(address) || "timeout".equals(kind))
        {
            return ttl + "  *";
        }
        final long us = hop.path("rttUs").asLong();
        final String flag = flag(kind);
        return ttl + "  " + address + "  " + us / 1_000 + "." + String.format("%03d", us % 1_000) + " ms" +
            (flag.isEmpty() ? "" : " " + flag);
    }

    /** traceroute's annotation of an ICMP error: !N, !H, !P, !F-mtu; "" for a time-exceeded or a reply. */
    static String flag(final String kind)
    {
        switch (kind)
        {
            case "reply":
            case "time-exceeded":
            case "port-unreachable":
                return "";
            case "net-unreachable":
                return "!N";
            case "host-unreachable":
                return "!H";
            case "protocol-unreachable":
                return "!P";
            case "frag-needed":
                return "!F";
            default:
                return "!<" + kind + ">";
        }
    }
}
