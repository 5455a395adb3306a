package dev.podnet.chaos;

import dev.podnet.chaos.ChaosRun.Report;
import dev.podnet.chaos.ChaosRun.Scenario;
import dev.podnet.chaos.ChaosRun.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The soak's totals from its faults' reports; the soak itself runs in ChaosSoakIT and through podnetctl chaos soak. */
class ChaosSoakTest
{
    private static Report report(final Scenario scenario, final boolean held, final Map<String, Long> measured, final String... missing)
    {
        return new Report(scenario, 0, List.of("node-5"), List.of(), List.of(new Verdict("every step of the scenario happened",
            missing.length == 0, String.join("; ", missing)), new Verdict("probes between pods of untouched nodes never fail", held,
            held ? "fine" : "3 failed")), measured, List.of(missing));
    }

    @Test
    void shouldSumEveryFaultsFiguresAndPassOnlyWhenEveryFaultHeld()
    {
        final List<Report> reports = List.of(
            report(Scenario.KILL_ONE, true, Map.of("probes", 1000L, "probes-failed", 100L, "probes-untouched", 800L,
                "probes-untouched-failed", 0L, "duplicates", 0L, "restarts-unexpected", 0L)),
            report(Scenario.ROLLING_RESTART, true, Map.of("probes", 3000L, "probes-failed", 200L, "probes-untouched", 2500L)),
            report(Scenario.KILL_ONE, true, Map.of("probes", 500L, "probes-untouched", 400L)));

        final ChaosSoak.Totals totals = ChaosSoak.totals(reports, Duration.ofMinutes(10), 42, null);

        assertThat(totals.faultCount()).isEqualTo(3);
        assertThat(totals.faults()).containsExactly(Map.entry(Scenario.KILL_ONE, 2), Map.entry(Scenario.ROLLING_RESTART, 1));
        assertThat(totals.probes()).isEqualTo(4500);
        assertThat(totals.probesFailed()).isEqualTo(300);
        assertThat(totals.untouchedProbes()).isEqualTo(3700);
        assertThat(totals.untouchedFailed()).isZero();
        assertThat(totals.passed()).isTrue();
        assertThat(totals.format()).contains("soak: 10.0 min, seed 42: 3 faults injected (kill-one 2, rolling-restart 1)",
            "failures between untouched pods           0 of 3700", "all invariants held after every fault");
    }

    @Test
    void shouldFailAndNameTheFaultWhenOneFaultFailedOrUntouchedProbesFailed()
    {
        final List<Report> reports = List.of(
            report(Scenario.KILL_ONE, true, Map.of("probes", 1000L)),
            report(Scenario.PARTITION, false, Map.of("probes", 1000L, "probes-untouched", 900L, "probes-untouched-failed", 3L)));

        final ChaosSoak.Totals totals = ChaosSoak.totals(reports, Duration.ofMinutes(2), 7, null);

        assertThat(totals.passed()).isFalse();
        assertThat(totals.faultsPassed()).isEqualTo(1);
        assertThat(totals.untouchedFailed()).isEqualTo(3);
        assertThat(totals.failures()).containsExactly("fault 2 (partition): probes between pods of untouched nodes never fail: 3 failed");
        assertThat(totals.format()).contains("INVARIANTS VIOLATED");
    }

    @Test
    void shouldNotCountAFaultThatWasNeverInjectedAndSayWhyTheSoakStopped()
    {
        final List<Report> reports = List.of(
            report(Scenario.KILL_ONE, true, Map.of("probes", 1000L)),
            report(Scenario.KILL_TWO, true, Map.of("probes", 10L),
                "converged before the fault never happened: waited 180 s for every node Ready in every node's view"));

        final ChaosSoak.Totals totals = ChaosSoak.totals(reports, Duration.ofMinutes(5), 7, "fault 2 (kill-two) was not injected");

        assertThat(totals.faultCount()).isEqualTo(1);
        assertThat(totals.probes()).as("its probes still count").isEqualTo(1010);
        assertThat(totals.passed()).isFalse();
        assertThat(totals.format()).contains("stopped early: fault 2 (kill-two) was not injected",
            "FAIL  fault 2 (kill-two): every step of the scenario happened: converged before the fault never happened");
    }
}
