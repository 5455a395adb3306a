package dev.podnet.agent;

import dev.podnet.agent.demo.AgentLaunch;
import dev.podnet.agent.demo.DemoCluster;
import dev.podnet.agent.demo.DemoConsole;
import dev.podnet.agent.demo.DemoLayout;
import dev.podnet.agent.demo.DemoUsageException;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.transport.TunnelConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code podnet demo}: a local cluster of N agent JVMs on loopback, supervised until Ctrl-C; see
 * {@link DemoCluster} for what happens in which order.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Starts a local cluster: N node agents, each its own JVM (or packed several to a JVM) in cluster mode on 127.0.0.1, with a few pods each " +
            "(a1 a2 on node-1, b1 b2 on node-2, ...). Shows each node as it becomes Ready, runs the all-pairs connectivity " +
            "check, prints how to use podnetctl and the web view, and keeps the agents running: one that exits is " +
            "restarted. Ctrl-C stops them all.",
        "Stopping: Ctrl-C, SIGTERM or SIGHUP stops every agent (each leaves the cluster) and exits 0. Started in the " +
            "background of a script, the demo ignores SIGINT (the shell makes background commands ignore it): stop it " +
            "with kill PID (SIGTERM), as its last line says. Should the demo die without stopping its agents (SIGKILL, out " +
            "of memory), they exit within 5 s on their own (each watches a pipe from the demo), freeing the ports for the " +
            "next demo.",
        "Node i uses the API port --api-port + i - 1, the cluster port --cluster-port + i - 1 and the tunnel port " +
            "--tunnel-port + i - 1.",
        "Exit codes: 0 when stopped by Ctrl-C or SIGTERM, 1 when the cluster could not start, 2 on bad usage (a port in use, ...)."})
public final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
        description = "nodes to start, 1.." + DemoLayout.MAX_NODES + " (default ${DEFAULT-VALUE}; three is the least for the " +
            "split brain resolver to tell a crash from a partition); up to " + DemoLayout.MAX_JVMS + " run a JVM each, more " +
            "are packed (--agents-per-jvm)")
    int nodes;

    @Option(names = "--agents-per-jvm", paramLabel = "K", defaultValue = "0",
        description = "run K node agents in each JVM (podnet pack): each keeps its own cluster member, tunnel, data plane and " +
            "API port, and they share the JVM's classes and heap, so many nodes fit a laptop. A crash of one is then " +
            "POST /api/v1/nodes/NODE/crash (podnetctl crash NODE), not kill -9. Default: 1 up to " + DemoLayout.MAX_JVMS +
            " nodes, else " + DemoLayout.DEFAULT_PACK + "; at most " + DemoLayout.MAX_JVMS + " JVMs")
    int agentsPerJvm;

    @Option(names = "--pods", paramLabel = "N", defaultValue = "2",
        description = "pods per node, 0.." + DemoLayout.MAX_PODS_PER_NODE + " (default ${DEFAULT-VALUE})")
    int pods;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + AgentSettings.DEFAULT_API_PORT,
        description = "node-1's HTTP API port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE})")
    int apiPort;

    @Option(names = "--cluster-port", paramLabel = "PORT", defaultValue = "" + ControlPlaneSettings.DEFAULT_CLUSTER_PORT,
        description = "node-1's cluster (Akka) TCP port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE})")
    int clusterPort;

    @Option(names = "--tunnel-port", paramLabel = "PORT", defaultValue = "" + TunnelConfig.DEFAULT_PORT,
        description = "node-1's tunnel UDP port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE}, the agent's)")
    int tunnelPort;

    @Option(names = "--idle-mode", paramLabel = "MODE", defaultValue = "efficient",
        description = "the agents' data-plane idle strategy: efficient, low-latency, sleeping, busy-spin (default " +
            "${DEFAULT-VALUE}: cheap when idle; the others cost about a core per agent)")
    String idleMode;

    @Option(names = "--tunnel-idle-ms", paramLabel = "MS", defaultValue = "" + TunnelConfig.DEFAULT_PEER_IDLE_MS,
        description = "the agents' --tunnel-idle-ms: a peer's tunnel closes after this long without a frame sent to it and " +
            "comes back with the next frame; 0 (never) or 100..3600000 (default ${DEFAULT-VALUE})")
    String tunnelIdleMs;

    @Option(names = "--acceptable-pause-ms", paramLabel = "MS",
        description = "the agents' --acceptable-pause-ms: heartbeats missed this long make a node unreachable and its routes " +
            "withdrawn (1001..600000; default 3000, the agent's, or " + DemoCluster.CROWDED_PAUSE_MS + " when there are more " +
            "nodes than the CPUs carry, " + DemoCluster.CPU_NODES + " per 2 CPUs: a pack starting on a crowded box delays " +
            "every JVM's heartbeats by seconds, and with 3 s the split brain resolver downed the whole cluster)")
    Integer acceptablePauseMs;

    @Option(names = "--agent-jvm-options", paramLabel = "OPTIONS", defaultValue = AgentLaunch.DEFAULT_JVM_OPTIONS,
        description = "JVM options of every agent, space-separated (default \"${DEFAULT-VALUE}\"). The agents also share " +
            "a class archive (AppCDS) in ~/.cache/podnet that node-1 writes when it first stops; -Xshare:off here goes without")
    String agentJvmOptions;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "0",
        description = "how long every node has to become Ready at start (default 90, or 45 per JVM when agents are packed: " +
            "packs start one after another)")
    int readyTimeout;

    // 30 s as Kubernetes' terminationGracePeriodSeconds and the compose file's stop_grace_period: an agent's graceful
    // leave is bounded by its control plane's 20 s wait, and a bound of 20 s here killed a slow leave just before its end
    @Option(names = "--stop-timeout", paramLabel = "SECONDS", defaultValue = "30",
        description = "after Ctrl-C, how long the agents have to leave the cluster before they are killed (default ${DEFAULT-VALUE})")
    int stopTimeout;

    @Option(names = "--logs", paramLabel = "DIR",
        description = "write the agents' logs (node-1.log, ...) to DIR and keep them (default: a new podnet-demo-* directory " +
            "in the temporary directory, removed at the end if everything went fine)")
    Path logs;

    @Option(names = "--keep-logs", description = "keep the logs even when everything went fine")
    boolean keepLogs;

    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "where the nodes keep their copy of the lease table, one directory per node name (DIR/node-1, ...), " +
            "kept from one demo to the next so that every node gets its CIDR back (default $XDG_STATE_HOME/podnet/demo, " +
            "else ~/.local/state/podnet/demo)")
    Path stateDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final long idleMs = tunnelIdleMs(spec.commandLine(), tunnelIdleMs);
        if (acceptablePauseMs != null && (acceptablePauseMs <= 1000 || acceptablePauseMs > 600_000))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--acceptable-pause-ms: " + acceptablePauseMs +
                " is outside 1001..600000 (longer than the agents' 1 s heartbeat interval, at most 10 minutes)");
        }
        final DemoLayout layout = validate();
        final DemoConsole console = new DemoConsole(spec.commandLine().getOut(), spec.commandLine().getErr());
        final int ready = readyTimeout > 0 ? readyTimeout : layout.packed() ? Math.max(90, 45 * layout.jvms().size()) : 90;
        final DemoCluster.Options options = new DemoCluster.Options(Duration.ofSeconds(ready), Duration.ofSeconds(stopTimeout),
            DemoCluster.checkTimeout(layout.nodes().size(), Runtime.getRuntime().availableProcessors()), logs, keepLogs);
        final Path states = stateDir != null ? stateDir.toAbsolutePath().normalize() :
            AgentSettings.defaultStateDir(System.getenv(), "demo");
        final long pauseMs = acceptablePauseMs != null ? acceptablePauseMs :
            DemoCluster.acceptablePauseMs(layout.nodes().size(), Runtime.getRuntime().availableProcessors());
        return new DemoCluster(layout, AgentLaunch.ofThisJvm(agentJvmOptions, idleMode, idleMs, pauseMs, states), options, console)
            .run();
    }

    /** Every option checked, then every port: a usage error (exit status 2) names the option to change. */
    private DemoLayout validate()
    {
        return validate(spec.commandLine(), nodes, agentsPerJvm, pods, apiPort, clusterPort, tunnelPort, idleMode,
            readyTimeout == 0 ? 90 : readyTimeout, stopTimeout);
    }

    /** The demo's checks, for the commands that start a demo cluster (the demo, {@code bench idle}). */
    static DemoLayout validate(final CommandLine cmd, final int nodes, final int agentsPerJvm, final int pods, final int apiPort,
        final int clusterPort, final int tunnelPort, final String idleMode, final int readyTimeout, final int stopTimeout)
    {
        try
        {
            final DemoLayout layout = DemoLayout.plan(nodes, pods, apiPort, clusterPort, tunnelPort, agentsPerJvm);
            IdleMode.parse(idleMode);
            require(readyTimeout >= 1, "--ready-timeout", readyTimeout + " is less than 1 second");
            require(stopTimeout >= 1, "--stop-timeout", stopTimeout + " is less than 1 second");
            layout.requirePortsFree();
            return layout;
        }
        catch (final DemoUsageException ex)
        {
            throw new CommandLine.ParameterException(cmd, ex.getMessage());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cmd, "--idle-mode: " + ex.getMessage());
        }
    }

    /** The agents' {@code --tunnel-idle-ms}, checked as the agent checks it; a usage error names the option. */
    static long tunnelIdleMs(final CommandLine cmd, final String text)
    {
        try
        {
            return AgentSettings.tunnelIdleMs(text);
        }
        catch (final IllegalArgumentException ex)
        {
            final String label = AgentSettings.Setting.TUNNEL_IDLE.label() + ": ";
            final String message = ex.getMessage().startsWith(label) ? ex.getMessage().substring(label.length()) : ex.getMessage();
            throw new CommandLine.ParameterException(cmd, AgentSettings.Setting.TUNNEL_IDLE.flag() + ": " + message);
        }
    }

    static void require(final boolean condition, final String flag, final String message)
    {
        if (!condition)
        {
            throw new DemoUsageException(flag, message);
        }
    }
}
