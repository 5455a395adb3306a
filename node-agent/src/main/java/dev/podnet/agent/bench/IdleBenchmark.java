package dev.podnet.agent.bench;

import dev.podnet.agent.demo.DemoCluster;
import dev.podnet.agent.demo.DemoConsole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code podnet bench idle}: what an idle agent costs, measured on a cluster the demo started (every
 * agent at once, as {@code podnet demo} does, the all-pairs check run once), so that anyone can
 * reproduce the figures of docs/BENCHMARKS.md.
 * <ol>
 *   <li>time to Ready: each agent's, from its JVM's start to its {@code /readyz}, and the whole cluster's,
 *       from the first start to the last Ready;</li>
 *   <li>settle for a while (start-up JIT compilation, the check's garbage, the tunnels' first
 *       connections);</li>
 *   <li>idle CPU: the CPU time each agent JVM used over the window (every thread, as the kernel accounts
 *       it), divided by the window's wall time; RSS and PSS at its end ({@link ProcessStats}). With several
 *       agents in one JVM, each agent is charged an equal share;</li>
 *   <li>optionally a JFR recording of each agent JVM over exactly the window ({@code jcmd JFR.start}, the
 *       {@code profile} settings), to see where the time goes.</li>
 * </ol>
 * The machine's load average is printed next to the figures: on a shared box they say little without it.
 */
public final class IdleBenchmark implements DemoCluster.Session
{
    /** Idle CPU an agent may use: ten agents share two cores with room to spare. */
    public static final double IDLE_CORES_TARGET = 0.03;
    /** Resident memory an idle agent with ten pods may use. */
    public static final long RSS_TARGET_MB = 128;
    /** How long ten agents started at once on two cores may take until all are Ready. */
    public static final Duration READY_TARGET = Duration.ofSeconds(20);
    public static final int READY_TARGET_NODES = 10;

    private final Duration settle;
    private final Duration window;
    private final Path jfrDir;
    private final String commandLine;

    /**
     * @param settle      pause between the check and the window
     * @param window      how long idle CPU is measured
     * @param jfrDir      where each agent JVM's recording of the window goes ({@code node-1.jfr}, ...); null for none
     * @param commandLine the command that reproduces the run, printed at the end
     */
    public IdleBenchmark(final Duration settle, final Duration window, final Path jfrDir, final String commandLine)
    {
        this.settle = settle;
        this.window = window;
        this.jfrDir = jfrDir;
        this.commandLine = commandLine;
    }

    /** The {@code jcmd} next to this JVM's {@code java}; empty in a JRE without it. */
    public static Optional<Path> jcmd()
    {
        final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(jcmd) ? Optional.of(jcmd) : Optional.empty();
    }

    @Override
    public int run(final DemoCluster.Running cluster) throws InterruptedException
    {
        final DemoConsole console = cluster.console();
        final Map<Long, List<DemoCluster.RunningNode>> jvms = new LinkedHashMap<>();
        for (final DemoCluster.RunningNode node : cluster.nodes())
        {
            jvms.computeIfAbsent(node.pid(), pid -> new ArrayList<>()).add(node);
        }
        console.line("");
        console.line("settling for %d s, then measuring idle CPU over %d s...", settle.toSeconds(), window.toSeconds());
        if (!cluster.sleep(settle))
        {
            return 0;
        }
        final Map<Long, ProcessStats> before = new LinkedHashMap<>();
        jvms.keySet().forEach(pid -> ProcessStats.of(pid).ifPresent(stats -> before.put(pid, stats)));
        final String loadBefore = ProcessStats.loadAverage();
        final long startedAt = System.nanoTime();
        final List<Path> recordings = jfrDir == null ? List.of() : startRecordings(jvms, console);
        if (!cluster.sleep(window))
        {
            return 0;
        }
        final Duration wall = Duration.ofNanos(System.nanoTime() - startedAt);
        final Map<Long, ProcessStats> after = new LinkedHashMap<>();
        jvms.keySet().forEach(pid -> ProcessStats.of(pid).ifPresent(stats -> after.put(pid, stats)));
        final String loadAfter = ProcessStats.loadAverage();

        console.line("");
        console.line("%-16s %8s %11s %12s %9s %20s %8s", "NODE", "PID", "READY AFTER", "IDLE (cores)", "RSS (MB)",
            "ANON/FILE/SHMEM (MB)", "PSS (MB)");
        final List<Double> cores = new ArrayList<>();
        final List<Double> rss = new ArrayList<>();
        boolean complete = true;
        for (final Map.Entry<Long, List<DemoCluster.RunningNode>> jvm : jvms.entrySet())
        {
            final long pid = jvm.getKey();
            final List<DemoCluster.RunningNode> nodes = jvm.getValue();
            final int agents = nodes.size();
            final String name = agents == 1 ? nodes.get(0).node().name() :
                nodes.get(0).node().name() + ".." + nodes.get(agents - 1).node().name();
            final Duration ready = nodes.stream().map(DemoCluster.RunningNode::readyAfter).max(Duration::compareTo).orElseThrow();
            final ProcessStats start = before.get(pid);
            final ProcessStats end = after.get(pid);
            if (start == null || end == null)
            {
                complete = false;
                console.line("%-16s %8d %11s  (exited during the window: not measured)", name, pid, seconds(ready));
                continue;
            }
            final double perAgent = end.coresSince(start, wall) / agents;
            final double rssPerAgent = megabytes(end.rssKb()) / agents;
            for (int i = 0; i < agents; i++)
            {
                cores.add(perAgent);
                rss.add(rssPerAgent);
            }
            console.line("%-16s %8d %11s %12.4f %9.1f %20s %8s", name, pid, seconds(ready), perAgent, rssPerAgent,
                String.format(Locale.ROOT, "%.0f/%.0f/%.0f", megabytes(end.anonKb()), megabytes(end.fileKb()), megabytes(end.shmemKb())),
                end.pssKb() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", megabytes(end.pssKb()) / agents));
        }
        if (jvms.values().stream().anyMatch(nodes -> nodes.size() > 1))
        {
            console.line("(several agents in one JVM: IDLE, RSS and PSS per agent, the JVM's share; ANON/FILE/SHMEM per JVM)");
        }

        final int nodeCount = cluster.nodes().size();
        final Duration allReady = cluster.allReadyAfter();
        console.line("");
        console.line("%-44s %s   %s", "all " + nodeCount + " nodes Ready after", seconds(allReady),
            nodeCount == READY_TARGET_NODES ?
                "target <= " + READY_TARGET.toSeconds() + " s: " + verdict(allReady.compareTo(READY_TARGET) <= 0) :
                "(the target, " + READY_TARGET.toSeconds() + " s, is for " + READY_TARGET_NODES + " nodes)");
        if (!cores.isEmpty())
        {
            final double meanCores = cores.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            final double maxCores = cores.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            final double meanRss = rss.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            final double maxRss = rss.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            console.line("%-44s %.4f / %.4f cores   target <= %.2f: %s", "idle CPU per agent, mean / max", meanCores, maxCores,
                IDLE_CORES_TARGET, verdict(maxCores <= IDLE_CORES_TARGET));
            console.line("%-44s %.1f / %.1f MB   target <= %d MB: %s", "RSS per agent, mean / max", meanRss, maxRss, RSS_TARGET_MB,
                verdict(maxRss <= RSS_TARGET_MB));
            console.line("%-44s %.3f cores for %d agents", "idle CPU, all agents", cores.stream().mapToDouble(Double::doubleValue).sum(),
                cores.size());
        }
        console.line("%-44s %s at the start, %s at the end (1, 5, 15 min; %d CPUs)", "load average", loadBefore, loadAfter,
            Runtime.getRuntime().availableProcessors());
        if (!recordings.isEmpty())
        {
            awaitRecordings(recordings, console);
        }
        console.line("command: %s", commandLine);
        return complete ? 0 : 1;
    }

    private List<Path> startRecordings(final Map<Long, List<DemoCluster.RunningNode>> jvms, final DemoConsole console)
    {
        final List<Path> files = new ArrayList<>();
        final Path jcmd = jcmd().orElseThrow(() -> new IllegalStateException("no jcmd next to " + System.getProperty("java.home")));
        for (final Map.Entry<Long, List<DemoCluster.RunningNode>> jvm : jvms.entrySet())
        {
            final Path file = jfrDir.resolve(jvm.getValue().get(0).node().name() + ".jfr").toAbsolutePath();
            final List<String> command = List.of(jcmd.toString(), Long.toString(jvm.getKey()), "JFR.start", "name=podnet-bench-idle",
                "settings=profile", "duration=" + window.toSeconds() + "s", "filename=" + file);
            try
            {
                final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                final String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0)
                {
                    console.error("podnet bench idle: cannot record pid %d with JFR: %s", jvm.getKey(), output.trim());
                    continue;
                }
                files.add(file);
            }
            catch (final IOException ex)
            {
                console.error("podnet bench idle: cannot run %s: %s", jcmd, ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return files;
    }

    /** A recording with a duration is written when it ends: give the JVMs a few seconds for it. */
    private static void awaitRecordings(final List<Path> recordings, final DemoConsole console) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && !recordings.stream().allMatch(Files::isRegularFile))
        {
            TimeUnit.MILLISECONDS.sleep(200);
        }
        console.line("%-44s %s", "JFR recordings of the window (profile)", recordings.stream()
            .map(file -> Files.isRegularFile(file) ? file.toString() : file + " (missing)")
            .collect(Collectors.joining(" ")));
    }

    private static double megabytes(final long kilobytes)
    {
        return kilobytes / 1024.0;
    }

    private static String seconds(final Duration duration)
    {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String verdict(final boolean met)
    {
        return met ? "met" : "MISSED";
    }
}
