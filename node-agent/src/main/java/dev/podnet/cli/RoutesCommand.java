package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl routes NODE}: a node's routes to the other nodes' pod CIDRs, with the tunnel frame
 * counters that show whether traffic flows.
 */
@Command(
    name = "routes",
    mixinStandardHelpOptions = true,
    description = {"Shows a node's routes to the other nodes.",
        "Each other node's pod CIDR, the NODE holding it, the tunnel ENDPOINT " +
        "(host:port) frames go to, and the frames sent (OUT) and received (IN) on it; -o wide adds the TUNNEL " +
        "address (traceroute shows it as a hop)."},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl routes a", "  podnetctl routes a -o wide"})
final class RoutesCommand extends Verb
{
    @Parameters(paramLabel = "NODE", description = "the node")
    String node;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
    String output;

    @Override
    int run()
    {
        final Output.Format format = Output.Format.parse(spec.commandLine(), output, Output.Format.WIDE, Output.Format.JSON);
        final JsonNode routes = api().get("/api/v1/nodes/" + ApiClient.segment(node) + "/routes");
        if (format == Output.Format.JSON)
        {
            printJson(routes);
        }
        else
        {
            printTable(table(routes, format == Output.Format.WIDE));
        }
        return PodnetCtl.EXIT_OK;
    }

    static Table table(final JsonNode routes, final boolean wide)
    {
        final Table table = wide ?
            new Table("CIDR", "NODE", "ENDPOINT", "TUNNEL", "OUT", "IN") :
            new Table("CIDR", "NODE", "ENDPOINT", "OUT", "IN");
        for (final JsonNode route : routes)
        {
            final List<String> row = new ArrayList<>(List.of(text(route, "cidr"), text(route, "node"),
                Output.endpoint(route, "host", "port")));
            if (wide)
            {
                row.add(text(route, "tunnel"));
            }
            row.add(text(route, "framesOut"));
            row.add(text(route, "framesIn"));
            table.row(row);
        }
        return table;
    }
}
