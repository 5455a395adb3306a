package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl create pod NAME [--node N] [--labels K=V,...] [--netns [NETNS]]}, {@code podnetctl create namespace NAME}.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Creates a pod or a namespace (Services: podnetctl apply -f).",
    subcommands = {CreateCommand.Pod.class, CreateCommand.Namespace.class},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl create pod web", "  podnetctl create pod web --node b --labels app=web", "  podnetctl create pod web --netns",
        "  podnetctl create namespace shop", "  podnetctl -n shop create pod cart --labels app=cart"})
final class CreateCommand extends ResourceVerb
{
    CreateCommand()
    {
        super("pod or namespace");
    }

    /** {@code k=v,k2=v2} as a map; a usage error naming the option otherwise. */
    static Map<String, String> labels(final Verb verb, final String text)
    {
        final Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank())
        {
            return labels;
        }
        for (final String pair : text.split(","))
        {
            final int equals = pair.indexOf('=');
            if (equals <= 0)
            {
                throw verb.usage("--labels: '" + pair + "' is not KEY=VALUE (e.g. app=web,tier=front)");
            }
            labels.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
        }
        return labels;
    }

    @Command(
        name = "namespace",
        aliases = {"ns"},
        mixinStandardHelpOptions = true,
        description = "Creates a namespace (labelled kubernetes.io/metadata.name=NAME, as Kubernetes does).",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl create namespace shop", "  # namespace/shop created"})
    static final class Namespace extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the namespace's name (a DNS-1123 label)")
        String name;

        @Option(names = {"-l", "--labels"}, paramLabel = "K=V,...", description = "its labels")
        String labels;

        @Override
        int run()
        {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("labels", CreateCommand.labels(this, labels));
            api().post("/api/v1/namespaces", body, ApplyCommand.BOUND);
            out().println("namespace/" + name + " created");
            return PodnetCtl.EXIT_OK;
        }
    }

    @Command(
        name = "pod",
        aliases = {"po"},
        mixinStandardHelpOptions = true,
        description = "Creates a pod on a node (by default the Ready node with the fewest pods) and prints where it " +
            "runs and its IP. The name must be a DNS-1123 label, unique in the cluster. With --netns the pod is real: " +
            "a Linux network namespace on the node's machine (named after the pod, or NETNS: a name, created when " +
            "missing, or a path such as /proc/PID/ns/net) whose eth0 is on podnet's bridge; it goes to the node of the " +
            "agent asked unless --node says otherwise.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl create pod web", "  podnetctl create pod web --node b",
            "  # pod/web created on b (10.244.1.3)",
            "  podnetctl create pod web --netns && ip netns exec web ping 10.244.1.1",
            "  # pod/web created on a (10.244.0.4), network namespace web",
            "  podnetctl create pod app --netns /proc/4242/ns/net"})
    static final class Pod extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the pod's name (a DNS-1123 label: a-z, 0-9 and '-')")
        String name;

        @Option(names = "--node", paramLabel = "NODE", description = "the node to run it on")
        String node;

        @Option(names = {"-l", "--labels"}, paramLabel = "K=V,...", description = "its labels (what Service selectors match)")
        String labels;

        @Option(names = "--netns", paramLabel = "NETNS", arity = "0..1", fallbackValue = "",
            description = "a real pod: a network namespace named after the pod, or NETNS (a name or a path)")
        String netns;

        @Override
        int run()
        {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (node != null)
            {
                body.put("node", node);
            }
            if (labels != null)
            {
                body.put("labels", CreateCommand.labels(this, labels));
            }
            if (netns != null)
            {
                body.put("netns", netns.isEmpty() ? Boolean.TRUE : netns);
            }
            final JsonNode pod = api().post(namespacePath() + "/pods", body, ApiClient.QUICK);
            out().println("pod/" + text(pod, "name") + " created on " + text(pod, "node") + " (" + text(pod, "ip") + ")" +
                (netns == null ? "" : ", network namespace " + text(pod, "netns")));
            return PodnetCtl.EXIT_OK;
        }
    }
}
