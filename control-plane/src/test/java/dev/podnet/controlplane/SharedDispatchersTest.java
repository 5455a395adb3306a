package dev.podnet.controlplane;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static dev.podnet.controlplane.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several control planes in one JVM on the one shared dispatcher pool ({@code podnet pack}): a real Akka cluster whose
 * members share threads, one of which crashes and comes back while the others go on.
 */
@Timeout(120)
class SharedDispatchersTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private TestCluster cluster;

    @AfterEach
    void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldRunEveryMemberOnTheSharedPoolAndOutliveAMemberThatCrashes()
    {
        cluster = new TestCluster(1);
        for (final String name : new String[] {"n1", "n2", "n3"})
        {
            cluster.start(name, ControlPlaneSettings::withSharedDispatchers);
        }
        await(() -> cluster.node("n2").cidr() != null && cluster.node("n3").cidr() != null, CONVERGE, "n2 and n3 hold leases");
        cluster.awaitConverged("n1", "n2", "n3");
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith("podnet-akka-shared-"));
        final String before = cluster.node("n3").cidr();

        // n3's actor system terminates and shuts its dispatchers down: the pool the others run on must go on
        cluster.crash("n3");
        await(() -> !cluster.node("n1").view().members().containsKey("n3") || !cluster.node("n1").view().members().get("n3").reachable(),
            CONVERGE, "n1 sees n3 gone");
        cluster.start("n3", ControlPlaneSettings::withSharedDispatchers);

        await(() -> cluster.node("n3").cidr() != null, CONVERGE, "restarted n3 holds a lease");
        assertThat(cluster.node("n3").cidr()).isEqualTo(before);
        cluster.awaitConverged("n1", "n2", "n3");
    }

    @Test
    void shouldKeepWhatOtherExtraConfigurationSays()
    {
        final ControlPlaneSettings settings = ControlPlaneSettings.of("n1", "127.0.0.1", 2552, java.util.List.of("127.0.0.1:2552"), 8472)
            .withExtraConfig("akka.cluster.gossip-interval = 3s")
            .withSharedDispatchers();
        assertThat(settings.akkaConfig().getString("akka.cluster.gossip-interval")).isEqualTo("3s");
        assertThat(settings.akkaConfig().getString("akka.actor.default-dispatcher.executor")).isEqualTo(SharedForkJoinExecutor.CLASS_NAME);
        assertThat(settings.akkaConfig().getString("akka.remote.default-remote-dispatcher.executor")).isEqualTo(SharedForkJoinExecutor.CLASS_NAME);
    }
}
