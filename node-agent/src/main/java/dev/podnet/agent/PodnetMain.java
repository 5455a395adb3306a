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
    subcommands = {AgentCommand.class, PackCommand.class, DemoCommand.class, BenchCommand.class, BenchPeerCommand.class, CommandLine.HelpCommand.class})
public final class PodnetMain implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: podnet demo, or podnet agent --help)");
    }

    /** How long a host name's address is believed, in seconds: see {@link #forgetAddressesQuickly()}. */
    static final String DNS_TTL_SECONDS = "1";

    public static void main(final String[] args)
    {
        forgetAddressesQuickly();
        System.exit(commandLine().execute(args));
    }

    /**
     * Peers are reached by host name (the seeds, every node's tunnel and API), and a peer that restarts
     * in a container may come back at another address, even at one a second restarted peer had just
     * before (two containers restarted at once swap addresses). The JVM keeps a resolved address for
     * 30 s by default: long enough for the control plane and the tunnels to talk to the wrong node after
     * such a restart (seen in the chaos tests: frames for one node's CIDR sent to the other, cluster
     * associations quarantined). One second, as Kubernetes clients do for service names, and failures
     * not cached. A {@code -Dsun.net.inetaddr.ttl} (or {@code .negative.ttl}) given to the JVM wins.
     */
    static void forgetAddressesQuickly()
    {
        if (System.getProperty("sun.net.inetaddr.ttl") == null)
        {
            java.security.Security.setProperty("networkaddress.cache.ttl", DNS_TTL_SECONDS);
        }
        if (System.getProperty("sun.net.inetaddr.negative.ttl") == null)
        {
            java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
        }
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
