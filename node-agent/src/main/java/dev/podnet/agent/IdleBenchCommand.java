package dev.podnet.agent;

import dev.podnet.agent.bench.IdleBenchmark;
import dev.podnet.agent.demo.AgentLaunch;
import dev.podnet.agent.demo.DemoCluster;
import dev.podnet.agent.demo.DemoConsole;
import dev.podnet.agent.demo.DemoLayout;
import dev.podnet.transport.TunnelConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code podnet bench idle}: a demo cluster started, checked once, then measured idle; see
 * {@link IdleBenchmark}.
 */
@Command(
    name = "idle",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "What an idle agent costs: starts N agents at once as podnet demo does (cluster mode on 127.0.0.1, the pods, the " +
            "all-pairs check), lets them settle, then measures each agent JVM's CPU over a window (every thread) and its " +
            "memory (RSS, and PSS: shared pages charged in equal parts), and prints them with each agent's time to Ready " +
            "and the machine's load average. Then stops the cluster.",
        "Targets: idle <= " + IdleBenchmark.IDLE_CORES_TARGET + " core and RSS <= " + IdleBenchmark.RSS_TARGET_MB +
            " MB per agent, " + IdleBenchmark.READY_TARGET_NODES + " agents Ready in <= 20 s.",
        "Exit code 0 when measured (targets met or not), 1 when the cluster failed, 2 on bad usage."})
final class IdleBenchCommand implements Callable<Integer>
{
    @Option(names = "--nodes", paramLabel = "N", defaultValue = "10",
        description = "agents to start, 1.." + DemoLayout.MAX_NODES + " (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--agents-per-jvm", paramLabel = "K", defaultValue = "0",
        description = "node agents per JVM (podnet pack), as podnet demo's option (default: 1 up to " + DemoLayout.MAX_JVMS +
            " nodes, else " + DemoLayout.DEFAULT_PACK + ")")
    int agentsPerJvm;

    @Option(names = "--pods", paramLabel = "N", defaultValue = "10",
        description = "pods per agent, 0.." + DemoLayout.MAX_PODS_PER_NODE + " (default ${DEFAULT-VALUE})")
    int pods;

    @Option(names = "--settle-seconds", paramLabel = "S", defaultValue = "30",
        description = "pause between the check and the measurement, for start-up JIT compilation and the check's garbage " +
            "(0..600, default ${DEFAULT-VALUE})")
    int settleSeconds;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "60",
        description = "how long idle CPU is measured (5..3600, default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--jfr", paramLabel = "DIR",
        description = "record each agent JVM with JFR (profile settings) over the window, into DIR/node-1.jfr, ... " +
            "(needs jcmd, i.e. a JDK)")
    Path jfr;

    @Option(names = "--agent-jvm-options", paramLabel = "OPTIONS", defaultValue = AgentLaunch.DEFAULT_JVM_OPTIONS,
        description = "JVM options of every agent, space-separated (default \"${DEFAULT-VALUE}\")")
    String agentJvmOptions;

    @Option(names = "--idle-mode", paramLabel = "MODE", defaultValue = "efficient",
        description = "the agents' data-plane idle strategy (default ${DEFAULT-VALUE})")
    String idleMode;

    @Option(names = "--tunnel-idle-ms", paramLabel = "MS", defaultValue = "" + TunnelConfig.DEFAULT_PEER_IDLE_MS,
        description = "the agents' --tunnel-idle-ms; 0: their tunnels never close, heartbeats every 100 ms to every peer " +
            "(default ${DEFAULT-VALUE})")
    String tunnelIdleMs;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "18080",
        description = "node-1's API port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE}: beside a running demo)")
    int apiPort;

    @Option(names = "--cluster-port", paramLabel = "PORT", defaultValue = "12552",
        description = "node-1's cluster port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE})")
    int clusterPort;

    @Option(names = "--tunnel-port", paramLabel = "PORT", defaultValue = "18472",
        description = "node-1's tunnel UDP port; node i takes PORT + i - 1 (default ${DEFAULT-VALUE})")
    int tunnelPort;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "180",
        description = "how long every node has to become Ready (default ${DEFAULT-VALUE})")
    int readyTimeout;

    @Option(names = "--logs", paramLabel = "DIR",
        description = "write the agents' logs to DIR and keep them (default: a temporary directory, removed when all went fine)")
    Path logs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final CommandLine cmd = spec.commandLine();
        if (settleSeconds < 0 || settleSeconds > 600)
        {
            throw new CommandLine.ParameterException(cmd, "--settle-seconds: " + settleSeconds + " is outside 0..600");
        }
        if (seconds < 5 || seconds > 3600)
        {
            throw new CommandLine.ParameterException(cmd, "--seconds: " + seconds + " is outside 5..3600");
        }
        if (jfr != null)
        {
            if (IdleBenchmark.jcmd().isEmpty())
            {
                throw new CommandLine.ParameterException(cmd, "--jfr: no jcmd in " + System.getProperty("java.home") +
                    " (a JRE): run the bench with a JDK's java");
            }
            Files.createDirectories(jfr);
        }
        final long idleMs = DemoCommand.tunnelIdleMs(cmd, tunnelIdleMs);
        final DemoLayout layout = DemoCommand.validate(cmd, nodes, agentsPerJvm, pods, apiPort, clusterPort, tunnelPort, idleMode, readyTimeout, 20);

        final List<String> options = new ArrayList<>(List.of("--nodes", Integer.toString(nodes), "--pods", Integer.toString(pods),
            "--settle-seconds", Integer.toString(settleSeconds), "--seconds", Integer.toString(seconds)));
        if (agentsPerJvm != 0)
        {
            options.addAll(List.of("--agents-per-jvm", Integer.toString(agentsPerJvm)));
        }
        if (!agentJvmOptions.equals(AgentLaunch.DEFAULT_JVM_OPTIONS))
        {
            options.addAll(List.of("--agent-jvm-options", "\"" + agentJvmOptions + "\""));
        }
        if (!idleMode.equals("efficient"))
        {
            options.addAll(List.of("--idle-mode", idleMode));
        }
        if (idleMs != TunnelConfig.DEFAULT_PEER_IDLE_MS)
        {
            options.addAll(List.of("--tunnel-idle-ms", Long.toString(idleMs)));
        }
        final String commandLine = "podnet bench idle " + String.join(" ", options);
        final DemoConsole console = new DemoConsole(cmd.getOut(), cmd.getErr());
        console.line("podnet bench idle, %s, %d CPUs, Java %s, load average %s",
            ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            dev.podnet.agent.bench.ProcessStats.loadAverage());

        final Path state = Files.createTempDirectory("podnet-bench-idle-state");
        try
        {
            final DemoCluster.Options demo = new DemoCluster.Options(Duration.ofSeconds(readyTimeout), Duration.ofSeconds(20),
                DemoCluster.checkTimeout(layout.nodes().size(), Runtime.getRuntime().availableProcessors()), logs, false);
            final IdleBenchmark bench = new IdleBenchmark(Duration.ofSeconds(settleSeconds), Duration.ofSeconds(seconds), jfr,
                commandLine);
            return new DemoCluster(layout, AgentLaunch.ofThisJvm(agentJvmOptions, idleMode, idleMs,
                DemoCluster.acceptablePauseMs(layout.nodes().size(), Runtime.getRuntime().availableProcessors()), state), demo, console, bench).run();
        }
        finally
        {
            deleteTree(state);
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (var tree = Files.walk(root))
        {
            for (final Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
