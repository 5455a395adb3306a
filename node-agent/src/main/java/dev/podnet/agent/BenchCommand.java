package dev.podnet.agent;

import dev.podnet.agent.bench.BenchException;
import dev.podnet.agent.bench.LatencySummary;
import dev.podnet.agent.bench.OverlayBenchmark;
import dev.podnet.dataplane.IdleMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code podnet bench}: measurements of the running system, as opposed to the JMH micro-benchmarks.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measures podnet end to end. Benchmarks: overlay, cluster, idle.",
    subcommands = {BenchCommand.Overlay.class, ClusterBenchCommand.class, IdleBenchCommand.class})
final class BenchCommand implements Runnable
{
    /** Idle CPU an agent may use in the default (efficient) mode: ten agents share two cores. */
    static final double IDLE_CORES_TARGET = 0.03;
    /** Pod ping p50 at most this times raw Aeron's. */
    static final double RTT_RATIO_TARGET = 1.5;
    /** Pod UDP throughput at least this share of raw Aeron's. */
    static final double THROUGHPUT_RATIO_TARGET = 0.5;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark (try: podnet bench overlay)");
    }

    /**
     * {@code podnet bench overlay}: two agents in two JVMs, pod traffic next to raw Aeron between the
     * same two JVMs, with the same idle strategy, in one run.
     */
    @Command(
        name = "overlay",
        mixinStandardHelpOptions = true,
        description = {
            "Two agents in two JVMs: idle CPU, pod ping and pod UDP and TCP throughput next to raw Aeron between the same JVMs.",
            "",
            "Runs node-a in this JVM and node-b in a second JVM, connected by the Aeron tunnel on 127.0.0.1, and measures " +
                "in one run and with one idle mode: idle CPU of each JVM; pod ping a-1 -> b-1 round trips next to raw Aeron " +
                "ping-pong between the same two JVMs (own INVOKER-mode drivers, same MTU, term length and idle strategy); " +
                "pod UDP throughput (1400-byte payloads, and the largest unfragmented one) and pod TCP throughput (one " +
                "connection to the discard service) next to raw Aeron throughput " +
                "(1400-byte messages). The nodes' tunnels and the raw endpoints share one underlay MTU (--underlay-mtu); " +
                "the pod MTU follows from it (1413 for 1500, 8901 for 9000). Prints the ratios and whether the targets " +
                "are met: idle <= 0.03 core per agent (efficient mode), pod RTT p50 <= 1.5 x raw, pod UDP and pod TCP " +
                "throughput >= 50%% of raw.",
            "Exit code 0 when measured (even if a target is missed), 1 when the second JVM or a node fails, 2 on bad usage."})
    static final class Overlay implements Callable<Integer>
    {
        @Option(names = "--idle-mode", defaultValue = "efficient",
            description = "idle strategy of both nodes and both raw endpoints: efficient, low-latency, sleeping, busy-spin " +
                "(default ${DEFAULT-VALUE})")
        String idleMode;

        @Option(names = "--underlay-mtu", paramLabel = "BYTES", defaultValue = "1500",
            description = "underlay MTU of both nodes' tunnels and of the raw Aeron endpoints (1280..9216, default ${DEFAULT-VALUE}); " +
                "the pod MTU is what the tunnel then carries in one datagram")
        int underlayMtu;

        @Option(names = "--pings", defaultValue = "2000", description = "round trips measured, pod and raw each (1..10000, default ${DEFAULT-VALUE})")
        int pings;

        @Option(names = "--warmup", defaultValue = "500", description = "round trips before those, not counted (0..10000, default ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--seconds", defaultValue = "3", description = "duration of each throughput run (1..600, default ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--idle-seconds", defaultValue = "10", description = "duration of the idle CPU measurement (1..600, default ${DEFAULT-VALUE})")
        int idleSeconds;

        @Option(names = "--settle-seconds", defaultValue = "3",
            description = "pause before the idle measurement, for start-up JIT and GC to finish (0..60, default ${DEFAULT-VALUE})")
        int settleSeconds;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Probes are paced like {@code ping -i 0.002}: one in flight at a time at these round trips, and a steady rate. */
        static final Duration PING_INTERVAL = Duration.ofMillis(2);

        @Override
        public Integer call()
        {
            final OverlayBenchmark.Settings settings = validate();
            final PrintWriter out = spec.commandLine().getOut();
            final String commandLine = String.format(Locale.ROOT,
                "podnet bench overlay --idle-mode %s --underlay-mtu %d --pings %d --warmup %d --seconds %d --idle-seconds %d " +
                    "--settle-seconds %d",
                settings.idleMode().settingName(), settings.underlayMtu(), pings, warmup, seconds, idleSeconds, settleSeconds);
            out.printf("podnet bench overlay, %s, idle mode %s, underlay MTU %d, %d CPUs, Java %s (%s)%n",
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                settings.idleMode().settingName(), settings.underlayMtu(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"));
            out.printf("command: %s%n%n", commandLine);
            out.flush();
            final OverlayBenchmark.Report report;
            try
            {
                report = OverlayBenchmark.run(settings, out, System.err);
            }
            catch (final BenchException ex)
            {
                out.flush();
                spec.commandLine().getErr().printf("podnet bench overlay: %s%n", ex.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            }
            print(out, report, commandLine);
            out.flush();
            return 0;
        }

        private OverlayBenchmark.Settings validate()
        {
            final CommandLine cmd = spec.commandLine();
            final IdleMode mode;
            try
            {
                mode = IdleMode.parse(idleMode);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(cmd, "--idle-mode: " + ex.getMessage());
            }
            requireRange(cmd, "--underlay-mtu", underlayMtu, 1280, 9216);
            requireRange(cmd, "--pings", pings, 1, 10_000);
            requireRange(cmd, "--warmup", warmup, 0, 10_000);
            requireRange(cmd, "--seconds", seconds, 1, 600);
            requireRange(cmd, "--idle-seconds", idleSeconds, 1, 600);
            requireRange(cmd, "--settle-seconds", settleSeconds, 0, 60);
            return new OverlayBenchmark.Settings(mode, underlayMtu, pings, warmup, PING_INTERVAL, Duration.ofSeconds(seconds),
                Duration.ofSeconds(idleSeconds), Duration.ofSeconds(settleSeconds));
        }

        private static void requireRange(final CommandLine cmd, final String option, final int value, final int min, final int max)
        {
            if (value < min || value > max)
            {
                throw new CommandLine.ParameterException(cmd, option + " must be " + min + ".." + max + ": " + value);
            }
        }

        private static void print(final PrintWriter out, final OverlayBenchmark.Report report, final String commandLine)
        {
            final OverlayBenchmark.Settings settings = report.settings();
            out.printf("%nresults, one run, idle mode %s%n", settings.idleMode().settingName());
            out.printf("  node-a: this JVM (pid %d); node-b: child JVM (pid %d); tunnel on 127.0.0.1%n",
                report.parentPid(), report.childPid());
            out.printf("  underlay MTU %d, Aeron MTU %d (up to %d B per frame), pod MTU %d%s%n", settings.underlayMtu(),
                report.aeronMtu(), report.maxRawPayload(), report.podMtu(), report.podMtu() < report.tunnelMtu() ?
                    " (the tunnel carries " + report.tunnelMtu() + ", a pod's MTU is at most " + report.podMtu() + ")" : "");
            out.printf("  raw Aeron: a second INVOKER-mode media driver in each JVM, same MTU, term length and idle strategy%n%n");

            final boolean efficient = settings.idleMode() == IdleMode.EFFICIENT;
            out.printf("%-52s %8s   %s%n", "idle CPU, " + settings.idle().toSeconds() + " s, no traffic (all threads)", "cores",
                efficient ? "target <= " + fixed(IDLE_CORES_TARGET, 3) + " (efficient mode)" : "(target applies to efficient mode)");
            idleRow(out, "  node-a JVM (parent)", report.idle().parentCores(), efficient);
            idleRow(out, "  node-b JVM (child)", report.idle().childCores(), efficient);

            out.printf("%n%-52s %8s %8s %8s %6s   %s%n",
                "round trip, " + settings.pings() + " probes " + settings.pingInterval().toMillis() + " ms apart",
                "p50 us", "p99 us", "max us", "lost", "CPU a / b");
            rttRow(out, report.podPing(), "  pod ping a-1 -> b-1, " + OverlayBenchmark.PING_PAYLOAD + " B");
            rttRow(out, report.rawPing(), "  raw Aeron ping-pong");
            final long podP50 = report.podPing().latency().p50Nanos();
            final long rawP50 = report.rawPing().latency().p50Nanos();
            final double rttRatio = podP50 < 0 || rawP50 <= 0 ? Double.NaN : (double)podP50 / rawP50;
            out.printf("%-52s %8s   target <= %s  %s%n", "  ratio pod p50 / raw p50", fixed(rttRatio, 2),
                fixed(RTT_RATIO_TARGET, 2), verdict(rttRatio, rttRatio <= RTT_RATIO_TARGET));
            drops(out, "pod ping", report.podPing().parentDrops(), report.podPing().childDrops());

            out.printf("%n%-52s %11s %8s %11s %9s   %s%n", "throughput, " + settings.flood().toSeconds() + " s each",
                "delivered/s", "MB/s", "offered/s", "delivered", "CPU a / b");
            final OverlayBenchmark.Throughput raw = report.rawFlood();
            final OverlayBenchmark.Throughput pod = report.podFlood();
            final OverlayBenchmark.Throughput podMtu = report.podFloodMtu();
            final OverlayBenchmark.Throughput tcp = report.podTcp();
            throughputRow(out, pod, "  pod UDP " + pod.size() + " B payload " + podPieces(pod, report.podMtu()));
            throughputRow(out, podMtu, "  pod UDP " + podMtu.size() + " B payload " + podPieces(podMtu, report.podMtu()));
            throughputRow(out, tcp, "  pod TCP, 1 connection (MSS " + tcp.size() + ", " + report.podTcpRetransmits() + " retr.)");
            throughputRow(out, raw, "  raw Aeron " + raw.size() + " B messages " + rawPieces(raw));
            final double ratio = pod.megabytesPerSecond() / raw.megabytesPerSecond();
            final double ratioMtu = podMtu.megabytesPerSecond() / raw.megabytesPerSecond();
            out.printf("%-52s %11s   target >= %s  %s%n", "  ratio pod / raw (MB/s), " + pod.size() + " B",
                fixed(ratio, 2), fixed(THROUGHPUT_RATIO_TARGET, 2), verdict(ratio, ratio >= THROUGHPUT_RATIO_TARGET));
            out.printf("%-52s %11s   (the largest unfragmented payload, for comparison)%n",
                "  ratio pod / raw (MB/s), " + podMtu.size() + " B", fixed(ratioMtu, 2));
            final double ratioTcp = tcp.megabytesPerSecond() / raw.megabytesPerSecond();
            out.printf("%-52s %11s   target >= %s  %s%n", "  ratio pod TCP / raw (MB/s)",
                fixed(ratioTcp, 2), fixed(THROUGHPUT_RATIO_TARGET, 2), verdict(ratioTcp, ratioTcp >= THROUGHPUT_RATIO_TARGET));
            out.printf("  fragmented?%n");
            out.printf("    pod UDP %d B: %s%n", pod.size(), podFragmented(pod, report.podMtu()));
            out.printf("    pod UDP %d B: %s%n", podMtu.size(), podFragmented(podMtu, report.podMtu()));
            out.printf("    raw Aeron %d B: %s%n", raw.size(), raw.fragments() == 1 ?
                "no, up to " + report.maxRawPayload() + " B per Aeron frame" :
                "yes, " + raw.fragments() + " Aeron frames each (up to " + report.maxRawPayload() + " B per frame)");
            drops(out, "pod UDP " + pod.size() + " B", pod.parentDrops(), pod.childDrops());
            drops(out, "pod UDP " + podMtu.size() + " B", podMtu.parentDrops(), podMtu.childDrops());
            drops(out, "pod TCP", tcp.parentDrops(), tcp.childDrops());
            out.printf("%ncommand: %s%n", commandLine);
            out.printf("node-b JVM: %s%n", String.join(" ", report.childCommand()));
        }

        private static void idleRow(final PrintWriter out, final String label, final double cores, final boolean judged)
        {
            out.printf("%-52s %8s   %s%n", label, fixed(cores, 3), judged ? verdict(cores, cores <= IDLE_CORES_TARGET) : "");
        }

        private static void rttRow(final PrintWriter out, final OverlayBenchmark.RoundTrips rtt, final String label)
        {
            final LatencySummary latency = rtt.latency();
            out.printf("%-52s %8s %8s %8s %6d   %s / %s%n", label + " (" + rtt.messageLength() + " B tunnel message)",
                micros(latency.p50Nanos()), micros(latency.p99Nanos()), micros(latency.maxNanos()), latency.lost(),
                fixed(rtt.cpu().parentCores(), 2), fixed(rtt.cpu().childCores(), 2));
        }

        private static void throughputRow(final PrintWriter out, final OverlayBenchmark.Throughput row, final String label)
        {
            final double share = row.offered() == 0 ? 0 : 100.0 * row.delivered() / row.offered();
            out.printf("%-52s %,11.0f %8s %,11.0f %8s%%   %s / %s%n", label, row.deliveredPerSecond(),
                fixed(row.megabytesPerSecond(), 1), row.offeredPerSecond(), fixed(share, 1),
                fixed(row.cpu().parentCores(), 2), fixed(row.cpu().childCores(), 2));
        }

        /** "(1 packet, MTU 1413)" or "(2 IPv4 fragments)". */
        private static String podPieces(final OverlayBenchmark.Throughput row, final int podMtu)
        {
            return row.fragments() == 1 ? "(1 packet, MTU " + podMtu + ")" : "(" + row.fragments() + " IPv4 fragments)";
        }

        private static String rawPieces(final OverlayBenchmark.Throughput row)
        {
            return row.fragments() == 1 ? "(1 Aeron frame)" : "(" + row.fragments() + " Aeron frames)";
        }

        private static String podFragmented(final OverlayBenchmark.Throughput row, final int podMtu)
        {
            final int packet = row.size() + 28;
            return row.fragments() == 1 ? "no, " + packet + "-byte packets, pod MTU " + podMtu + ": 1 tunnel message each" :
                "yes, " + packet + "-byte packets > pod MTU " + podMtu + ": " + row.fragments() + " IPv4 fragments, " +
                    row.fragments() + " tunnel messages each";
        }

        private static void drops(final PrintWriter out, final String what, final Map<String, Long> parent, final Map<String, Long> child)
        {
            if (!parent.isEmpty() || !child.isEmpty())
            {
                out.printf("  drops during %s: node-a %s, node-b %s%n", what, text(parent), text(child));
            }
        }

        private static String text(final Map<String, Long> drops)
        {
            return drops.isEmpty() ? "none" : drops.toString();
        }

        private static String micros(final long nanos)
        {
            return nanos < 0 ? "-" : fixed(nanos / 1e3, 1);
        }

        private static String fixed(final double value, final int decimals)
        {
            return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
        }

        private static String verdict(final double value, final boolean met)
        {
            if (Double.isNaN(value))
            {
                return "n/a";
            }
            return met ? "met" : "MISSED";
        }
    }
}
