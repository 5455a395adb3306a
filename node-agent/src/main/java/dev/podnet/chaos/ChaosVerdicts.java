package dev.podnet.chaos;

import dev.podnet.chaos.ChaosRun.Milestone;
import dev.podnet.chaos.ChaosRun.Probe;
import dev.podnet.chaos.ChaosRun.Scenario;
import dev.podnet.chaos.ChaosRun.Verdict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The invariants of a chaos fault, judged from what the run observed ({@link Observations}): no I/O
 * here, so that every verdict can be tested on observations made up for it.
 * <p>
 * A milestone that never came ({@link Observations#missing()}) is a failed verdict that names it, the
 * first one; a verdict that needs its time says it cannot be judged without it, and fails. When the
 * cluster never converged before the fault, nothing was injected: only the probes and the duplicates are
 * judged.
 */
final class ChaosVerdicts
{
    private ChaosVerdicts()
    {
    }

    /**
     * What a run observed during one fault's segment.
     *
     * @param scenario            the scenario run
     * @param nodes               every node of the cluster, in order
     * @param victims             the nodes the fault hit (none when it was not injected)
     * @param probes              the probes of the segment, as the nodes logged them
     * @param podNode             pod name to its node
     * @param windows             node to its fault windows, {@code [fault, restored]} epoch ms: this fault's, and
     *                            those of the run's earlier faults
     * @param reached             when each milestone reached was reached (epoch ms)
     * @param missing             the milestones that never came, each with what was waited for
     * @param measured            the figures measured so far, by name; the verdicts add theirs
     * @param duplicates          every time a sample saw two nodes holding one CIDR or two live pods one IP
     * @param leasesAtStart       node to its lease before the fault
     * @param leasesNow           node to its lease now
     * @param strayRoutes         what is wrong with the routes after convergence
     * @param restartsAtStart     container restart counts before the fault (a node absent: not inspected)
     * @param restartsNow         container restart counts now (a node absent: could not be inspected)
     * @param notRunning          nodes whose container does not run now
     * @param majorityApiFailures API calls to the majority that failed (partition)
     * @param unexpectedErrors    ERROR log lines that no fault explains
     * @param startedAt           when the run started (epoch ms), for the failed probes' times
     */
    record Observations(
        Scenario scenario, List<String> nodes, List<String> victims, List<Probe> probes, Map<String, String> podNode,
        Map<String, List<long[]>> windows, Map<Milestone, Long> reached, List<String> missing, Map<String, Long> measured,
        List<String> duplicates, Map<String, String> leasesAtStart, Map<String, String> leasesNow, List<String> strayRoutes,
        Map<String, Integer> restartsAtStart, Map<String, Integer> restartsNow, List<String> notRunning,
        long majorityApiFailures, List<String> unexpectedErrors, long startedAt)
    {
        boolean missed(final Milestone milestone)
        {
            return missing.stream().anyMatch(step -> step.startsWith(milestone.label()));
        }
    }

    /** Every invariant's verdict, in the order docs/CHAOS.md lists them, after the one on the milestones. */
    static List<Verdict> judge(final Observations seen)
    {
        final List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(steps(seen));
        verdicts.add(untouchedProbes(seen));
        verdicts.add(untouchedConnections(seen));
        final boolean injected = !seen.missed(Milestone.CONVERGED);
        if (injected && seen.scenario() != Scenario.ROLLING_RESTART)
        {
            verdicts.add(probesToTheDead(seen));
            verdicts.add(within("routes withdrawn within " + ChaosRun.DETECTION_BOUND.toSeconds() + " s of the fault",
                seen, "withdrawn", Milestone.WITHDRAWN, ChaosRun.DETECTION_BOUND.toMillis()));
        }
        if (injected)
        {
            verdicts.add(within("traffic to the victims restored within " + ChaosRun.RECOVERY_BOUND.toSeconds() + " s of the heal",
                seen, "restored", Milestone.RESTORED, ChaosRun.RECOVERY_BOUND.toMillis()));
        }
        verdicts.add(distinct(seen));
        if (injected)
        {
            verdicts.add(leasesKept(seen));
            verdicts.add(new Verdict("after convergence every node routes to every other node, and to no node that is gone",
                seen.strayRoutes().isEmpty(), seen.strayRoutes().isEmpty() ? "checked on every node at the end" :
                String.join("; ", seen.strayRoutes())));
            verdicts.addAll(nobodyElseDies(seen));
            final List<String> errors = seen.unexpectedErrors();
            verdicts.add(new Verdict("no ERROR log lines but the expected ones", errors.isEmpty(),
                errors.isEmpty() ? "none" : errors.size() + ", first: " + errors.get(0)));
        }
        return verdicts;
    }

    /** 0. every step of the scenario happened (a missing one named, with what was waited for). */
    private static Verdict steps(final Observations seen)
    {
        final String reached = Arrays.stream(Milestone.values()).filter(seen.reached()::containsKey).map(Milestone::label)
            .collect(Collectors.joining(", "));
        return new Verdict("every step of the scenario happened", seen.missing().isEmpty(),
            seen.missing().isEmpty() ? reached : String.join("; ", seen.missing()));
    }

    /** 1. probes between pods of untouched nodes never fail. */
    private static Verdict untouchedProbes(final Observations seen)
    {
        final Map<String, Long> measured = seen.measured();
        final List<Probe> all = seen.probes();
        measured.put("probes", (long)all.size());
        measured.put("probes-failed", all.stream().filter(probe -> !probe.ok()).count());
        final List<Probe> untouched = all.stream().filter(probe -> untouched(probe, seen)).toList();
        final List<Probe> lost = untouched.stream().filter(probe -> !probe.ok()).toList();
        measured.put("probes-untouched", (long)untouched.size());
        measured.put("probes-untouched-failed", (long)lost.size());
        return new Verdict("probes between pods of untouched nodes never fail", lost.isEmpty() && !untouched.isEmpty(),
            untouched.size() + " probes, " + lost.size() + " failed" + (lost.isEmpty() ? "" : ": " + describe(lost, seen.startedAt())));
    }

    /** 1b. a long-lived TCP connection between pods of untouched nodes is never reset and never stalls longer than 1 s. */
    private static Verdict untouchedConnections(final Observations seen)
    {
        final List<Probe> tcp = seen.probes().stream().filter(probe -> probe.kind().equals("tcp") && untouched(probe, seen)).toList();
        final List<Probe> broken = tcp.stream().filter(probe -> !probe.ok()).toList();
        return new Verdict("TCP connections between pods of untouched nodes are never reset and never stall > 1 s",
            broken.isEmpty() && !tcp.isEmpty(), tcp.size() + " probes on long-lived connections, " + broken.size() +
            " reset, stalled or lost" + (broken.isEmpty() ? "" : ": " + describe(broken, seen.startedAt())));
    }

    /** 2. probes to the victims' pods, once routes are withdrawn and until the heal, are ICMP unreachable, not timeouts. */
    private static Verdict probesToTheDead(final Observations seen)
    {
        final String invariant = "probes to a dead node's pods get fast ICMP unreachable, not timeouts";
        final Long withdrawnAt = seen.reached().get(Milestone.WITHDRAWN);
        final Long healedAt = seen.reached().get(Milestone.HEALED);
        if (withdrawnAt == null || healedAt == null)
        {
            return new Verdict(invariant, false, "cannot be judged: no '" +
                (withdrawnAt == null ? Milestone.WITHDRAWN : Milestone.HEALED).label() + "' event");
        }
        final List<String> victims = seen.victims();
        // pings and UDP datagrams only: an established TCP connection takes an ICMP unreachable as a soft error and keeps
        // retransmitting (RFC 1122 4.2.3.9, as Linux does), so its probes to a dead node's pods time out by design
        final List<Probe> toDead = seen.probes().stream()
            .filter(probe -> !probe.kind().equals("tcp"))
            .filter(probe -> !victims.contains(seen.podNode().get(probe.from())) && !victims.contains(probe.observer()) &&
                victims.contains(seen.podNode().get(probe.to())) &&
                probe.at() > withdrawnAt + ChaosRun.PROBE_TIMEOUT_MS && probe.at() < healedAt - ChaosRun.PROBE_TIMEOUT_MS)
            .toList();
        final long timeouts = toDead.stream().filter(probe -> probe.result().equals("timeout")).count();
        final long unreachable = toDead.stream().filter(probe -> probe.result().endsWith("-unreachable")).count();
        seen.measured().put("probes-to-dead", (long)toDead.size());
        seen.measured().put("probes-to-dead-unreachable", unreachable);
        return new Verdict(invariant, !toDead.isEmpty() && timeouts == 0 && unreachable == toDead.size(),
            toDead.size() + " probes while it was gone: " + unreachable + " unreachable, " + timeouts + " timeouts");
    }

    /** A figure within its bound; fails naming the milestone when the figure was never measured. */
    private static Verdict within(final String invariant, final Observations seen, final String figure, final Milestone milestone,
        final long boundMs)
    {
        final Long value = seen.measured().get(figure);
        if (value == null)
        {
            return new Verdict(invariant, false, "never: no '" + milestone.label() + "' event");
        }
        return new Verdict(invariant, value <= boundMs, value + " ms");
    }

    /** 3. no two nodes ever hold one CIDR, no two live pods one IP. */
    private static Verdict distinct(final Observations seen)
    {
        final List<String> duplicates = seen.duplicates();
        seen.measured().put("duplicates", (long)duplicates.size());
        return new Verdict("no two nodes ever hold one CIDR; no two live pods ever share an IP", duplicates.isEmpty(),
            duplicates.isEmpty() ? "checked every " + ChaosRun.SAMPLE_MS + " ms on every node" :
                duplicates.size() + " times, first: " + duplicates.get(0));
    }

    /** 3. a restarted node gets its old CIDR. */
    private static Verdict leasesKept(final Observations seen)
    {
        final List<String> moved = new ArrayList<>();
        for (final String victim : seen.victims())
        {
            final String before = seen.leasesAtStart().get(victim);
            final String now = seen.leasesNow().get(victim);
            if (before == null || !Objects.equals(before, now))
            {
                moved.add(victim + ": " + (before == null ? "no lease before the fault" : before) + " -> " + (now == null ? "none" : now));
            }
        }
        return new Verdict("a restarted node gets its old CIDR", moved.isEmpty(), moved.isEmpty() ?
            seen.victims() + " kept " + seen.victims().stream().map(seen.leasesAtStart()::get).toList() : String.join("; ", moved));
    }

    /** 4. no agent dies but the victims (restart counts), and the partition's own verdicts. */
    private static List<Verdict> nobodyElseDies(final Observations seen)
    {
        final Scenario scenario = seen.scenario();
        final List<String> victims = seen.victims();
        final List<String> died = new ArrayList<>();
        long unexpected = 0;
        for (final String node : seen.nodes())
        {
            final Integer before = seen.restartsAtStart().get(node);
            final Integer now = seen.restartsNow().get(node);
            if (before == null || now == null)
            {
                died.add(node + ": its container could not be inspected");
            }
            // an exit the restart policy answered counts up; a `docker start` resets the count
            else if (now > before && !(scenario == Scenario.PARTITION && victims.contains(node)))
            {
                died.add(node + " restarted " + (now - before) + " time(s)");
                unexpected += now - before;
            }
            if (seen.notRunning().contains(node))
            {
                died.add(node + " is not running");
            }
        }
        seen.measured().put("restarts-unexpected", unexpected);
        final List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(new Verdict("no agent dies from anything but the run's own faults", died.isEmpty(),
            died.isEmpty() ? "restart counts unchanged" + (scenario == Scenario.PARTITION ? " but the partitioned node's" : "") :
                String.join("; ", died)));
        if (scenario == Scenario.PARTITION && !victims.isEmpty())
        {
            final String victim = victims.get(0);
            final int restarts = seen.restartsNow().getOrDefault(victim, 0) - seen.restartsAtStart().getOrDefault(victim, 0);
            verdicts.add(new Verdict("the partitioned minority is downed, restarts and rejoins after the heal", restarts >= 1,
                victim + " exited (status 3: removed) and was restarted " + restarts + " time(s); Ready again after the heal"));
            final List<String> majority = seen.nodes().stream().filter(node -> !victims.contains(node)).toList();
            verdicts.add(new Verdict("the majority never stops serving", seen.majorityApiFailures() == 0,
                "API calls to " + majority + " that failed during the run: " + seen.majorityApiFailures()));
        }
        return verdicts;
    }

    /** Failed probes in short: when (seconds into the run), which pairs, what came back. */
    private static String describe(final List<Probe> failed, final long startedAt)
    {
        final Map<String, Integer> pairs = new TreeMap<>();
        for (final Probe probe : failed)
        {
            pairs.merge(probe.from() + "->" + probe.to() + " " + probe.kind() + " " + probe.result(), 1, Integer::sum);
        }
        return String.format("sent %.1f..%.1f s, %s", (failed.get(0).at() - startedAt) / 1000.0,
            (failed.get(failed.size() - 1).at() - startedAt) / 1000.0, pairs);
    }

    /**
     * A probe between two pods whose nodes were not in a fault window (widened by a probe's timeout) when it was sent,
     * nor, for a TCP probe, at any time since its connection was opened: a connection to a pod whose node restarted
     * meanwhile is reset by the new pod, as a real one would be, even when the reset comes after that node's window
     * (a retransmission in back-off reaches the new pod late).
     */
    private static boolean untouched(final Probe probe, final Observations seen)
    {
        final long from = probe.since() > 0 ? Math.min(probe.since(), probe.at()) : probe.at();
        for (final String node : new String[] {probe.observer(), seen.podNode().get(probe.from()), seen.podNode().get(probe.to())})
        {
            if (node == null)
            {
                return false;
            }
            for (final long[] window : seen.windows().getOrDefault(node, List.of()))
            {
                if (probe.at() > window[0] - ChaosRun.PROBE_TIMEOUT_MS - ChaosRun.SAMPLE_MS && from < window[1])
                {
                    return false;
                }
            }
        }
        return true;
    }
}
