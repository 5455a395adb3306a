package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code podnetctl udp POD TARGET PORT PAYLOAD...}: one UDP datagram from a pod and the one reply, like
 * {@code echo PAYLOAD | nc -u -w1 TARGET PORT}. The reply alone goes to stdout, so that a script can use
 * it as is ({@code $(podnetctl udp a-1 b-1 8081 hostname)}).
 * <p>
 * No reply, or an ICMP error instead of one, is the operation failing (exit 1), not the API refusing:
 * the API answers them 504 {@code timeout} and 502 with the ICMP type, which this verb tells apart
 * from a 502 {@code node-unreachable} (the agent could not forward the request: exit 3).
 */
@Command(
    name = "udp",
    mixinStandardHelpOptions = true,
    description = {"Sends one UDP datagram from a pod and prints the reply.",
        "Every pod runs netexec on port 8081: " +
        "'hostname' answers its name, 'clientip' the sender's ip:port as it saw it, 'echo TEXT' the text. " +
        "Exit code 1 on a timeout or an ICMP error (e.g. port unreachable)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl udp a-1 b-1 8081 hostname       # b-1",
        "  podnetctl udp a-1 b-1 8081 clientip -v    # 10.244.0.2:40001 (and 'reply from 10.244.1.2:8081' on stderr)",
        "  podnetctl udp a-1 b-1 8081 echo hello world"})
final class UdpCommand extends Verb
{
    static final int DEFAULT_TIMEOUT_MS = 2_000;

    @Parameters(index = "0", paramLabel = "POD", description = "the pod that sends")
    String pod;

    @Parameters(index = "1", paramLabel = "TARGET", description = "a pod name or an IPv4 address")
    String target;

    @Parameters(index = "2", paramLabel = "PORT", description = "the destination port (8081: netexec)")
    int port;

    @Parameters(index = "3..*", arity = "1..*", paramLabel = "PAYLOAD", description = "the datagram's text (several words are joined with spaces)")
    List<String> payload;

    @Option(names = "-W", paramLabel = "SECONDS", description = "how long to wait for the reply (default 2)")
    Double timeoutSeconds;

    @Option(names = {"-v", "--verbose"}, description = "also print where the reply came from (ip:port), on stderr")
    boolean verbose;

    @Override
    int run()
    {
        requireRange("PORT", port, 1, 65_535);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("target", target);
        body.put("port", port);
        body.put("payload", String.join(" ", payload));
        putMillis(body, "timeoutMs", "-W", timeoutSeconds, 1);
        final int timeoutMs = (int)body.getOrDefault("timeoutMs", DEFAULT_TIMEOUT_MS);

        final ApiClient.Reply reply = api().send("POST", podPath(pod) + "/udp", body,
            Duration.ofMillis(timeoutMs).plus(ApiClient.GRACE));
        if ((reply.status() == 504 && "timeout".equals(reply.error())) ||
            (reply.status() == 502 && !"node-unreachable".equals(reply.error())))
        {
            throw CtlException.failed(reply.detail());
        }
        final JsonNode answer = ApiClient.require(reply);
        final String text = Output.text(answer, "reply");
        if (verbose)
        {
            err().println("reply from " + Output.text(answer, "from"));
        }
        out().print(text);
        if (!text.endsWith("\n"))
        {
            out().println();
        }
        return PodnetCtl.EXIT_OK;
    }
}
