package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl describe node|pod NAME}: everything about one node or pod, kubectl-describe style:
 * aligned {@code Key: value} lines, then its tables indented below a heading.
 */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = {"Shows one node or one pod in detail.",
        "A node: its lease, addresses, routes and pods. A pod: its addresses and its ARP cache."},
    subcommands = {DescribeCommand.Node.class, DescribeCommand.Pod.class},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl describe node a", "  podnetctl describe pod a-1"})
final class DescribeCommand implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing resource type: node or pod");
    }

    /** {@code Key:} padded to the longest key plus two spaces, so that the values line up. */
    static void fields(final PrintWriter out, final Map<String, String> fields)
    {
        final int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        fields.forEach((key, value) ->
            out.println(key + ":" + " ".repeat(width - key.length() - 1 + Table.GAP.length()) + (value.isEmpty() ? Table.NONE : value)));
    }

    /** A heading, then the table indented under it, or {@code <none>} after the heading when it is empty. */
    static void section(final PrintWriter out, final String heading, final Table table)
    {
        if (table.isEmpty())
        {
            out.println(heading + Table.GAP + Table.NONE);
            return;
        }
        out.println(heading);
        table.print(out, Table.GAP);
    }

    @Command(
        name = "node",
        aliases = {"nodes", "no"},
        mixinStandardHelpOptions = true,
        description = "Shows a node: status, lease (CIDR, gateway), addresses, its routes to the other nodes and its pods.",
        footerHeading = "%nExamples:%n",
        footer = "  podnetctl describe node a")
    static final class Node extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the node")
        String name;

        @Override
        int run()
        {
            final String path = "/api/v1/nodes/" + ApiClient.segment(name);
            final JsonNode node = api().get(path);
            final JsonNode routes = api().get(path + "/routes");
            final JsonNode pods = api().get("/api/v1/pods");

            final Map<String, String> fields = new LinkedHashMap<>();
            fields.put("Name", text(node, "name"));
            fields.put("Status", text(node, "status"));
            fields.put("Reason", text(node, "reason"));
            fields.put("CIDR", text(node, "cidr"));
            fields.put("Gateway", text(node, "gateway"));
            fields.put("Address", text(node, "address"));
            fields.put("API", text(node, "api"));
            fields.put("Tunnel", text(node, "tunnel"));
            fields(out(), fields);

            section(out(), "Routes:", RoutesCommand.table(routes));

            final Table podTable = new Table("NAME", "IP", "MAC");
            final List<JsonNode> own = new ArrayList<>();
            for (final JsonNode pod : pods)
            {
                if (text(node, "name").equals(text(pod, "node")))
                {
                    own.add(pod);
                    podTable.row(text(pod, "name"), text(pod, "ip"), text(pod, "mac"));
                }
            }
            section(out(), "Pods: (" + own.size() + " in total)", podTable);
            return PodnetCtl.EXIT_OK;
        }
    }

    @Command(
        name = "pod",
        aliases = {"pods", "po"},
        mixinStandardHelpOptions = true,
        description = "Shows a pod: its node, IP and MAC, and its ARP cache (asked of the node that runs it).",
        footerHeading = "%nExamples:%n",
        footer = "  podnetctl describe pod a-1")
    static final class Pod extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the pod (its name or IP)")
        String name;

        @Override
        int run()
        {
            final String path = "/api/v1/pods/" + ApiClient.segment(name);
            final JsonNode pod = api().get(path);
            final JsonNode arp = api().get(path + "/arp");

            final Map<String, String> fields = new LinkedHashMap<>();
            fields.put("Name", text(pod, "name"));
            fields.put("Node", text(pod, "node"));
            fields.put("IP", text(pod, "ip"));
            fields.put("MAC", text(pod, "mac"));
            fields(out(), fields);
            section(out(), "ARP cache:", ArpCommand.table(arp));
            return PodnetCtl.EXIT_OK;
        }
    }
}
