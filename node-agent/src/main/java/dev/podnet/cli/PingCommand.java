package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code podnetctl ping POD TARGET}: ICMP echo from a pod, printed as iputils {@code ping} prints it
 * ({@link PingReport}). The agent runs the whole ping and answers once, so the lines appear together
 * at the end. Options left out are left to the API's defaults (3 pings, 56 bytes, 2 s, 0.2 s apart).
 */
@Command(
    name = "ping",
    mixinStandardHelpOptions = true,
    description = {"Pings from a pod, like iputils ping.",
        "Sends ICMP echo requests from a pod to a pod (name) or an IPv4 address and prints the replies, ICMP errors " +
            "and statistics as iputils ping does. Exit code 1 when no reply came back at all."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl ping a-1 b-1",
        "  podnetctl ping a-1 10.244.1.2 -c 5 -i 0.5",
        "  podnetctl ping a-1 b-1 -s 1500 -M do     # Frag needed and DF set (mtu = 1413)",
        "  podnetctl ping a-1 10.200.0.1 -c 1        # Destination Net Unreachable, exit 1"})
final class PingCommand extends Verb
{
    /** The API's default payload size, printed in the first line when -s is not given. */
    static final int DEFAULT_SIZE = 56;
    static final int DEFAULT_COUNT = 3;
    static final int DEFAULT_TIMEOUT_MS = 2_000;
    static final int DEFAULT_INTERVAL_MS = 200;

    @Parameters(index = "0", paramLabel = "POD", description = "the pod that pings")
    String pod;

    @Parameters(index = "1", paramLabel = "TARGET", description = "a pod name or an IPv4 address")
    String target;

    @Option(names = "-c", paramLabel = "COUNT", description = "echo requests to send (default 3)")
    Integer count;

    @Option(names = "-s", paramLabel = "SIZE", description = "ICMP payload bytes (default 56)")
    Integer size;

    @Option(names = "-M", paramLabel = "do|dont", description = "do: set Don't Fragment (path MTU discovery); dont: allow fragmentation (default)")
    String pmtuDiscovery;

    @Option(names = "-W", paramLabel = "SECONDS", description = "how long to wait for each reply (default 2)")
    Double timeoutSeconds;

    @Option(names = "-i", paramLabel = "SECONDS", description = "interval between requests (default 0.2)")
    Double intervalSeconds;

    @Option(names = "-t", paramLabel = "TTL", description = "IP time to live (default 64)")
    Integer ttl;

    @Override
    int run()
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", target);
        putInRange(body, "count", "-c", count, 1, Long.MAX_VALUE);
        putInRange(body, "size", "-s", size, 0, 65_507);
        if (pmtuDiscovery != null)
        {
            if (!pmtuDiscovery.equals("do") && !pmtuDiscovery.equals("dont"))
            {
                throw usage("-M must be do or dont: " + pmtuDiscovery);
            }
            body.put("dontFragment", pmtuDiscovery.equals("do"));
        }
        putMillis(body, "timeoutMs", "-W", timeoutSeconds, 1);
        putMillis(body, "intervalMs", "-i", intervalSeconds, 0);
        putInRange(body, "ttl", "-t", ttl, 1, 255);
        final long runs = (long)((count == null ? DEFAULT_COUNT : count) - 1) *
            (int)body.getOrDefault("intervalMs", DEFAULT_INTERVAL_MS) + (int)body.getOrDefault("timeoutMs", DEFAULT_TIMEOUT_MS);

        final JsonNode ping = api().post(podPath(pod) + "/ping", body,
            Duration.ofMillis(Math.min(runs, Duration.ofDays(1).toMillis())).plus(ApiClient.GRACE));
        PingReport.lines(ping, size == null ? DEFAULT_SIZE : size).forEach(out()::println);
        return ping.path("received").asInt() > 0 ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }
}
