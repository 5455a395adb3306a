package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl get nodes|pods [NAME] [-o wide|json]}: the cluster's nodes or pods, one line each.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Lists the cluster's nodes or pods, one line each.",
    subcommands = {GetCommand.Nodes.class, GetCommand.Pods.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl get nodes",
        "  podnetctl get nodes -o wide",
        "  podnetctl get pods -o json",
        "  podnetctl get pod a-1"})
final class GetCommand implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing resource type: nodes or pods");
    }

    /** Rows of a list, or the one object a {@code NAME} asks for: both print as a table. */
    private static List<JsonNode> items(final JsonNode answer)
    {
        final List<JsonNode> items = new ArrayList<>();
        if (answer != null && answer.isArray())
        {
            answer.forEach(items::add);
        }
        else if (answer != null)
        {
            items.add(answer);
        }
        return items;
    }

    @Command(
        name = "nodes",
        aliases = {"node", "no"},
        mixinStandardHelpOptions = true,
        description = "Lists the nodes: NAME STATUS CIDR GATEWAY PODS; -o wide adds ADDRESS (cluster), API, TUNNEL " +
            "and REASON (why a node is not Ready).",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get nodes", "  podnetctl get nodes -o wide", "  podnetctl get node b -o json"})
    static final class Nodes extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this node")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = Output.Format.parse(spec.commandLine(), output, Output.Format.WIDE, Output.Format.JSON);
            final JsonNode answer = api().get(name == null ? "/api/v1/nodes" : "/api/v1/nodes/" + ApiClient.segment(name));
            if (format == Output.Format.JSON)
            {
                printJson(answer);
                return PodnetCtl.EXIT_OK;
            }
            final boolean wide = format == Output.Format.WIDE;
            final Table table = wide ?
                new Table("NAME", "STATUS", "CIDR", "GATEWAY", "PODS", "ADDRESS", "API", "TUNNEL", "REASON") :
                new Table("NAME", "STATUS", "CIDR", "GATEWAY", "PODS");
            for (final JsonNode node : items(answer))
            {
                final List<String> row = new ArrayList<>(List.of(text(node, "name"), text(node, "status"), text(node, "cidr"),
                    text(node, "gateway"), text(node, "pods")));
                if (wide)
                {
                    row.addAll(List.of(text(node, "address"), text(node, "api"), text(node, "tunnel"), text(node, "reason")));
                }
                table.row(row);
            }
            printTable(table);
            return PodnetCtl.EXIT_OK;
        }
    }

    @Command(
        name = "pods",
        aliases = {"pod", "po"},
        mixinStandardHelpOptions = true,
        description = "Lists the pods of the whole cluster: NAME NODE IP; -o wide adds MAC.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get pods", "  podnetctl get pods -o wide", "  podnetctl get pod a-1 -o json"})
    static final class Pods extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this pod")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = Output.Format.parse(spec.commandLine(), output, Output.Format.WIDE, Output.Format.JSON);
            final JsonNode answer = api().get(name == null ? "/api/v1/pods" : "/api/v1/pods/" + ApiClient.segment(name));
            if (format == Output.Format.JSON)
            {
                printJson(answer);
                return PodnetCtl.EXIT_OK;
            }
            final boolean wide = format == Output.Format.WIDE;
            final Table table = wide ? new Table("NAME", "NODE", "IP", "MAC") : new Table("NAME", "NODE", "IP");
            for (final JsonNode pod : items(answer))
            {
                final List<String> row = new ArrayList<>(List.of(text(pod, "name"), text(pod, "node"), text(pod, "ip")));
                if (wide)
                {
                    row.add(text(pod, "mac"));
                }
                table.row(row);
            }
            printTable(table);
            return PodnetCtl.EXIT_OK;
        }
    }
}
