package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl fdb NODE}: a node's bridge forwarding database, as {@code bridge fdb show} would.
 */
@Command(
    name = "fdb",
    mixinStandardHelpOptions = true,
    description = {"Shows a node's bridge forwarding database.",
        "Each MAC, the PORT it was learned on, its TYPE " +
        "(permanent or learned) and AGE (since it was last seen; - for a permanent entry)."},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl fdb a", "  podnetctl fdb a -o json"})
final class FdbCommand extends Verb
{
    @Parameters(paramLabel = "NODE", description = "the node")
    String node;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        return show(format(output, Output.Format.JSON), "/api/v1/nodes/" + ApiClient.segment(node) + "/fdb", FdbCommand::table);
    }

    static Table table(final JsonNode fdb)
    {
        final Table table = new Table("MAC", "PORT", "TYPE", "AGE");
        for (final JsonNode entry : fdb)
        {
            final boolean permanent = entry.path("permanent").asBoolean();
            table.row(text(entry, "mac"), text(entry, "port"), permanent ? "permanent" : "learned",
                permanent ? "-" : Output.age(entry.path("ageMs").asLong(-1)));
        }
        return table;
    }
}
