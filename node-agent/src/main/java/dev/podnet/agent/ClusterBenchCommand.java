package dev.podnet.agent;

import dev.podnet.agent.demo.DemoCluster;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.sync.bench.ClusterBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code podnet bench cluster}: how fast the control plane moves, with the settings a user gets.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Runs N node agents (Akka cluster, Aeron tunnel, data plane each) in this JVM and measures the time from " +
        "'pod created on a node' to 'routable from every other node' (p50/p99 over many pods), then the time from an " +
        "agent's abrupt death to its route being gone on every other node. Targets: propagation p99 <= 300 ms, " +
        "withdrawal <= 6 s. Exit code 0 when it measured (targets met or not), 1 when the cluster failed, 2 on bad usage.")
final class ClusterBenchCommand implements Callable<Integer>
{
    @Option(names = "--nodes", defaultValue = "3", description = "node agents (2..50, default ${DEFAULT-VALUE}); they share " +
        "this JVM as podnet pack's agents do")
    int nodes;

    @Option(names = "--pods", defaultValue = "200", description = "pods created and timed (1..5000, default ${DEFAULT-VALUE})")
    int pods;

    @Option(names = "--spacing-ms", defaultValue = "20", description = "pause between pod creations (0..1000 ms, default ${DEFAULT-VALUE})")
    int spacingMs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call()
    {
        final CommandLine cmd = spec.commandLine();
        if (nodes < 2 || nodes > 50)
        {
            throw new CommandLine.ParameterException(cmd, "--nodes must be 2..50: " + nodes);
        }
        if (pods < 1 || pods > 5000)
        {
            throw new CommandLine.ParameterException(cmd, "--pods must be 1..5000: " + pods);
        }
        if (spacingMs < 0 || spacingMs > 1000)
        {
            throw new CommandLine.ParameterException(cmd, "--spacing-ms must be 0..1000: " + spacingMs);
        }
        final PrintWriter out = cmd.getOut();
        // the pause podnet demo gives as many agents on this many CPUs: the figures are a demo's
        final int cpus = Runtime.getRuntime().availableProcessors();
        final long crowdedPauseMs = DemoCluster.acceptablePauseMs(nodes, cpus);
        final long pauseMs = crowdedPauseMs > 0 ? crowdedPauseMs : ControlPlaneSettings.DEFAULT_ACCEPTABLE_PAUSE.toMillis();
        final ClusterBenchmark.Result result;
        try
        {
            result = ClusterBenchmark.run(nodes, pods, Duration.ofMillis(spacingMs), Duration.ofMillis(pauseMs), out);
        }
        catch (final RuntimeException ex)
        {
            cmd.getErr().println("bench cluster failed: " + ex.getMessage());
            return 1;
        }
        final double p50 = result.percentile(50) / 1e6;
        final double p99 = result.percentile(99) / 1e6;
        final double max = result.percentile(100) / 1e6;
        final double withdrawal = result.withdrawalNanos() / 1e9;
        out.printf("%n%-52s %s%n", "nodes / pods timed", nodes + " / " + pods);
        out.printf("%-52s %.1f / %.1f / %.1f ms   target p99 <= 300 ms: %s%n",
            "propagation to every node, p50 / p99 / max", p50, p99, max, p99 <= 300 ? "met" : "MISSED");
        out.printf("%-52s %.2f s   target <= 6 s: %s%n",
            "withdrawal after an abrupt death, slowest node", withdrawal, withdrawal <= 6 ? "met" : "MISSED");
        out.printf("%-52s %.1f s%s%n", "acceptable heartbeat pause", pauseMs / 1000.0,
            pauseMs == ControlPlaneSettings.DEFAULT_ACCEPTABLE_PAUSE.toMillis() ? "" :
                " (podnet demo's for " + nodes + " nodes on " + cpus + " CPUs: the 6 s target is for the default 3 s)");
        out.printf("command: podnet bench cluster --nodes %d --pods %d --spacing-ms %d%n", nodes, pods, spacingMs);
        out.flush();
        return 0;
    }
}
