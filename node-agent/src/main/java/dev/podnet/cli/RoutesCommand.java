package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl routes NODE}: a node's routes to the other nodes' pod CIDRs, with the tunnel's state
 * and the frame counters that show whether traffic flows.
 */
@Command(
    name = "routes",
    mixinStandardHelpOptions = true,
    description = {"Shows a node's routes to the other nodes.",
        "Each other node's pod CIDR, the NODE holding it, the tunnel ENDPOINT (host:port) frames go to, the " +
            "TUNNEL's state (connected, idle, connecting, ...) and the frames sent (OUT) and received (IN) through it."},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl routes node-1", "  podnetctl routes node-1 -o json"})
final class RoutesCommand extends Verb
{
    @Parameters(paramLabel = "NODE", description = "the node")
    String node;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        return show(format(output, Output.Format.JSON), "/api/v1/nodes/" + ApiClient.segment(node) + "/routes", RoutesCommand::table);
    }

    static Table table(final JsonNode routes)
    {
        final Table table = new Table("CIDR", "NODE", "ENDPOINT", "TUNNEL", "OUT", "IN");
        for (final JsonNode route : routes)
        {
            table.row(text(route, "cidr"), text(route, "node"), Output.endpoint(route, "host", "port"), text(route, "tunnel"),
                text(route, "framesOut"), text(route, "framesIn"));
        }
        return table;
    }
}
