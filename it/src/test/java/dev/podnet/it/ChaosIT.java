package dev.podnet.it;

import dev.podnet.chaos.ChaosCluster;
import dev.podnet.chaos.ChaosRun;
import dev.podnet.it.containers.ContainerCluster;
import dev.podnet.it.containers.Docker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The five chaos scenarios against five node containers with two pods each, one after the other on the
 * same cluster, while every pod probes every pod: {@link ChaosRun} injects each fault, watches, and
 * judges the invariants. Each run's report (timeline, figures, verdicts) goes to
 * {@code it/target/chaos/SCENARIO.txt}, every agent's log so far to {@code it/target/chaos/SCENARIO-logs/}; docs/CHAOS.md
 * records them. The soak is {@link ChaosSoakIT}, run on demand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT
{
    private ContainerCluster containers;
    private ChaosCluster cluster;

    @BeforeAll
    void startCluster()
    {
        Docker.require();
        containers = ContainerCluster.start(5, 2);
        cluster = containers.chaos();
    }

    @AfterAll
    void stopCluster()
    {
        if (containers != null)
        {
            containers.close();
        }
    }

    @Test
    @Order(1)
    void killOne() throws IOException
    {
        run(ChaosRun.Scenario.KILL_ONE);
    }

    @Test
    @Order(2)
    void killTheLeaseAllocatorsNode() throws IOException
    {
        run(ChaosRun.Scenario.KILL_ALLOCATOR);
    }

    @Test
    @Order(3)
    void killTwoOfFive() throws IOException
    {
        run(ChaosRun.Scenario.KILL_TWO);
    }

    @Test
    @Order(4)
    void partitionOneNode() throws IOException
    {
        run(ChaosRun.Scenario.PARTITION);
    }

    @Test
    @Order(5)
    void rollingRestart() throws IOException
    {
        run(ChaosRun.Scenario.ROLLING_RESTART);
    }

    private void run(final ChaosRun.Scenario scenario) throws IOException
    {
        final ChaosRun.Report report = new ChaosRun(cluster, line -> System.out.println("chaos: " + line)).run(scenario);
        final Path dir = Files.createDirectories(Docker.repositoryRoot().resolve("it/target/chaos"));
        Files.writeString(dir.resolve(scenario.label() + ".txt"), report.format(), StandardCharsets.UTF_8);
        containers.saveLogs(dir.resolve(scenario.label() + "-logs"));
        System.out.println(report.format());
        assertThat(report.passed()).as(report.format()).isTrue();
    }
}
