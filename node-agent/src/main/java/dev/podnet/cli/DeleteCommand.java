package dev.podnet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code podnetctl delete pod NAME}.
 */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Deletes a pod.",
    subcommands = DeleteCommand.Pod.class,
    footerHeading = "%nExamples:%n",
    footer = "  podnetctl delete pod web")
final class DeleteCommand extends ResourceVerb
{
    DeleteCommand()
    {
        super("pod");
    }

    @Command(
        name = "pod",
        aliases = {"po"},
        mixinStandardHelpOptions = true,
        description = "Deletes a pod, wherever it runs; its address is not handed out again at once.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl delete pod web", "  # pod/web deleted"})
    static final class Pod extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the pod")
        String name;

        @Override
        int run()
        {
            api().delete("/api/v1/pods/" + ApiClient.segment(name));
            out().println("pod/" + name + " deleted");
            return PodnetCtl.EXIT_OK;
        }
    }
}
