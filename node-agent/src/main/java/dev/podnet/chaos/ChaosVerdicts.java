package dev.podnet.chaos;

import dev.podnet.chaos.ChaosRun.Probe;
import dev.podnet.chaos.ChaosRun.Scenario;
import dev.podnet.chaos.ChaosRun.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The invariants of a chaos run, judged from what the run observed ({@link Observations}): no I/O
 * here, so that every verdict can be tested on observations made up for it.
 */
final class ChaosVerdicts
{
    private ChaosVerdicts()
    {
    }

    /**
     * What a run observed.
     *
     * @param scenario            the scenario run
     * @param nodes               every node of the cluster, in order
     * @param victims             the nodes the faults hit
     * @param probes              the probes judged, as the nodes logged them
     * @param podNode             pod name to its node
     * @param windows             node to its fault window, {@code [fault, restored]} epoch ms
     * @param withdrawnAt         when no survivor routed to the victims any more (epoch ms)
     * @param healedAt            when the victims were started again or reconnected (epoch ms)
     * @param measured            the figures measured so far, by name; the verdicts add the probe counts
     * @param violations          every time two nodes held one CIDR or two live pods one IP
     * @param leasesAtStart       node to its lease before the fault
     * @param leasesNow           node to its lease now
     * @param strayRoutes         what is wrong with the routes after convergence
     * @param restartsAtStart     container restart counts before the fault
     * @param restartsNow         container restart counts now
     * @param notRunning          nodes whose container does not run now
     * @param majorityApiFailures API calls to the majority that failed (partition)
     * @param unexpectedErrors    ERROR log lines that no fault explains
     * @param startedAt           when the run started (epoch ms), for the failed probes' times
     */
    record Observations(
        Scenario scenario, List<String> nodes, List<String> victims, List<Probe> probes, Map<String, String> podNode,
        Map<String, long[]> windows, long withdrawnAt, long healedAt, Map<String, Long> measured, List<String> violations,
        Map<String, String> leasesAtStart, Map<String, String> leasesNow, List<String> strayRoutes,
        Map<String, Integer> restartsAtStart, Map<String, Integer> restartsNow, List<String> notRunning,
        long majorityApiFailures, List<String> unexpectedErrors, long startedAt)
    {
    }

    /** Every invariant's verdict, in the order docs/CHAOS.md lists them. */
    static List<Verdict> judge(final Observations seen)
    {
        final Scenario scenario = seen.scenario();
        final List<String> victims = seen.victims();
        final Map<String, Long> measured = seen.measured();
        final List<Probe> all = seen.probes();
        final List<Verdict> verdicts = new ArrayList<>();
        measured.put("probes", (long)all.size());
        measured.put("probes-failed", all.stream().filter(probe -> !probe.ok()).count());

        // 1. probes between pods of untouched nodes never fail
        final List<Probe> untouched = all.stream().filter(probe -> untouched(probe, seen)).toList();
        final List<Probe> lost = untouched.stream().filter(probe -> !probe.ok()).toList();
        measured.put("probes-untouched", (long)untouched.size());
        measured.put("probes-untouched-failed", (long)lost.size());
        verdicts.add(new Verdict("probes between pods of untouched nodes never fail", lost.isEmpty() && !untouched.isEmpty(),
            untouched.size() + " probes, " + lost.size() + " failed" + (lost.isEmpty() ? "" : ": " + describe(lost, seen.startedAt()))));

        if (scenario != Scenario.ROLLING_RESTART)
        {
            // 2. probes to the victims' pods, once routes are withdrawn, are ICMP unreachable, not timeouts
            final long withdrawnAt = seen.withdrawnAt();
            final long healedAt = seen.healedAt();
            final List<Probe> toDead = all.stream()
                .filter(probe -> !victims.contains(seen.podNode().get(probe.from())) && !victims.contains(probe.observer()) &&
                    victims.contains(seen.podNode().get(probe.to())) &&
                    probe.at() > withdrawnAt + ChaosRun.PROBE_TIMEOUT_MS && probe.at() < healedAt - ChaosRun.PROBE_TIMEOUT_MS)
                .toList();
            final long timeouts = toDead.stream().filter(probe -> probe.result().equals("timeout")).count();
            final long unreachable = toDead.stream().filter(probe -> probe.result().endsWith("-unreachable")).count();
            measured.put("probes-to-dead", (long)toDead.size());
            measured.put("probes-to-dead-unreachable", unreachable);
            verdicts.add(new Verdict("probes to a dead node's pods get fast ICMP unreachable, not timeouts",
                !toDead.isEmpty() && timeouts == 0 && unreachable == toDead.size(),
                toDead.size() + " probes while it was gone: " + unreachable + " unreachable, " + timeouts + " timeouts"));
            verdicts.add(new Verdict("routes withdrawn within " + ChaosRun.DETECTION_BOUND.toSeconds() + " s of the fault",
                measured.get("withdrawn") <= ChaosRun.DETECTION_BOUND.toMillis(), measured.get("withdrawn") + " ms"));
        }
        verdicts.add(new Verdict("traffic to the victims restored within " + ChaosRun.RECOVERY_BOUND.toSeconds() + " s of the heal",
            measured.getOrDefault("restored", Long.MAX_VALUE) <= ChaosRun.RECOVERY_BOUND.toMillis(), measured.get("restored") + " ms"));

        // 3. leases and addresses
        final List<String> violations = seen.violations();
        verdicts.add(new Verdict("no two nodes ever hold one CIDR; no two live pods ever share an IP", violations.isEmpty(),
            violations.isEmpty() ? "checked every " + ChaosRun.SAMPLE_MS + " ms on every node" : violations.get(0)));
        final List<String> moved = new ArrayList<>();
        for (final String victim : victims)
        {
            if (!seen.leasesAtStart().get(victim).equals(seen.leasesNow().get(victim)))
            {
                moved.add(victim + ": " + seen.leasesAtStart().get(victim) + " -> " + seen.leasesNow().get(victim));
            }
        }
        verdicts.add(new Verdict("a restarted node gets its old CIDR", moved.isEmpty(),
            moved.isEmpty() ? victims + " kept " + victims.stream().map(seen.leasesAtStart()::get).toList() : String.join("; ", moved)));
        verdicts.add(new Verdict("after convergence every node routes to every other node, and to no node that is gone",
            seen.strayRoutes().isEmpty(), seen.strayRoutes().isEmpty() ? "checked on every node at the end" :
            String.join("; ", seen.strayRoutes())));

        // 4. nobody dies but the victims; no unexpected ERROR lines
        final List<String> died = new ArrayList<>();
        for (final String node : seen.nodes())
        {
            // an exit the restart policy answered counts up; a `docker start` resets the count
            final boolean restarted = seen.restartsNow().get(node) > seen.restartsAtStart().get(node);
            final boolean allowed = scenario == Scenario.PARTITION && victims.contains(node);
            if (restarted && !allowed)
            {
                died.add(node + " restarted " + (seen.restartsNow().get(node) - seen.restartsAtStart().get(node)) + " time(s)");
            }
            if (seen.notRunning().contains(node))
            {
                died.add(node + " is not running");
            }
        }
        verdicts.add(new Verdict("no agent dies from anything but the run's own faults", died.isEmpty(),
            died.isEmpty() ? "restart counts unchanged" + (scenario == Scenario.PARTITION ? " but the partitioned node's" : "") :
                String.join("; ", died)));
        if (scenario == Scenario.PARTITION)
        {
            final String victim = victims.get(0);
            final int restarts = seen.restartsNow().get(victim) - seen.restartsAtStart().get(victim);
            verdicts.add(new Verdict("the partitioned minority is downed, restarts and rejoins after the heal", restarts >= 1,
                victim + " exited (status 3: removed) and was restarted " + restarts + " time(s); Ready again after the heal"));
            final List<String> majority = seen.nodes().stream().filter(node -> !victims.contains(node)).toList();
            verdicts.add(new Verdict("the majority never stops serving", seen.majorityApiFailures() == 0,
                "API calls to " + majority + " that failed during the run: " + seen.majorityApiFailures()));
        }
        final List<String> errors = seen.unexpectedErrors();
        verdicts.add(new Verdict("no ERROR log lines but the expected ones", errors.isEmpty(),
            errors.isEmpty() ? "none" : errors.size() + ", first: " + errors.get(0)));
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

    /** A probe between two pods whose nodes were not in a fault window (widened by a probe's timeout) when it was sent. */
    private static boolean untouched(final Probe probe, final Observations seen)
    {
        for (final String node : new String[] {probe.observer(), seen.podNode().get(probe.from()), seen.podNode().get(probe.to())})
        {
            final long[] window = node == null ? null : seen.windows().get(node);
            if (node == null || window != null && probe.at() > window[0] - ChaosRun.PROBE_TIMEOUT_MS - ChaosRun.SAMPLE_MS &&
                probe.at() < window[1])
            {
                return false;
            }
        }
        return true;
    }
}
