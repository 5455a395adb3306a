package dev.podnet.cli;

import dev.podnet.chaos.DockerCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code podnetctl chaos}'s refusals; the scenarios themselves run in ChaosIT (containers) and, through this
 * command against the shipped compose file, in ComposeIT; the soak in ChaosSoakIT.
 */
class ChaosCommandTest
{
    @Test
    void shouldRefuseAnUnknownScenarioAsAUsageError()
    {
        final StringWriter err = new StringWriter();
        final int exit = PodnetCtl.commandLine(Map.of()).setErr(new PrintWriter(err)).execute("chaos", "kill-everything");
        assertThat(exit).isEqualTo(PodnetCtl.EXIT_USAGE);
        assertThat(err.toString()).contains("unknown scenario 'kill-everything' (one of kill-one, kill-allocator, kill-two, " +
            "partition, rolling-restart, slow-link, lossy-link, one-way-partition; or soak)");
    }

    @Test
    void shouldRefuseASoakOfLessThanAMinuteOrMoreThanADayNamingMinutes()
    {
        for (final String minutes : new String[] {"0", "1441"})
        {
            final StringWriter err = new StringWriter();
            final int exit = PodnetCtl.commandLine(Map.of()).setErr(new PrintWriter(err)).execute("chaos", "soak", "--minutes", minutes);
            assertThat(exit).isEqualTo(PodnetCtl.EXIT_USAGE);
            assertThat(err.toString()).contains("--minutes must be 1..1440: " + minutes);
        }
    }

    @Test
    void shouldRefuseSoakOptionsForASingleScenario()
    {
        final StringWriter err = new StringWriter();
        final int exit = PodnetCtl.commandLine(Map.of()).setErr(new PrintWriter(err)).execute("chaos", "kill-one", "--seed", "7");
        assertThat(exit).isEqualTo(PodnetCtl.EXIT_USAGE);
        assertThat(err.toString()).contains("--seed is for chaos soak only");
    }

    @Test
    void shouldKnowASoakNeedsFiveNodes()
    {
        dev.podnet.chaos.ChaosSoak.requireEnoughNodes(5);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
            .isThrownBy(() -> dev.podnet.chaos.ChaosSoak.requireEnoughNodes(4))
            .withMessage("a soak needs at least 5 nodes, so that a majority survives any scenario, kill-two included " +
                "(this cluster has 4)");
    }

    @Test
    void shouldKnowHowManyNodesEachScenarioNeeds()
    {
        dev.podnet.chaos.ChaosRun.requireEnoughNodes(dev.podnet.chaos.ChaosRun.Scenario.KILL_ONE, 3);
        dev.podnet.chaos.ChaosRun.requireEnoughNodes(dev.podnet.chaos.ChaosRun.Scenario.KILL_TWO, 5);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
            .isThrownBy(() -> dev.podnet.chaos.ChaosRun.requireEnoughNodes(dev.podnet.chaos.ChaosRun.Scenario.KILL_TWO, 3))
            .withMessage("scenario kill-two needs at least 5 nodes, so that a majority survives the fault (this cluster has 3)");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
            .isThrownBy(() -> dev.podnet.chaos.ChaosRun.requireEnoughNodes(dev.podnet.chaos.ChaosRun.Scenario.PARTITION, 2))
            .withMessageContaining("needs at least 3 nodes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kill-one", "soak"})
    void shouldSayWhyWhenThereIsNoClusterToWorkOn(final String scenario)
    {
        final StringWriter err = new StringWriter();
        final int exit = PodnetCtl.commandLine(Map.of()).setErr(new PrintWriter(err))
            .execute("chaos", scenario, "--project", "podnet-no-such-project");
        if (new DockerCli().available())
        {
            assertThat(exit).isEqualTo(PodnetCtl.EXIT_REFUSED);
            assertThat(err.toString()).contains("no containers of Compose project 'podnet-no-such-project'");
        }
        else
        {
            assertThat(exit).isEqualTo(PodnetCtl.EXIT_UNREACHABLE);
            assertThat(err.toString()).contains("no Docker engine answers");
        }
    }
}
