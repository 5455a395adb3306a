package dev.podnet.controlplane;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static dev.podnet.controlplane.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replicated pod endpoint table: each node writes its own pods, everybody sees them, deletes
 * spread, and a node's previous life can never overwrite or resurrect over its current one.
 */
@Timeout(120)
class EndpointTableTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(20);
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
    void shouldSpreadEachNodesPodsToEveryNodeAndTheirDeletion()
    {
        cluster = new TestCluster(1);
        final List<String> names = List.of("n1", "n2", "n3");
        names.forEach(cluster::start);
        await(() -> names.stream().allMatch(n -> cluster.node(n).cidr() != null), CONVERGE, "leases held");

        cluster.node("n2").controlPlane.publishPods(List.of(pod("10.244.9.2", "p-1"), pod("10.244.9.3", "p-2")));
        await(() -> names.stream().allMatch(n -> cluster.node(n).view().endpoints().size() == 2), CONVERGE,
            "every node sees n2's two pods");
        final EndpointInfo seen = cluster.node("n3").view().endpoints().get("10.244.9.2");
        assertThat(seen.node()).isEqualTo("n2");
        assertThat(seen.pod()).isEqualTo("p-1");
        assertThat(seen.incarnation()).isEqualTo(cluster.node("n2").settings.incarnation());

        cluster.node("n2").controlPlane.publishPods(List.of(pod("10.244.9.3", "p-2")));
        await(() -> names.stream().allMatch(n -> !cluster.node(n).view().endpoints().containsKey("10.244.9.2")), CONVERGE,
            "the deleted pod is gone everywhere");
    }

    @Test
    void shouldNeverLetAnEntryFromAPreviousIncarnationWin()
    {
        cluster = new TestCluster(1);
        cluster.start("n1");
        final TestCluster.TestNode current = cluster.start("n2");
        await(() -> current.cidr() != null, CONVERGE, "n2 holds its lease");
        current.controlPlane.publishPods(List.of(pod("10.244.9.7", "new-life")));
        await(() -> "new-life".equals(podAt(cluster.node("n1"), "10.244.9.7")), CONVERGE, "n1 sees n2's pod");

        // n2's previous life (same node name, older incarnation) is still around and writes the same IP,
        // with a higher version than the current life ever used, plus a pod the current life does not have
        final TestCluster.TestNode stale = cluster.start("stale", s -> new ControlPlaneSettings(
            "n2", s.clusterCidr(), s.nodePrefix(), s.host(), s.bindHost(), s.clusterPort(), s.seeds(), s.tunnelPort(), s.apiPort(),
            s.leaseGrace(), current.settings.incarnation() - 60_000, s.heartbeatInterval(), s.acceptablePause(), s.stableAfter(),
            s.extraConfig(), s.clusterSecret(), null));
        await(() -> stale.view() != null && stale.view().reason() != null &&
            stale.view().reason().startsWith(LeaseAllocator.NAME_IN_USE), CONVERGE, "the stale life is refused n2's lease: n2 is alive");
        for (int i = 0; i < 5; i++)
        {
            stale.controlPlane.publishPods(List.of(pod("10.244.9.7", "old-life-" + i), pod("10.244.9.8", "old-only")));
        }

        await(() -> cluster.node("n1").view().endpoints().containsKey("10.244.9.8") ||
            stale.view().endpoints().containsKey("10.244.9.8"), CONVERGE, "the stale writes happened");
        await(() -> !cluster.node("n1").view().endpoints().containsKey("10.244.9.8"), CONVERGE,
            "the current life removed the pod its previous life left behind");
        for (final TestCluster.TestNode node : List.of(cluster.node("n1"), current, stale))
        {
            await(() -> "new-life".equals(podAt(node, "10.244.9.7")), CONVERGE, "the current life's entry wins on " + node.name);
        }
        assertThat(cluster.node("n1").view().endpoints().get("10.244.9.7").incarnation())
            .isEqualTo(current.settings.incarnation());
    }

    private static String podAt(final TestCluster.TestNode node, final String ip)
    {
        final ClusterView view = node.view();
        final EndpointInfo endpoint = view == null ? null : view.endpoints().get(ip);
        return endpoint == null ? null : endpoint.pod();
    }

    private static EndpointInfo pod(final String ip, final String name)
    {
        return new EndpointInfo(ip, 0x0a58_0000_0000L | (Cidrs.address(ip) & 0xFFFFFFFFL), "", name, 0, 0, 0);
    }
}
