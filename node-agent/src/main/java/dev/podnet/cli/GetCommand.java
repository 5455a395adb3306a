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
 * {@code podnetctl get nodes|pods|svc|endpoints|ns [NAME] [-o wide|json]}: the cluster's objects, one
 * line each; pods, Services and endpoints of the namespace {@code -n} names (default), or of every
 * namespace with {@code -A}.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Lists the cluster's nodes, pods, Services, endpoints or namespaces, one line each.",
    subcommands = {GetCommand.Nodes.class, GetCommand.Pods.class, GetCommand.Services.class, GetCommand.EndpointsOf.class,
        GetCommand.Namespaces.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl get nodes",
        "  podnetctl get nodes -o wide",
        "  podnetctl get pods -o json",
        "  podnetctl get pods -A",
        "  podnetctl get pod a-1",
        "  podnetctl get svc -n shop",
        "  podnetctl get endpoints web",
        "  podnetctl get ns"})
final class GetCommand extends ResourceVerb
{
    GetCommand()
    {
        super("nodes, pods, services, endpoints or namespaces");
    }

    /** The path of a namespaced collection: every namespace's with -A, else -n's (default). */
    private static String namespaced(final Verb verb, final String collection, final String name)
    {
        if (verb.root().allNamespaces())
        {
            if (name != null)
            {
                throw verb.usage("a resource cannot be retrieved by name across all namespaces");
            }
            // /api/v1/endpoints is a node's endpoint table in podnet (it was there before Services)
            return "/api/v1/" + (collection.equals("endpoints") ? "service-endpoints" : collection);
        }
        return path(verb.namespacePath() + "/" + collection, name);
    }

    /** With -A, a NAMESPACE column first, as kubectl shows it. */
    private static List<String> withNamespace(final Verb verb, final List<String> fields)
    {
        if (!verb.root().allNamespaces())
        {
            return fields;
        }
        final List<String> all = new ArrayList<>();
        all.add("namespace");
        all.addAll(fields);
        return all;
    }

    /** {@code k=v,k2=v2}, or {@code <none>}. */
    static String labels(final JsonNode map)
    {
        final List<String> pairs = new ArrayList<>();
        map.fields().forEachRemaining(entry -> pairs.add(entry.getKey() + "=" + entry.getValue().asText()));
        return pairs.isEmpty() ? "<none>" : String.join(",", pairs);
    }

    /** {@code 80/UDP,81:30081/UDP}: a Service's ports as kubectl's PORT(S) column. */
    static String ports(final JsonNode service)
    {
        final List<String> ports = new ArrayList<>();
        for (final JsonNode port : service.path("ports"))
        {
            ports.add(port.path("port").asInt() + (port.path("nodePort").asInt() == 0 ? "" : ":" + port.path("nodePort").asInt()) +
                "/" + text(port, "protocol"));
        }
        return ports.isEmpty() ? "<none>" : String.join(",", ports);
    }

    /** An age from an epoch-ms creation time, kubectl style ({@code 5m}). */
    static String ageOf(final JsonNode object)
    {
        final long created = object.path("createdAt").asLong(0);
        return created == 0 ? "<unknown>" : Output.age(System.currentTimeMillis() - created);
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
            // a pod's netns: "-" for an emulated pod, which has none; a map (labels) as k=v,...
            table.row(columns.stream().map(field -> item.path(field).isObject() ? labels(item.path(field)) :
                field.equals("netns") && text(item, field).isEmpty() ? "-" : text(item, field)).toList());
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
        description = "Lists the pods of a namespace (-n, default) or of all (-A): NAME NODE IP; -o wide adds MAC, NETNS (a " +
            "real pod's network namespace on its node, - for an emulated pod) and LABELS.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get pods", "  podnetctl get pods -o wide", "  podnetctl get pods -A", "  podnetctl get pod a-1 -o json"})
    static final class Pods extends Verb
    {
        static final List<String> FIELDS = List.of("name", "node", "ip");
        static final List<String> WIDE_FIELDS = List.of("mac", "netns", "labels");

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this pod")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.WIDE, Output.Format.JSON);
            return show(format, namespaced(this, "pods", name), answer -> table(answer, format, withNamespace(this, FIELDS), WIDE_FIELDS));
        }
    }

    @Command(
        name = "services",
        aliases = {"service", "svc"},
        mixinStandardHelpOptions = true,
        description = "Lists the Services of a namespace (-n, default) or of all (-A) as kubectl does: NAME TYPE CLUSTER-IP " +
            "EXTERNAL-IP PORT(S) AGE; -o wide adds SELECTOR.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get svc", "  podnetctl get svc -A", "  podnetctl get svc web -o wide"})
    static final class Services extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this Service")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.WIDE, Output.Format.JSON);
            return show(format, namespaced(this, "services", name), answer ->
            {
                final List<String> columns = new ArrayList<>(withNamespace(this,
                    List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")));
                if (format == Output.Format.WIDE)
                {
                    columns.add("SELECTOR");
                }
                final Table table = new Table(columns.stream().map(column -> column.toUpperCase(Locale.ROOT)).toList());
                for (final JsonNode service : items(answer))
                {
                    final List<String> row = new ArrayList<>();
                    if (root().allNamespaces())
                    {
                        row.add(text(service, "namespace"));
                    }
                    row.add(text(service, "name"));
                    row.add(text(service, "type"));
                    row.add(text(service, "clusterIP"));
                    row.add("<none>");
                    row.add(ports(service));
                    row.add(ageOf(service));
                    if (format == Output.Format.WIDE)
                    {
                        row.add(labels(service.path("selector")));
                    }
                    table.row(row);
                }
                return table;
            });
        }
    }

    @Command(
        name = "endpoints",
        aliases = {"endpoint", "ep"},
        mixinStandardHelpOptions = true,
        description = "Lists the endpoints of the Services of a namespace (-n, default) or of all (-A): NAME ENDPOINTS, the " +
            "ready pods the selector matches as ip:port.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get endpoints", "  podnetctl get ep web -o json"})
    static final class EndpointsOf extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this Service's")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.JSON);
            return show(format, namespaced(this, "endpoints", name), answer ->
            {
                final Table table = new Table(withNamespace(this, List.of("NAME", "ENDPOINTS")).stream()
                    .map(column -> column.toUpperCase(Locale.ROOT)).toList());
                for (final JsonNode endpoints : items(answer))
                {
                    final List<String> row = new ArrayList<>();
                    if (root().allNamespaces())
                    {
                        row.add(text(endpoints, "namespace"));
                    }
                    row.add(text(endpoints, "name"));
                    row.add(endpointList(endpoints));
                    table.row(row);
                }
                return table;
            });
        }
    }

    /** {@code ip:port,ip:port,... + N more...} as kubectl shows endpoints (three at most), {@code <none>} when none. */
    static String endpointList(final JsonNode endpoints)
    {
        final List<String> all = new ArrayList<>();
        for (final JsonNode address : endpoints.path("addresses"))
        {
            for (final JsonNode port : address.path("ports"))
            {
                final String text = port.asText();
                all.add(text.contains("/") ? text.substring(0, text.lastIndexOf('/')) : text);
            }
        }
        if (all.isEmpty())
        {
            return "<none>";
        }
        return String.join(",", all.subList(0, Math.min(3, all.size()))) + (all.size() > 3 ? " + " + (all.size() - 3) + " more..." : "");
    }

    @Command(
        name = "namespaces",
        aliases = {"namespace", "ns"},
        mixinStandardHelpOptions = true,
        description = "Lists the namespaces: NAME STATUS AGE; -o wide adds LABELS.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get ns", "  podnetctl get ns -o wide"})
    static final class Namespaces extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this namespace")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide (more columns) or json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.WIDE, Output.Format.JSON);
            return show(format, path("/api/v1/namespaces", name), answer ->
            {
                final Table table = format == Output.Format.WIDE ? new Table("NAME", "STATUS", "AGE", "LABELS") :
                    new Table("NAME", "STATUS", "AGE");
                for (final JsonNode namespace : items(answer))
                {
                    if (format == Output.Format.WIDE)
                    {
                        table.row(text(namespace, "name"), text(namespace, "status"), ageOf(namespace), labels(namespace.path("labels")));
                    }
                    else
                    {
                        table.row(text(namespace, "name"), text(namespace, "status"), ageOf(namespace));
                    }
                }
                return table;
            });
        }
    }
}
