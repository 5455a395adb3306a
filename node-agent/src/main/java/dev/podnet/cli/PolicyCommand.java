package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code podnetctl policy explain FROM TO [--port P/PROTO]}: whether NetworkPolicy allows a new connection
 * from one pod to another, which policies isolate each side and which rule allows, or that none does.
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "NetworkPolicy questions about pods.",
    subcommands = {PolicyCommand.Explain.class},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl policy explain x/b x/a --port 8080/TCP"})
final class PolicyCommand extends ResourceVerb
{
    PolicyCommand()
    {
        super("explain");
    }

    @Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {"Says whether NetworkPolicy allows a new connection from FROM to TO on a port (default 8080/TCP, " +
            "netexec's HTTP; 8081 for UDP), and why: the policies that isolate the source for egress and the destination for " +
            "ingress, and the rule that allows, or that no rule does. Exit code 1 when denied.",
            "Pods are NAMESPACE/NAME, NAME in the namespace -n names, or an address."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  podnetctl policy explain x/b x/a --port 80/TCP",
            "  # egress of x/b: not isolated (no policy with policyType Egress selects it): allowed",
            "  # ingress of x/a: isolated by x/deny-all: no rule allows TCP port 80 from x/b: DENIED",
            "  # x/b -> x/a TCP port 80: denied"})
    static final class Explain extends Verb
    {
        @Parameters(index = "0", paramLabel = "FROM", description = "the client pod")
        String from;

        @Parameters(index = "1", paramLabel = "TO", description = "the server pod")
        String to;

        @Option(names = "--port", paramLabel = "P/PROTO", description = "the server's port and protocol (default 8080/TCP)")
        String port;

        @Option(names = "--icmp", description = "judge ICMP (ping) instead of a port")
        boolean icmp;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.JSON);
            final Map<String, String> query = new LinkedHashMap<>();
            query.put("from", from);
            query.put("to", to);
            query.put("namespace", root().namespace());
            if (icmp)
            {
                query.put("protocol", "ICMP");
            }
            else if (port != null)
            {
                final int[] parsed = CheckCommand.portAndProtocol(this, "--port", port);
                query.put("port", Integer.toString(parsed[0]));
                query.put("protocol", parsed[1] == 6 ? "TCP" : parsed[1] == 17 ? "UDP" : "SCTP");
            }
            final StringBuilder path = new StringBuilder("/api/v1/policy/explain");
            char separator = '?';
            for (final Map.Entry<String, String> entry : query.entrySet())
            {
                path.append(separator).append(entry.getKey()).append('=').append(ApiClient.segment(entry.getValue()));
                separator = '&';
            }
            final JsonNode answer = api().get(path.toString());
            print(format, answer, json -> json.path("reasons").forEach(line -> out().println(line.asText())));
            return answer.path("allowed").asBoolean() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
        }
    }
}
