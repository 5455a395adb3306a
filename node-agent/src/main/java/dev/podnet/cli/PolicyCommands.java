package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import static dev.podnet.cli.Output.text;

/**
 * NetworkPolicies in podnetctl: {@code get netpol}, {@code describe netpol}, {@code delete netpol}, as
 * kubectl shows them ({@code apply -f} takes their manifests like any other object's).
 */
final class PolicyCommands
{
    static final String PREFIX = "/apis/networking.k8s.io/v1";

    private PolicyCommands()
    {
    }

    /** The namespace's policies, every namespace's with -A, or one by name. */
    static String path(final Verb verb, final String name)
    {
        if (verb.root().allNamespaces())
        {
            if (name != null)
            {
                throw verb.usage("a resource cannot be retrieved by name across all namespaces");
            }
            return PREFIX + "/networkpolicies";
        }
        final String collection = PREFIX + "/namespaces/" + ApiClient.segment(verb.root().namespace()) + "/networkpolicies";
        return name == null ? collection : collection + "/" + ApiClient.segment(name);
    }

    /** A selector as kubectl prints it: {@code app=web,tier in (a,b)}; empty: {@code <none>}. */
    static String selector(final JsonNode selector)
    {
        final List<String> parts = new ArrayList<>();
        selector.path("matchLabels").fields().forEachRemaining(entry -> parts.add(entry.getKey() + "=" + entry.getValue().asText()));
        for (final JsonNode expression : selector.path("matchExpressions"))
        {
            final List<String> values = new ArrayList<>();
            expression.path("values").forEach(value -> values.add(value.asText()));
            final String key = text(expression, "key");
            parts.add(switch (text(expression, "operator"))
            {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                default -> "!" + key;
            });
        }
        return parts.isEmpty() ? Table.NONE : String.join(",", parts);
    }

    @Command(
        name = "networkpolicies",
        aliases = {"networkpolicy", "netpol"},
        mixinStandardHelpOptions = true,
        description = "Lists the NetworkPolicies of a namespace (-n, default) or of all (-A) as kubectl does: NAME POD-SELECTOR AGE.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl get netpol -n x", "  podnetctl get netpol -A", "  podnetctl get netpol deny-all -o json"})
    static final class Get extends Verb
    {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "only this policy")
        String name;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.JSON);
            return show(format, path(this, name), answer ->
            {
                final Table table = new Table(GetCommand.withNamespace(this, List.of("NAME", "POD-SELECTOR", "AGE")).stream()
                    .map(column -> column.toUpperCase(java.util.Locale.ROOT)).toList());
                for (final JsonNode policy : GetCommand.items(answer))
                {
                    final List<String> row = new ArrayList<>();
                    if (root().allNamespaces())
                    {
                        row.add(text(policy, "namespace"));
                    }
                    row.add(text(policy, "name"));
                    row.add(selector(policy.path("podSelector")));
                    row.add(GetCommand.ageOf(policy));
                    table.row(row);
                }
                return table;
            });
        }
    }

    @Command(
        name = "networkpolicy",
        aliases = {"networkpolicies", "netpol"},
        mixinStandardHelpOptions = true,
        description = "Shows a NetworkPolicy as kubectl describe does: the pods it selects, what ingress and egress it allows " +
            "(each rule's ports and peers), its policy types.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl describe netpol allow-client -n x"})
    static final class Describe extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the policy")
        String name;

        @Override
        int run()
        {
            describe(out(), api().get(path(this, name)));
            return PodnetCtl.EXIT_OK;
        }
    }

    /** kubectl's NetworkPolicy describer, line for line where podnet has the field. */
    static void describe(final PrintWriter out, final JsonNode policy)
    {
        out.println(String.format("%-14s%s", "Name:", text(policy, "name")));
        out.println(String.format("%-14s%s", "Namespace:", text(policy, "namespace")));
        out.println(String.format("%-14s%s", "Created on:", java.time.Instant.ofEpochMilli(policy.path("createdAt").asLong())));
        out.println(String.format("%-14s%s", "Labels:", GetCommand.labels(policy.path("labels"))));
        out.println(String.format("%-14s%s", "Annotations:", Table.NONE));
        out.println("Spec:");
        final String podSelector = selector(policy.path("podSelector"));
        out.println("  PodSelector:     " + (podSelector.equals(Table.NONE) ? "<none> (Allowing the specific traffic to all pods in " +
            "this namespace)" : podSelector));
        final List<String> types = new ArrayList<>();
        policy.path("policyTypes").forEach(type -> types.add(type.asText()));
        direction(out, policy, types.contains("Ingress"), "ingress", "from", "From", "To Port", "source");
        direction(out, policy, types.contains("Egress"), "egress", "to", "To", "To Port", "destination");
        out.println("  Policy Types: " + String.join(", ", types));
    }

    private static void direction(final PrintWriter out, final JsonNode policy, final boolean isolates, final String field,
        final String peersField, final String peerWord, final String portWord, final String what)
    {
        if (!isolates)
        {
            out.println("  Not affecting " + field + " traffic");
            return;
        }
        out.println("  Allowing " + field + " traffic:");
        final JsonNode rules = policy.path(field);
        if (rules.size() == 0)
        {
            out.println("    <none> (Selected pods are isolated for " + field + " connectivity)");
            return;
        }
        boolean first = true;
        for (final JsonNode rule : rules)
        {
            if (!first)
            {
                out.println("    ----------");
            }
            first = false;
            if (rule.path("ports").size() == 0)
            {
                out.println("    " + portWord + ": <any> (traffic allowed to all ports)");
            }
            for (final JsonNode port : rule.path("ports"))
            {
                final String number = port.has("port") ? port.path("port").asText() + (port.has("endPort") ? "-" +
                    port.path("endPort").asText() : "") : "<any>";
                out.println("    " + portWord + ": " + number + "/" + text(port, "protocol"));
            }
            if (rule.path(peersField).size() == 0)
            {
                out.println("    " + peerWord + ": <any> (traffic not restricted by " + what + ")");
            }
            for (final JsonNode peer : rule.path(peersField))
            {
                out.println("    " + peerWord + ":");
                if (peer.has("ipBlock"))
                {
                    out.println("      IPBlock:");
                    out.println("        CIDR: " + text(peer.path("ipBlock"), "cidr"));
                    final List<String> except = new ArrayList<>();
                    peer.path("ipBlock").path("except").forEach(each -> except.add(each.asText()));
                    out.println("        Except: " + String.join(", ", except));
                }
                if (peer.has("namespaceSelector"))
                {
                    out.println("      NamespaceSelector: " + selector(peer.path("namespaceSelector")));
                }
                if (peer.has("podSelector"))
                {
                    out.println("      PodSelector: " + selector(peer.path("podSelector")));
                }
            }
        }
    }

    @Command(
        name = "networkpolicy",
        aliases = {"networkpolicies", "netpol"},
        mixinStandardHelpOptions = true,
        description = "Deletes a NetworkPolicy of the namespace -n names (default): its pods are no longer isolated by it.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl delete netpol deny-all -n x", "  # networkpolicy.networking.k8s.io/deny-all deleted"})
    static final class Delete extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the policy")
        String name;

        @Override
        int run()
        {
            api().delete(path(this, name));
            out().println("networkpolicy.networking.k8s.io/" + name + " deleted");
            return PodnetCtl.EXIT_OK;
        }
    }
}
