package dev.podnet.agent;

import dev.podnet.transport.TunnelConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code podnet pack}: several cluster-mode node agents in one JVM ({@link AgentPack}), each given as the options
 * of {@code podnet agent}.
 */
@Command(
    name = "pack",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs several node agents in this one JVM, each with its own cluster member, tunnel, data plane and API port, as " +
            "if each were a 'podnet agent' process; they share the JVM's classes, compiled code and heap, which is what lets " +
            "50 nodes fit a laptop (podnet demo --nodes 50 packs ten per JVM).",
        "Each --agent is one agent's 'podnet agent' options in one argument, separated by spaces, in cluster mode " +
            "(--seeds); the environment (PODNET_CLUSTER_SECRET, ...) applies to every agent, the options win.",
        "An agent the cluster removes, or one crashed on purpose (POST /api/v1/nodes/NODE/crash: it stops without leaving " +
            "the cluster, as SIGKILL stops a process), is started again in this JVM after 1 s, doubling while it keeps " +
            "dying young. Logs: every agent logs here; its lines name the node.",
        "Stopping: SIGTERM or Ctrl-C stops every agent (each leaves the cluster), the first one last.",
        "Exit codes: 0 when stopped, 1 when an agent cannot start (the others are stopped), 2 on bad usage."},
    footer = {"", "Example: two nodes in one JVM:",
        "  PODNET_CLUSTER_SECRET=0123456789abcdef podnet pack \\",
        "    --agent '--node node-1 --seeds 127.0.0.1:2552 --cluster-port 2552 --api-port 8080 --tunnel-port 8472 --pods 2' \\",
        "    --agent '--node node-2 --seeds 127.0.0.1:2552 --cluster-port 2553 --api-port 8081 --tunnel-port 8473 --pods 2'"})
final class PackCommand implements Callable<Integer>
{
    @Option(names = "--agent", paramLabel = "'OPTIONS'", required = true,
        description = "one agent: its 'podnet agent' options in one argument (quote it), --seeds among them; repeat per agent")
    List<String> agents;

    @Option(names = "--stop-on-stdin-close", paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
        description = "stop every agent as on SIGTERM, within 2 s, when standard input reaches its end (podnet demo's tie " +
            "to its packs; default false)")
    boolean stopOnStdinClose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final List<AgentSettings> settings;
        try
        {
            settings = resolve(agents, System.getenv());
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("podnet pack: " + ex.getMessage());
            err.flush();
            return 2;
        }
        final List<String> names = settings.stream().map(AgentSettings::nodeName).toList();
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging)
        {
            logging.putProperty("node", names.size() == 1 ? names.get(0) : names.get(0) + ".." + names.get(names.size() - 1));
        }
        final long pid = ProcessHandle.current().pid();
        if (stopOnStdinClose)
        {
            SupervisorPipe.watch(System.in, String.join(",", names), SupervisorPipe.GRACE, System::exit,
                () -> names.forEach(name -> TunnelConfig.removeAeronDirectories(name, pid)), Runtime.getRuntime()::halt);
        }
        final AgentPack[] pack = new AgentPack[1];
        final Object lock = new Object();
        final boolean[] stopping = new boolean[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            final AgentPack running;
            synchronized (lock)
            {
                stopping[0] = true;
                running = pack[0];
            }
            if (running != null)
            {
                running.close();
            }
        }, "podnet-shutdown-pack"));
        final AgentPack started;
        try
        {
            started = AgentPack.start(settings);
        }
        catch (final RuntimeException ex)
        {
            err.println("podnet pack: " + ex.getMessage());
            err.flush();
            return 1;
        }
        synchronized (lock)
        {
            if (stopping[0])
            {
                started.close();
                return 0;
            }
            pack[0] = started;
        }
        started.awaitClose();
        return 0;
    }

    /**
     * Every agent's settings, as {@code podnet agent} would resolve them from its options and this environment.
     *
     * @throws IllegalArgumentException naming the agent and its bad option, or two agents that would collide
     */
    static List<AgentSettings> resolve(final List<String> agents, final Map<String, String> env)
    {
        final List<AgentSettings> all = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Set<String> ports = new HashSet<>();
        for (int i = 0; i < agents.size(); i++)
        {
            final String where = "--agent #" + (i + 1);
            final String[] args = agents.get(i).isBlank() ? new String[0] : agents.get(i).trim().split("\\s+");
            final AgentCommand command = new AgentCommand();
            try
            {
                new CommandLine(command).parseArgs(args);
            }
            catch (final CommandLine.ParameterException ex)
            {
                throw new IllegalArgumentException(where + " ('" + agents.get(i) + "'): " + ex.getMessage(), ex);
            }
            final Map<AgentSettings.Setting, String> flags = command.flags();
            if (!flags.containsKey(AgentSettings.Setting.SEEDS) && env.get(AgentSettings.Setting.SEEDS.env()) == null)
            {
                throw new IllegalArgumentException(where + (command.node == null ? "" : " (node " + command.node + ")") +
                    ": a packed agent runs in cluster mode: give it --seeds");
            }
            final AgentSettings settings;
            try
            {
                settings = AgentSettings.resolve(flags, env, AgentSettings::osHostName);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
            }
            if (!names.add(settings.nodeName()))
            {
                throw new IllegalArgumentException(where + ": node " + settings.nodeName() + " is in the pack twice");
            }
            for (final String port : Arrays.asList("api tcp " + settings.apiPort(), "cluster tcp " + settings.cluster().clusterPort(),
                "tunnel udp " + settings.tunnelPort()))
            {
                final String kind = port.substring(0, port.indexOf(' '));
                final String key = port.substring(port.indexOf(' ') + 1);
                if (!ports.add(key))
                {
                    throw new IllegalArgumentException(where + " (node " + settings.nodeName() + "): its " + kind + " port " +
                        key.substring(key.indexOf(' ') + 1) + " is another agent's of this pack");
                }
            }
            all.add(settings);
        }
        return all;
    }
}
