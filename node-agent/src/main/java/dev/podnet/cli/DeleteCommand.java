package dev.podnet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code podnetctl delete pod|svc|ns NAME}, {@code podnetctl delete -f FILE}.
 */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Deletes a pod, a Service, a namespace (with its pods and Services), or what a manifest holds (-f).",
    subcommands = {DeleteCommand.Pod.class, DeleteCommand.Service.class, DeleteCommand.Namespace.class},
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl delete pod web", "  podnetctl delete svc web -n shop", "  podnetctl delete ns shop",
        "  podnetctl delete -f app.yaml"})
final class DeleteCommand extends Verb
{
    @picocli.CommandLine.Option(names = {"-f", "--filename"}, paramLabel = "FILE",
        description = "delete what this manifest holds (- for standard input)")
    String file;

    @Override
    int run()
    {
        if (file == null)
        {
            throw usage("missing resource type: pod, service or namespace (or -f FILE)");
        }
        return ApplyCommand.sendManifest(this, file, "/api/v1/delete", "delete");
    }

    @Command(
        name = "service",
        aliases = {"services", "svc"},
        mixinStandardHelpOptions = true,
        description = "Deletes a Service of the namespace -n names (default); its ClusterIP may be given again.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl delete svc web", "  # service/web deleted"})
    static final class Service extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the Service")
        String name;

        @Override
        int run()
        {
            api().delete(namespacePath() + "/services/" + ApiClient.segment(name));
            out().println("service/" + name + " deleted");
            return PodnetCtl.EXIT_OK;
        }
    }

    @Command(
        name = "namespace",
        aliases = {"namespaces", "ns"},
        mixinStandardHelpOptions = true,
        description = "Deletes a namespace with its pods and Services (default, kube-system, kube-public and kube-node-lease " +
            "cannot be deleted).",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl delete ns shop", "  # namespace/shop deleted"})
    static final class Namespace extends Verb
    {
        @Parameters(paramLabel = "NAME", description = "the namespace")
        String name;

        @Override
        int run()
        {
            api().delete("/api/v1/namespaces/" + ApiClient.segment(name));
            out().println("namespace/" + name + " deleted");
            return PodnetCtl.EXIT_OK;
        }
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
            api().delete(podPath(name));
            out().println("pod/" + name + " deleted");
            return PodnetCtl.EXIT_OK;
        }
    }
}
