package dev.podnet.cli;

import picocli.CommandLine;

/**
 * A verb whose next word is a resource type ({@code get nodes}, {@code create pod}): the work is done by
 * its subcommands, one per type, so the verb on its own is a usage error (exit 2) that names the types
 * it takes, as kubectl's is.
 */
abstract class ResourceVerb implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final String types;

    /** @param types the types this verb takes, as the error lists them ("nodes or pods") */
    ResourceVerb(final String types)
    {
        this.types = types;
    }

    @Override
    public final void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing resource type: " + types);
    }
}
