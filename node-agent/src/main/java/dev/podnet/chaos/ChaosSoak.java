package dev.podnet.chaos;

import dev.podnet.chaos.ChaosRun.Report;
import dev.podnet.chaos.ChaosRun.Scenario;
import dev.podnet.chaos.ChaosRun.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A soak: faults drawn at random from the five scenarios, back to back, for a given time, while every
 * pod probes every pod throughout; every invariant judged after each heal, and the totals at the end.
 * The victims are drawn too, among the nodes the scenario may hit (any but the lease allocator's for
 * kill-one, kill-two and partition; the allocator's for kill-allocator; all of them, in order, for the
 * rolling restart).
 * <p>
 * One {@link ChaosRun} watches the whole soak: the probes and the samples never stop, and each fault
 * is judged on its segment, from the end of the previous fault's to its own end, so every probe sent
 * during the soak is judged exactly once; those that are not to, from or through a fault's victims
 * while it was broken must all succeed. The draws come from one {@link Random} with a seed the soak
 * prints, so that a sequence of faults can be run again on the same cluster. A fault starts only while time is left; the last one
 * runs to its end. The soak stops early when the cluster does not converge before a fault (the next
 * faults would judge a broken cluster, not themselves).
 * <p>
 * It needs five nodes: {@code kill-two} must leave a majority of three.
 */
public final class ChaosSoak
{
    /** Nodes a soak needs: every scenario can be drawn, {@code kill-two} included. */
    public static final int NODES = 5;

    /**
     * The soak's figures, summed over its faults.
     *
     * @param took               how long it ran
     * @param seed               the draw's seed
     * @param faults             faults injected, by scenario
     * @param faultsPassed       faults after which every invariant held
     * @param probes             probes sent and judged
     * @param probesFailed       of which failed (to, from or through the victims while broken, or not)
     * @param untouchedProbes    probes between pods of nodes no fault touched at the time
     * @param untouchedFailed    of which failed: must be 0
     * @param duplicates         times a node saw a CIDR held twice or two live pods at one IP: must be 0
     * @param unexpectedRestarts agent restarts no fault caused: must be 0
     * @param failures           each failed fault's first failed verdict
     * @param stoppedEarly       why the soak stopped before its time, or null
     */
    public record Totals(Duration took, long seed, Map<Scenario, Integer> faults, int faultsPassed, long probes,
                         long probesFailed, long untouchedProbes, long untouchedFailed, long duplicates,
                         long unexpectedRestarts, List<String> failures, String stoppedEarly)
    {
        public int faultCount()
        {
            return faults.values().stream().mapToInt(Integer::intValue).sum();
        }

        public boolean passed()
        {
            return stoppedEarly == null && faultCount() > 0 && faultsPassed == faultCount() && untouchedFailed == 0 &&
                duplicates == 0 && unexpectedRestarts == 0;
        }

        /** The totals as a terminal shows them. */
        public String format()
        {
            final StringBuilder out = new StringBuilder();
            out.append(String.format("soak: %.1f min, seed %d: %d faults injected (%s)%n", took.toMillis() / 60_000.0, seed,
                faultCount(), faults.entrySet().stream().map(entry -> entry.getKey().label() + " " + entry.getValue())
                    .collect(Collectors.joining(", "))));
            row(out, "faults after which every invariant held", faultsPassed + " of " + faultCount());
            row(out, "probes", probes + " (" + probesFailed + " failed: to, from or through a fault's victims)");
            row(out, "failures between untouched pods", untouchedFailed + " of " + untouchedProbes);
            row(out, "duplicate CIDRs or IPs ever seen", Long.toString(duplicates));
            row(out, "agent restarts not caused by a fault", Long.toString(unexpectedRestarts));
            failures.forEach(failure -> out.append("  FAIL  ").append(failure).append('\n'));
            if (stoppedEarly != null)
            {
                out.append("  stopped early: ").append(stoppedEarly).append('\n');
            }
            out.append(passed() ? "all invariants held after every fault" : "INVARIANTS VIOLATED").append('\n');
            return out.toString();
        }

        private static void row(final StringBuilder out, final String name, final String value)
        {
            out.append(String.format("  %-41s %s%n", name, value));
        }
    }

    /** The totals and every fault's report, in order. */
    public record Result(Totals totals, List<Report> reports)
    {
    }

    private final ChaosCluster cluster;
    private final Consumer<String> progress;

    /** @param progress gets a line for each step and a summary after each fault, as they happen */
    public ChaosSoak(final ChaosCluster cluster, final Consumer<String> progress)
    {
        this.cluster = cluster;
        this.progress = progress;
    }

    /**
     * The faults must leave a majority running whichever is drawn.
     *
     * @throws IllegalArgumentException saying how many nodes a soak needs
     */
    public static void requireEnoughNodes(final int nodes)
    {
        if (nodes < NODES)
        {
            throw new IllegalArgumentException("a soak needs at least " + NODES + " nodes, so that a majority survives any " +
                "scenario, kill-two included (this cluster has " + nodes + ")");
        }
    }

    /** Runs faults for {@code duration}, drawn with {@code seed}; blocks until the last one is judged. */
    public Result run(final Duration duration, final long seed)
    {
        requireEnoughNodes(cluster.nodes().size());
        final Random random = new Random(seed);
        final long startedAt = System.nanoTime();
        final long end = startedAt + duration.toNanos();
        final ChaosRun run = new ChaosRun(cluster, progress);
        final List<Report> reports = new ArrayList<>();
        String stoppedEarly = null;
        progress.accept(String.format("soak for %d min on %d nodes (%s), seed %d", duration.toMinutes(), cluster.nodes().size(),
            String.join(", ", cluster.nodes()), seed));
        Scenario scenario = draw(random);
        final Optional<Report> notConverged = run.startWatching(scenario);
        if (notConverged.isPresent())
        {
            return new Result(totals(List.of(), Duration.ofNanos(System.nanoTime() - startedAt), seed,
                "the cluster did not converge before the first fault: " + String.join("; ", notConverged.get().missing())), List.of());
        }
        try
        {
            while (true)
            {
                progress.accept(String.format("fault %d at %.1f min: %s", reports.size() + 1,
                    (System.nanoTime() - startedAt) / 60e9, scenario.label()));
                final Report report = run.fault(scenario, random);
                reports.add(report);
                if (!report.passed())
                {
                    progress.accept(report.format());
                }
                progress.accept(summary(reports.size(), report));
                if (!report.injected())
                {
                    stoppedEarly = "fault " + reports.size() + " (" + scenario.label() + ") was not injected: " +
                        String.join("; ", report.missing());
                    break;
                }
                if (System.nanoTime() >= end)
                {
                    break;
                }
                scenario = draw(random);
            }
        }
        finally
        {
            run.stopWatching();
        }
        return new Result(totals(reports, Duration.ofNanos(System.nanoTime() - startedAt), seed, stoppedEarly), List.copyOf(reports));
    }

    private static Scenario draw(final Random random)
    {
        return Scenario.values()[random.nextInt(Scenario.values().length)];
    }

    private static String summary(final int index, final Report report)
    {
        return String.format("fault %d, %s of %s: %s; probes %d, failed between untouched pods %d of %d", index,
            report.scenario().label(), String.join(", ", report.victims()),
            report.passed() ? "all invariants held" : "FAILED: " + firstFailure(report), report.figure("probes"),
            report.figure("probes-untouched-failed"), report.figure("probes-untouched"));
    }

    private static String firstFailure(final Report report)
    {
        return report.verdicts().stream().filter(verdict -> !verdict.held()).findFirst()
            .map(verdict -> verdict.invariant() + ": " + verdict.detail()).orElse("none");
    }

    static Totals totals(final List<Report> reports, final Duration took, final long seed, final String stoppedEarly)
    {
        final Map<Scenario, Integer> faults = new EnumMap<>(Scenario.class);
        final List<String> failures = new ArrayList<>();
        int passed = 0;
        long probes = 0;
        long probesFailed = 0;
        long untouched = 0;
        long untouchedFailed = 0;
        long duplicates = 0;
        long restarts = 0;
        for (int i = 0; i < reports.size(); i++)
        {
            final Report report = reports.get(i);
            if (report.injected())
            {
                faults.merge(report.scenario(), 1, Integer::sum);
                if (report.passed())
                {
                    passed++;
                }
            }
            if (!report.passed())
            {
                final Verdict first = report.verdicts().stream().filter(verdict -> !verdict.held()).findFirst().orElseThrow();
                failures.add("fault " + (i + 1) + " (" + report.scenario().label() + "): " + first.invariant() + ": " + first.detail());
            }
            probes += report.figure("probes");
            probesFailed += report.figure("probes-failed");
            untouched += report.figure("probes-untouched");
            untouchedFailed += report.figure("probes-untouched-failed");
            duplicates += report.figure("duplicates");
            restarts += report.figure("restarts-unexpected");
        }
        return new Totals(took, seed, faults, passed, probes, probesFailed, untouched, untouchedFailed, duplicates, restarts,
            failures, stoppedEarly);
    }
}
