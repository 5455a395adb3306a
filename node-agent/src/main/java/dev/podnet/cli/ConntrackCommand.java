package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl conntrack NODE}: a node's connection-tracking table as {@code conntrack -L} prints it.
 */
@Command(
    name = "conntrack",
    mixinStandardHelpOptions = true,
    description = "Lists a node's tracked connections as conntrack -L does: the tuple each began with, the one its replies " +
        "carry (a Service's ClusterIP translated to an endpoint shows as a different reply source), timeout and counters.",
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl conntrack node-1", "  podnetctl conntrack node-1 -o json"})
final class ConntrackCommand extends Verb
{
    @Parameters(paramLabel = "NODE", description = "the node")
    String node;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final JsonNode connections = api().get("/api/v1/nodes/" + ApiClient.segment(node) + "/conntrack");
        print(format, connections, answer ->
        {
            for (final JsonNode connection : answer)
            {
                final String service = text(connection, "service");
                out().println(text(connection, "line") + (service.isEmpty() || service.equals("-") ? "" : "  # " + service));
            }
            err().println("conntrack: " + answer.size() + " flow entries have been shown.");
        });
        return PodnetCtl.EXIT_OK;
    }
}
