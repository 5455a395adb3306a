package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl create pod NAME [--node N] [--netns [NETNS]]}.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Creates a pod.",
    subcommands = CreateCommand.Pod.class,
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl create pod web", "  podnetctl create pod web --node b", "  podnetctl create pod web --netns"})
final class CreateCommand extends ResourceVerb
{
    CreateCommand()
    {
        super("pod");
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
            if (netns != null)
            {
                body.put("netns", netns.isEmpty() ? Boolean.TRUE : netns);
            }
            final JsonNode pod = api().post("/api/v1/pods", body, ApiClient.QUICK);
            out().println("pod/" + text(pod, "name") + " created on " + text(pod, "node") + " (" + text(pod, "ip") + ")" +
                (netns == null ? "" : ", network namespace " + text(pod, "netns")));
            return PodnetCtl.EXIT_OK;
        }
    }
}
