package dev.podnet.agent;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code podnet agent}: runs one node agent as a process (tunnel, data plane, HTTP API) until the JVM
 * is asked to stop. Every setting comes from a flag or an environment variable (the flag wins); see
 * {@link AgentSettings} for the names, defaults and checks.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs a node agent: the node's pods, bridge and router, the tunnel to other nodes and the HTTP API, " +
            "until stopped (SIGTERM, Ctrl-C).",
        "Every option can also be set by the environment variable named in its description; the option wins.",
        "Exit codes: 1 when something cannot start (a port in use, ...), 2 on a bad setting."})
final class AgentCommand implements Callable<Integer>
{
    @Option(names = "--node", paramLabel = "NAME",
        description = "PODNET_NODE_NAME: the node's name, a DNS-1123 label (default: the host name up to its first dot, lower-cased)")
    String node;

    @Option(names = "--pod-cidr", paramLabel = "CIDR",
        description = "PODNET_POD_CIDR: the node's pod CIDR, a /16../28, e.g. 10.244.1.0/24 (required)")
    String podCidr;

    @Option(names = "--tunnel-bind", paramLabel = "ADDRESS",
        description = "PODNET_TUNNEL_BIND: address the tunnel listens on (default 0.0.0.0)")
    String tunnelBind;

    @Option(names = "--tunnel-port", paramLabel = "PORT",
        description = "PODNET_TUNNEL_PORT: the tunnel's UDP port (default 8472, the Linux VXLAN port)")
    String tunnelPort;

    @Option(names = "--underlay-mtu", paramLabel = "BYTES",
        description = "PODNET_UNDERLAY_MTU: MTU of the network between nodes, 1280..9216 (default 1500)")
    String underlayMtu;

    @Option(names = "--network-id", paramLabel = "ID",
        description = "PODNET_NETWORK_ID: the overlay's id, 1..16777215; frames of other networks are dropped (default 1)")
    String networkId;

    @Option(names = "--pod-mtu", paramLabel = "BYTES",
        description = "PODNET_POD_MTU: the pods' MTU (default: the most the tunnel carries in one datagram, " +
            "1413 with a 1500 underlay, see docs/MTU.md; larger is an error)")
    String podMtu;

    @Option(names = "--api-bind", paramLabel = "ADDRESS",
        description = "PODNET_API_BIND: address the HTTP API listens on (default 0.0.0.0)")
    String apiBind;

    @Option(names = "--api-port", paramLabel = "PORT",
        description = "PODNET_API_PORT: the HTTP API's TCP port (default 8080)")
    String apiPort;

    @Option(names = "--idle-mode", paramLabel = "MODE",
        description = "PODNET_IDLE_MODE: how the data-plane thread waits when idle: efficient, low-latency, sleeping, " +
            "busy-spin (default efficient)")
    String idleMode;

    @Option(names = "--peer", paramLabel = "NAME=CIDR@HOST:PORT",
        description = "PODNET_PEERS (comma-separated): another node, whose pod CIDR is routed through the tunnel " +
            "to HOST:PORT; repeatable (static until the control plane)")
    List<String> peers;

    @Option(names = "--pods", paramLabel = "N|NAME,...",
        description = "PODNET_PODS: pods to create at start: a count (3 makes NODE-1..NODE-3) or names (default none)")
    String pods;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final AgentSettings settings;
        try
        {
            settings = AgentSettings.resolve(flags(), System.getenv(), AgentSettings::osHostName);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("podnet agent: " + ex.getMessage());
            err.flush();
            return 2;
        }

        final NodeAgent agent;
        try
        {
            agent = NodeAgent.start(settings);
        }
        catch (final RuntimeException ex)
        {
            err.println("podnet agent: node " + settings.nodeName() + " cannot start: " + ex.getMessage());
            err.flush();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "podnet-shutdown-" + settings.nodeName()));
        agent.awaitClose();
        return 0;
    }

    Map<AgentSettings.Setting, String> flags()
    {
        final Map<AgentSettings.Setting, String> flags = new EnumMap<>(AgentSettings.Setting.class);
        put(flags, AgentSettings.Setting.NODE, node);
        put(flags, AgentSettings.Setting.POD_CIDR, podCidr);
        put(flags, AgentSettings.Setting.TUNNEL_BIND, tunnelBind);
        put(flags, AgentSettings.Setting.TUNNEL_PORT, tunnelPort);
        put(flags, AgentSettings.Setting.UNDERLAY_MTU, underlayMtu);
        put(flags, AgentSettings.Setting.NETWORK_ID, networkId);
        put(flags, AgentSettings.Setting.POD_MTU, podMtu);
        put(flags, AgentSettings.Setting.API_BIND, apiBind);
        put(flags, AgentSettings.Setting.API_PORT, apiPort);
        put(flags, AgentSettings.Setting.IDLE_MODE, idleMode);
        put(flags, AgentSettings.Setting.PEERS, peers == null ? null : String.join(",", peers));
        put(flags, AgentSettings.Setting.PODS, pods);
        return flags;
    }

    private static void put(final Map<AgentSettings.Setting, String> flags, final AgentSettings.Setting setting, final String value)
    {
        if (value != null)
        {
            flags.put(setting, value);
        }
    }
}
