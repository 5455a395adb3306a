package dev.podnet.controlplane;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cluster membership needs the shared secret: nodes with the same secret form a cluster over TLS; a node
 * configured with another one is refused at the handshake of its join, each side says so in its log, and
 * the secret appears in no log line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterSecretTest
{
    private static final String SECRET = "our-cluster-secret-0123456789";
    private static final String OTHER_SECRET = "another-cluster-secret-98765";

    @Test
    void shouldRefuseANodeWithAnotherSecretAndLogItOnBothSidesWithoutTheSecret()
    {
        final Logger root = (Logger)LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        final ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (TestCluster cluster = new TestCluster(1))
        {
            cluster.start("a", s -> s.withClusterSecret(ClusterSecret.of(SECRET)));
            cluster.start("b", s -> s.withClusterSecret(ClusterSecret.of(SECRET)));
            cluster.awaitConverged("a", "b");
            TestCluster.await(() -> cluster.node("b").cidr() != null, Duration.ofSeconds(30), "b got a lease over TLS");

            cluster.start("c", s -> s.withClusterSecret(ClusterSecret.of(OTHER_SECRET)));
            TestCluster.await(() -> messages(logs).stream().anyMatch(line -> line.contains("refused a cluster connection")) &&
                    messages(logs).stream().anyMatch(line -> line.contains("cannot join the cluster through 127.0.0.1:")),
                Duration.ofSeconds(30), "the refusal logged by the seed and by the refused node");

            // give c several join attempts: it never becomes a member, never gets a lease
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (System.nanoTime() < until)
            {
                assertThat(cluster.node("a").view().members()).doesNotContainKey("c");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            assertThat(cluster.node("c").cidr()).isNull();
            assertThat(cluster.node("a").view().members()).containsOnlyKeys("a", "b");

            final List<String> lines = messages(logs);
            assertThat(lines).filteredOn(line -> line.contains("PODNET_CLUSTER_SECRET differs")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(lines).noneMatch(line -> line.contains(SECRET) || line.contains(OTHER_SECRET));
        }
        finally
        {
            root.detachAppender(logs);
        }
    }

    @Test
    void shouldDeriveTheSameKeyAndNetworkIdFromTheSameSecretAndOthersFromAnother()
    {
        assertThat(new ClusterTls("x", ClusterSecret.of(SECRET)).fingerprint())
            .isEqualTo(new ClusterTls("y", ClusterSecret.of(" " + SECRET + "\n")).fingerprint())
            .isNotEqualTo(new ClusterTls("x", ClusterSecret.of(OTHER_SECRET)).fingerprint());
        assertThat(ClusterSecret.of(SECRET).networkId()).isEqualTo(ClusterSecret.of(SECRET).networkId())
            .isNotEqualTo(ClusterSecret.of(OTHER_SECRET).networkId()).isBetween(1, (1 << 24) - 1);
        assertThat(ClusterSecret.of(SECRET).toString()).doesNotContain(SECRET);
        assertThat(ControlPlaneSettings.of("a", "127.0.0.1", 2552, List.of(), 8472).withClusterSecret(ClusterSecret.of(SECRET))
            .toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldRefuseAShortSecretWithoutRepeatingIt()
    {
        assertThatThrownBy(() -> ClusterSecret.of("too-short"))
            .hasMessage("the cluster secret has 9 characters: at least 16 are needed (e.g. openssl rand -hex 16)");
    }

    private static List<String> messages(final ListAppender<ILoggingEvent> logs)
    {
        synchronized (logs)
        {
            final List<String> lines = new ArrayList<>();
            for (final ILoggingEvent event : new ArrayList<>(logs.list))
            {
                lines.add(event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage()));
            }
            return lines;
        }
    }
}
