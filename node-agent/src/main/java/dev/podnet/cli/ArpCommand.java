package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl arp POD}: a pod's ARP cache, as {@code ip neigh} would show it inside the pod.
 */
@Command(
    name = "arp",
    mixinStandardHelpOptions = true,
    description = {"Shows a pod's ARP cache.", "IP, MAC (<none> while unresolved), STATE and AGE of each entry."},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl arp a-1", "  podnetctl arp a-1 -o json"})
final class ArpCommand extends Verb
{
    @Parameters(paramLabel = "POD", description = "the pod (its name or IP)")
    String pod;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        return show(format(output, Output.Format.JSON), podPath(pod) + "/arp", ArpCommand::table);
    }

    static Table table(final JsonNode arp)
    {
        final Table table = new Table("IP", "MAC", "STATE", "AGE");
        for (final JsonNode entry : arp)
        {
            table.row(text(entry, "ip"), text(entry, "mac"), text(entry, "state"), Output.age(entry.path("ageMs").asLong(-1)));
        }
        return table;
    }
}
