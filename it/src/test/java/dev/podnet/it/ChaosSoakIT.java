package dev.podnet.it;

import dev.podnet.chaos.ChaosRun;
import dev.podnet.chaos.ChaosSoak;
import dev.podnet.it.containers.ContainerCluster;
import dev.podnet.it.containers.Docker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos soak ({@link ChaosSoak}) against five node containers with two pods each: faults drawn at
 * random from the five scenarios, back to back, for {@code -Dchaos.soak.minutes=N} minutes, every
 * invariant judged after each heal, and the totals must hold. It runs only when that property asks:
 * it/pom.xml leaves the class out of the integration tests otherwise, and CI keeps {@link ChaosIT}'s five
 * short scenarios.
 * <pre>
 * flock /tmp/podnet-docker.lock mvn -B -pl it -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=ChaosSoakIT -Dchaos.soak.minutes=10 [-Dchaos.soak.seed=42]
 * </pre>
 * The totals and every failed fault's report go to {@code it/target/chaos/soak.txt}, every agent's log to
 * {@code it/target/chaos/soak-logs/}.
 */
class ChaosSoakIT
{
    @Test
    void shouldHoldEveryInvariantAfterEveryFaultForTheWholeSoak() throws IOException
    {
        final String minutes = System.getProperty("chaos.soak.minutes", "");
        assertThat(minutes).as("the soak's length: -Dchaos.soak.minutes=N").matches("[1-9][0-9]*");
        final long seed = Long.getLong("chaos.soak.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        Docker.require();
        try (ContainerCluster containers = ContainerCluster.start(ChaosSoak.NODES, 2))
        {
            final ChaosSoak.Result result = new ChaosSoak(containers.chaos(), line -> System.out.println("soak: " + line))
                .run(Duration.ofMinutes(Integer.parseInt(minutes)), seed);

            final String totals = result.totals().format();
            final String failed = result.reports().stream().filter(report -> !report.passed()).map(ChaosRun.Report::format)
                .collect(Collectors.joining("\n"));
            final Path dir = Files.createDirectories(Docker.repositoryRoot().resolve("it/target/chaos"));
            Files.writeString(dir.resolve("soak.txt"), totals + (failed.isEmpty() ? "" : "\n" + failed), StandardCharsets.UTF_8);
            containers.saveLogs(dir.resolve("soak-logs"));
            System.out.println(totals);
            assertThat(result.totals().passed()).as("%s%n%s", totals, failed).isTrue();
            assertThat(result.totals().faultCount()).as("faults injected").isPositive();
        }
    }
}
