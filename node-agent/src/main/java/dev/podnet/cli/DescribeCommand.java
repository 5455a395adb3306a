package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
    subcommands = {DescribeCommand.Node.class, DescribeCommand.Pod.class, DescribeCommand.Service.class},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl describe node a", "  podnetctl describe pod a-1"})
final class DescribeCommand extends ResourceVerb
{
    DescribeCommand()
    {
        super("node or pod");
    }

    /**
     * {@code Key: value} lines, {@code Key:} padded to the longest key plus two spaces so that the values
     * line up. Each value is the API's field named as the key in lower case ({@code CIDR}: {@code cidr}),
     * as {@code get} names its columns after the fields, so a key never drifts from the field it shows.
     */
    static void fields(final PrintWriter out, final JsonNode json, final String... keys)
    {
        final int width = Arrays.stream(keys).mapToInt(String::length).max().orElse(0) + 1;
        for (final String key : keys)
        {
            final String value = text(json, key.toLowerCase(Locale.ROOT));
            out.println(key + ":" + " ".repeat(width - key.length() - 1 + Table.GAP.length()) + (value.isEmpty() ? Table.NONE : value));
        }
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

            fields(out(), node, "Name", "Status", "Reason", "CIDR", "Gateway", "Address", "API", "Tunnel");

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
            final String path = podPath(name);
            final JsonNode pod = api().get(path);
            final JsonNode arp = api().get(path + "/arp");

            fields(out(), pod, "Name", "Node", "IP", "MAC");
            section(out(), "ARP cache:", ArpCommand.table(arp));
            return PodnetCtl.EXIT_OK;
        }
    }

    @Command(
        name = "service",
        aliases = {"services", "svc"},
        mixinStandardHelpOptions = true,
        description = "Shows a Service as kubectl describe does: selector, type, ClusterIP, each port with its target port " +
            "and node port, the endpoints, session affinity.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl describe svc web", "  podnetctl describe svc kube-dns -n kube-system"})
    static final class Service extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the Service")
        String name;

        @Override
        int run()
        {
            final JsonNode service = api().get(namespacePath() + "/services/" + ApiClient.segment(name));
            final JsonNode endpoints = api().get(namespacePath() + "/endpoints/" + ApiClient.segment(name));
            final boolean clusterDns = "kube-system".equals(text(service, "namespace")) && "kube-dns".equals(text(service, "name"));
            final java.io.PrintWriter out = out();
            out.println(String.format("%-18s%s", "Name:", text(service, "name")));
            out.println(String.format("%-18s%s", "Namespace:", text(service, "namespace")));
            out.println(String.format("%-18s%s", "Labels:", GetCommand.labels(service.path("labels"))));
            out.println(String.format("%-18s%s", "Selector:", GetCommand.labels(service.path("selector"))));
            out.println(String.format("%-18s%s", "Type:", text(service, "type")));
            out.println(String.format("%-18s%s", "IP:", text(service, "clusterIP")));
            for (final JsonNode port : service.path("ports"))
            {
                final String portName = text(port, "name").isEmpty() ? "<unset>" : text(port, "name");
                out.println(String.format("%-18s%s  %s/%s", "Port:", portName, port.path("port").asText(), text(port, "protocol")));
                out.println(String.format("%-18s%s/%s", "TargetPort:", text(port, "targetPort"), text(port, "protocol")));
                if (port.path("nodePort").asInt() != 0)
                {
                    out.println(String.format("%-18s%s  %s/%s", "NodePort:", portName, port.path("nodePort").asText(),
                        text(port, "protocol")));
                }
                final java.util.List<String> ready = new java.util.ArrayList<>();
                for (final JsonNode address : endpoints.path("addresses"))
                {
                    ready.add(text(address, "ip") + ":" + targetOf(service, port, address));
                }
                ready.removeIf(each -> each.endsWith(":"));
                out.println(String.format("%-18s%s", "Endpoints:", clusterDns ? "(answered on every node by its own data plane)" :
                    ready.isEmpty() ? "<none>" : String.join(",", ready)));
            }
            out.println(String.format("%-18s%s", "Session Affinity:", text(service, "sessionAffinity")));
            if ("ClientIP".equals(text(service, "sessionAffinity")))
            {
                out.println(String.format("%-18s%ss", "Affinity Timeout:", service.path("affinityTimeoutSeconds").asText()));
            }
            final java.util.List<String> notReady = new java.util.ArrayList<>();
            for (final JsonNode address : endpoints.path("notReadyAddresses"))
            {
                notReady.add(text(address, "ip") + " (" + text(address, "pod") + " on " + text(address, "node") + ")");
            }
            if (!notReady.isEmpty())
            {
                out.println(String.format("%-18s%s", "Not ready:", String.join(", ", notReady)));
            }
            out.println(String.format("%-18s%s", "Events:", "<none>"));
            return PodnetCtl.EXIT_OK;
        }

        /** The port {@code address} serves {@code port} on, "" when it does not. */
        private static String targetOf(final JsonNode service, final JsonNode port, final JsonNode address)
        {
            int index = 0;
            for (final JsonNode each : service.path("ports"))
            {
                if (each == port)
                {
                    break;
                }
                index++;
            }
            final int target = address.path("targetPorts").path(index).asInt(0);
            return target == 0 ? "" : Integer.toString(target);
        }
    }
}
