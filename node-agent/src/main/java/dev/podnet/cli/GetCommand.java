package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
final class GetCommand extends ResourceVerb
{
    GetCommand()
    {
        super("nodes or pods");
    }

    /** The whole collection, or the one item of it that {@code name} names. */
    private static String path(final String collection, final String name)
    {
        return name == null ? collection : collection + "/" + ApiClient.segment(name);
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

    /**
     * One column per field, headed by the field's name in capitals, as kubectl heads its columns;
     * {@code -o wide} adds the {@code wideFields}. Nodes and pods differ only in their fields.
     */
    private static Table table(final JsonNode answer, final Output.Format format, final List<String> fields,
        final List<String> wideFields)
    {
        final List<String> columns = new ArrayList<>(fields);
        if (format == Output.Format.WIDE)
        {
            columns.addAll(wideFields);
        }
        final Table table = new Table(columns.stream().map(field -> field.toUpperCase(Locale.ROOT)).toList());
        for (final JsonNode item : items(answer))
        {
            // a pod's netns: "-" for an emulated pod, which has none
            table.row(columns.stream().map(field -> field.equals("netns") && text(item, field).isEmpty() ? "-" : text(item, field))
                .toList());
        }
        return table;
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
        static final List<String> FIELDS = List.of("name", "status", "cidr", "gateway", "pods");
        static final List<String> WIDE_FIELDS = List.of("address", "api", "tunnel", "reason");

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this node")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.WIDE, Output.Format.JSON);
            return show(format, path("/api/v1/nodes", name), answer -> table(answer, format, FIELDS, WIDE_FIELDS));
        }
    }

    @Command(
        name = "pods",
        aliases = {"pod", "po"},
        mixinStandardHelpOptions = true,
        description = "Lists the pods of the whole cluster: NAME NODE IP; -o wide adds MAC and NETNS (a real pod's " +
            "network namespace on its node, - for an emulated pod).",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get pods", "  podnetctl get pods -o wide", "  podnetctl get pod a-1 -o json"})
    static final class Pods extends Verb
    {
        static final List<String> FIELDS = List.of("name", "node", "ip");
        static final List<String> WIDE_FIELDS = List.of("mac", "netns");

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this pod")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.WIDE, Output.Format.JSON);
            return show(format, path("/api/v1/pods", name), answer -> table(answer, format, FIELDS, WIDE_FIELDS));
        }
    }
}
