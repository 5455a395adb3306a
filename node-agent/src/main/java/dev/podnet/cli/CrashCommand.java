package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl crash NODE}: chaos, one node's agent stopped abruptly ({@code POST /api/v1/nodes/NODE/crash}).
 */
@Command(
    name = "crash",
    mixinStandardHelpOptions = true,
    description = {"Crashes a node's agent, as kill -9 would: no goodbye to the cluster, so the other nodes find out through " +
        "their failure detectors (unreachable within ~4 s, routes withdrawn, downed after --stable-after) and its pods stop " +
        "answering. An agent with a JVM of its own halts it (exit status 137: its supervisor, podnet demo or the container's " +
        "restart policy, starts it again); a packed agent (podnet pack, podnet demo with more than 10 nodes) stops alone and " +
        "its pack starts it again after 1 s. Either way it comes back with its lease and its --pods.",
        "Needs the API token like every other request."},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl crash node-7", "  podnetctl get nodes        # NotReady, then Ready again"})
final class CrashCommand extends Verb
{
    @Parameters(paramLabel = "NODE", description = "the node whose agent crashes")
    String node;

    @Override
    int run()
    {
        final JsonNode answer = api().post("/api/v1/nodes/" + ApiClient.segment(node) + "/crash", java.util.Map.of(), java.time.Duration.ofSeconds(10));
        out().println("node " + text(answer, "node") + ": " + text(answer, "crash"));
        return PodnetCtl.EXIT_OK;
    }
}
