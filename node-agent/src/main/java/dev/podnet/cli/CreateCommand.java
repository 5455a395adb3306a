package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl create pod NAME [--node N]}.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Creates a pod.",
    subcommands = CreateCommand.Pod.class,
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl create pod web", "  podnetctl create pod web --node b"})
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
            "runs and its IP. The name must be a DNS-1123 label, unique in the cluster.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl create pod web", "  podnetctl create pod web --node b",
            "  # pod/web created on b (10.244.1.3)"})
    static final class Pod extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the pod's name (a DNS-1123 label: a-z, 0-9 and '-')")
        String name;

        @Option(names = "--node", paramLabel = "NODE", description = "the node to run it on")
        String node;

        @Override
        int run()
        {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (node != null)
            {
                body.put("node", node);
            }
            final JsonNode pod = api().post("/api/v1/pods", body, ApiClient.QUICK);
            out().println("pod/" + text(pod, "name") + " created on " + text(pod, "node") + " (" + text(pod, "ip") + ")");
            return PodnetCtl.EXIT_OK;
        }
    }
}
