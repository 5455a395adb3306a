package dev.podnet.cli;

import dev.podnet.chaos.DockerCli;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code podnetctl chaos}'s refusals; the scenarios themselves run in ChaosIT (containers) and, through this
 * command against the shipped compose file, in ComposeIT.
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
            "partition, rolling-restart)");
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

    @Test
    void shouldSayWhyWhenThereIsNoClusterToWorkOn()
    {
        final StringWriter err = new StringWriter();
        final int exit = PodnetCtl.commandLine(Map.of()).setErr(new PrintWriter(err))
            .execute("chaos", "kill-one", "--project", "podnet-no-such-project");
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
