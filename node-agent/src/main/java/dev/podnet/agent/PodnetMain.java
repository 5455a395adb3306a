package dev.podnet.agent;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code podnet}: the node agent's command line.
 */
@Command(
    name = "podnet",
    mixinStandardHelpOptions = true,
    versionProvider = PodnetMain.Version.class,
    description = "An emulated Kubernetes pod network on the JVM.",
    subcommands = {AgentCommand.class, DemoCommand.class, BenchCommand.class, BenchPeerCommand.class, CommandLine.HelpCommand.class})
public final class PodnetMain implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: podnet demo, or podnet agent --help)");
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine()
    {
        return new CommandLine(new PodnetMain()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = PodnetMain.class.getPackage().getImplementationVersion();
            return new String[] {"podnet " + (version == null ? "(development build)" : version)};
        }
    }
}
