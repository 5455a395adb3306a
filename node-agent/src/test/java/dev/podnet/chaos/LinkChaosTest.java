package dev.podnet.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.podnet.testing.Http;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The link chaos scenarios against three real agents in this JVM (node-1 <-> node-2 impaired, node-3 untouched),
 * every pod probing every pod: each scenario's invariants hold, as {@code podnetctl chaos slow-link} judges them
 * against containers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LinkChaosTest
{
    private static final Duration WINDOW = Duration.ofSeconds(8);
    private LocalCluster cluster;
    private LinkChaos.Agents agents;

    @BeforeAll
    void startCluster()
    {
        cluster = LocalCluster.start(3, 2);
        agents = new LinkChaos.Agents()
        {
            @Override
            public List<String> nodes()
            {
                return List.of("node-1", "node-2", "node-3");
            }

            @Override
            public JsonNode call(final String node, final String method, final String path, final String body)
            {
                final Http.Reply reply = Http.send(method, cluster.api(Integer.parseInt(node.substring(5))) + path, body);
                if (reply.status() / 100 != 2)
                {
                    return null;
                }
                return reply.body().isEmpty() ? JsonNodeFactory.instance.objectNode() : reply.json();
            }
        };
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private LinkChaos.Report run(final LinkChaos.Scenario scenario)
    {
        final LinkChaos.Report report = new LinkChaos(agents, WINDOW, line -> { }).run(scenario);
        System.out.println(report.format());
        return report;
    }

    @Test
    void shouldKeepEveryInvariantOfASlowLink()
    {
        final LinkChaos.Report report = run(LinkChaos.Scenario.SLOW_LINK);

        assertThat(report.verdicts()).allSatisfy(verdict -> assertThat(verdict.held()).as(verdict.toString()).isTrue());
        assertThat(report.measured().get("rtt-across-min-us")).isGreaterThanOrEqualTo(180_000L);
    }

    @Test
    void shouldKeepEveryInvariantOfALossyLink()
    {
        final LinkChaos.Report report = run(LinkChaos.Scenario.LOSSY_LINK);

        assertThat(report.verdicts()).allSatisfy(verdict -> assertThat(verdict.held()).as(verdict.toString()).isTrue());
        assertThat(report.measured().get("probes-across")).isGreaterThanOrEqualTo(100L);
    }

    @Test
    void shouldKeepEveryInvariantOfAOneWayPartition()
    {
        final LinkChaos.Report report = run(LinkChaos.Scenario.ONE_WAY_PARTITION);

        assertThat(report.verdicts()).allSatisfy(verdict -> assertThat(verdict.held()).as(verdict.toString()).isTrue());
        assertThat(report.measured().get("frames-b-to-a")).isPositive();
        assertThat(report.measured().get("frames-a-to-b")).isZero();
    }
}
