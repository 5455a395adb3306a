package dev.podnet.chaos;

import dev.podnet.chaos.ChaosRun.Milestone;
import dev.podnet.chaos.ChaosRun.Probe;
import dev.podnet.chaos.ChaosRun.Scenario;
import dev.podnet.chaos.ChaosRun.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verdicts on observations made up for each case: a kill-one of node-3 in a three-node cluster, t0
 * the fault, with every milestone unless a test takes one away.
 */
class ChaosVerdictsTest
{
    private static final long T0 = 1_000_000;
    private static final List<String> NODES = List.of("node-1", "node-2", "node-3");
    private static final Map<String, String> POD_NODE = Map.of("a1", "node-1", "b1", "node-2", "c1", "node-3");

    private Scenario scenario = Scenario.KILL_ONE;
    private final Map<Milestone, Long> reached = new EnumMap<>(Map.of(Milestone.CONVERGED, T0 - 3_000, Milestone.FAULT, T0,
        Milestone.DETECTED, T0 + 4_500, Milestone.WITHDRAWN, T0 + 4_600, Milestone.HEALED, T0 + 9_600,
        Milestone.READY_AGAIN, T0 + 17_000, Milestone.RESTORED, T0 + 18_000));
    private final List<String> missing = new ArrayList<>();
    private final Map<String, Long> measured = new LinkedHashMap<>(Map.of("detected", 4_500L, "withdrawn", 4_600L,
        "ready-again", 7_400L, "restored", 8_400L));
    private final List<Probe> probes = new ArrayList<>(List.of(
        new Probe("node-1", T0 - 2_000, "a1", "b1", "ping", true, "ok"),
        new Probe("node-1", T0 + 7_000, "a1", "c1", "ping", false, "net-unreachable"),
        new Probe("node-1", T0 + 7_000, "a1", "c1", "tcp", false, "timeout"),
        new Probe("node-2", T0 + 20_000, "b1", "a1", "udp", true, "ok"),
        new Probe("node-2", T0 + 20_500, "b1", "a1", "tcp", true, "ok")));
    private final List<String> duplicates = new ArrayList<>();
    private final Map<String, Integer> restartsNow = new HashMap<>(Map.of("node-1", 0, "node-2", 0, "node-3", 0));
    private final List<String> victims = new ArrayList<>(List.of("node-3"));
    private final Map<String, List<long[]>> windows = new HashMap<>(Map.of("node-3", List.of(new long[] {T0, T0 + 18_000})));

    private List<Verdict> judge()
    {
        return ChaosVerdicts.judge(new ChaosVerdicts.Observations(scenario, NODES, victims, probes, POD_NODE,
            windows, reached, missing, measured, duplicates,
            Map.of("node-3", "10.244.2.0/24"), Map.of("node-3", "10.244.2.0/24"), List.of(),
            Map.of("node-1", 0, "node-2", 0, "node-3", 0), restartsNow, List.of(), 0, List.of(), T0 - 5_000));
    }

    private static Verdict verdict(final List<Verdict> verdicts, final String invariantStart)
    {
        return verdicts.stream().filter(verdict -> verdict.invariant().startsWith(invariantStart)).findFirst()
            .orElseThrow(() -> new AssertionError("no verdict '" + invariantStart + "' in " + verdicts));
    }

    @Test
    void shouldPassEveryVerdictWhenEveryStepHappenedAndNothingFailed()
    {
        final List<Verdict> verdicts = judge();

        assertThat(verdicts).allMatch(Verdict::held, "held");
        assertThat(verdict(verdicts, "every step").detail()).isEqualTo("converged before the fault, fault injected, detected, " +
            "routes withdrawn, healed, Ready again, traffic restored");
        assertThat(measured).containsEntry("probes", 5L).containsEntry("probes-untouched", 3L)
            .containsEntry("probes-untouched-failed", 0L).containsEntry("probes-to-dead", 1L).containsEntry("duplicates", 0L)
            .containsEntry("restarts-unexpected", 0L);
    }

    @Test
    void shouldFailWhenALongLivedConnectionBetweenUntouchedNodesWasReset()
    {
        probes.add(new Probe("node-2", T0 + 21_000, "b1", "a1", "tcp", false, "reset"));

        assertThat(verdict(judge(), "TCP connections between pods of untouched nodes")).extracting(Verdict::held, Verdict::detail)
            .containsExactly(false, "2 probes on long-lived connections, 1 reset, stalled or lost: sent 26.0..26.0 s, {b1->a1 tcp reset=1}");
    }

    @Test
    void shouldNotCountTheResetOfAConnectionOpenedBeforeItsPeersNodeRestartedEvenWhenTheResetComesAfterTheWindow()
    {
        // a rolling restart: node-3 restarted at T0 and was restored at T0 + 18 s; b1's connection to c1 was opened before
        // it, and its retransmission in back-off reached the new c1 (which answered RST) only 7 s after the window
        scenario = Scenario.ROLLING_RESTART;
        probes.add(new Probe("node-2", T0 + 25_000, "b1", "c1", "tcp", false, "connection-reset", T0 - 30_000));

        final List<Verdict> verdicts = judge();

        assertThat(verdict(verdicts, "probes between pods of untouched nodes").held()).isTrue();
        assertThat(verdict(verdicts, "TCP connections between pods of untouched nodes").held()).isTrue();
    }

    @Test
    void shouldCountTheResetOfAConnectionOpenedAfterItsPeersNodeRestartedOrAfterAnEarlierFaultsWindow()
    {
        scenario = Scenario.ROLLING_RESTART;
        probes.add(new Probe("node-2", T0 + 25_000, "b1", "c1", "tcp", false, "connection-reset", T0 + 19_000));
        // an earlier fault's window of node-1 (a soak's previous segment) does not excuse a connection opened after it
        windows.put("node-1", List.of(new long[] {T0 - 60_000, T0 - 40_000}));
        probes.add(new Probe("node-2", T0 + 26_000, "b1", "a1", "tcp", false, "connection-reset", T0 - 30_000));

        assertThat(verdict(judge(), "TCP connections between pods of untouched nodes")).extracting(Verdict::held, Verdict::detail)
            .containsExactly(false, "3 probes on long-lived connections, 2 reset, stalled or lost: sent 30.0..31.0 s, " +
                "{b1->a1 tcp connection-reset=1, b1->c1 tcp connection-reset=1}");

        // while one opened before that earlier window, and reset after it, is excused
        windows.put("node-1", List.of(new long[] {T0 - 60_000, T0 - 40_000}));
        probes.set(probes.size() - 1, new Probe("node-2", T0 + 26_000, "b1", "a1", "tcp", false, "connection-reset", T0 - 70_000));
        assertThat(verdict(judge(), "TCP connections between pods of untouched nodes").detail())
            .contains("{b1->c1 tcp connection-reset=1}");
    }

    @Test
    void shouldFailNamingTheRoutesWithdrawnEventWhenItNeverHappenedInsteadOfCrashing()
    {
        reached.remove(Milestone.WITHDRAWN);
        measured.remove("withdrawn");
        missing.add("routes withdrawn never happened: waited 30 s for every survivor to withdraw its routes to [10.244.2.0/24]");

        final List<Verdict> verdicts = judge();

        assertThat(verdict(verdicts, "every step")).isEqualTo(new Verdict("every step of the scenario happened", false,
            "routes withdrawn never happened: waited 30 s for every survivor to withdraw its routes to [10.244.2.0/24]"));
        assertThat(verdict(verdicts, "routes withdrawn within")).isEqualTo(new Verdict("routes withdrawn within 15 s of the fault",
            false, "never: no 'routes withdrawn' event"));
        assertThat(verdict(verdicts, "probes to a dead node's pods")).extracting(Verdict::held, Verdict::detail)
            .containsExactly(false, "cannot be judged: no 'routes withdrawn' event");
        assertThat(verdict(verdicts, "probes between pods of untouched nodes").held()).as("still judged").isTrue();
    }

    @Test
    void shouldFailNamingTrafficRestoredWhenTheVictimNeverCameBack()
    {
        reached.remove(Milestone.READY_AGAIN);
        reached.remove(Milestone.RESTORED);
        measured.remove("ready-again");
        measured.remove("restored");
        missing.add("Ready again never happened: waited 180 s for every node to list node-3 as Ready again");
        missing.add("traffic restored never happened: not awaited: Ready again did not come first");

        final List<Verdict> verdicts = judge();

        assertThat(verdict(verdicts, "every step").detail()).contains("Ready again never happened", "traffic restored never happened");
        assertThat(verdict(verdicts, "traffic to the victims restored")).extracting(Verdict::held, Verdict::detail)
            .containsExactly(false, "never: no 'traffic restored' event");
    }

    @Test
    void shouldJudgeOnlyTheProbesAndTheDuplicatesWhenTheClusterNeverConvergedBeforeTheFault()
    {
        reached.clear();
        measured.clear();
        victims.clear();
        windows.clear();
        missing.add("converged before the fault never happened: waited 180 s for every node Ready in every node's view");

        final List<Verdict> verdicts = judge();

        assertThat(verdicts).extracting(Verdict::invariant).containsExactly("every step of the scenario happened",
            "probes between pods of untouched nodes never fail",
            "TCP connections between pods of untouched nodes are never reset and never stall > 1 s",
            "no two nodes ever hold one CIDR; no two live pods ever share an IP");
        assertThat(verdicts.get(0).held()).isFalse();
        assertThat(verdicts.get(0).detail()).startsWith("converged before the fault never happened");
        assertThat(verdict(verdicts, "probes between").detail()).as("no window: every probe counts")
            .startsWith("5 probes, 2 failed: sent 12.0..12.0 s, {a1->c1 ping net-unreachable=1, a1->c1 tcp timeout=1}");
    }

    @Test
    void shouldCountRestartsNoFaultCausedAndNameAContainerThatCannotBeInspected()
    {
        restartsNow.put("node-1", 2);
        restartsNow.remove("node-2");

        final List<Verdict> verdicts = judge();

        assertThat(verdict(verdicts, "no agent dies")).extracting(Verdict::held, Verdict::detail)
            .containsExactly(false, "node-1 restarted 2 time(s); node-2: its container could not be inspected");
        assertThat(measured).containsEntry("restarts-unexpected", 2L);
    }

    @Test
    void shouldCountEveryDuplicateSeen()
    {
        duplicates.add("2026-12-06T08:00:00Z node-1 sees 10.244.2.0/24 held by node-2 and node-3");
        duplicates.add("2026-12-06T08:00:01Z node-2 sees live pods b1 and c1 both at 10.244.2.2");

        final List<Verdict> verdicts = judge();

        assertThat(verdict(verdicts, "no two nodes").held()).isFalse();
        assertThat(verdict(verdicts, "no two nodes").detail()).startsWith("2 times, first: 2026-12-06T08:00:00Z node-1 sees");
        assertThat(measured).containsEntry("duplicates", 2L);
    }
}
