package dev.podnet.controlplane;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.podnet.controlplane.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CIDR leases from the cluster singleton, with real Akka clusters of several ActorSystems in one JVM.
 */
@Timeout(120)
class LeaseAllocationTest
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
    void shouldGiveFiveNodesJoiningAtOnceFiveDistinctLeases()
    {
        cluster = new TestCluster(2);
        final List<String> names = List.of("n1", "n2", "n3", "n4", "n5");
        names.forEach(cluster::start);

        await(() -> names.stream().allMatch(n -> cluster.node(n).cidr() != null), CONVERGE, "every node holds a lease");

        final Set<String> cidrs = names.stream().map(n -> cluster.node(n).cidr()).collect(Collectors.toSet());
        assertThat(cidrs).hasSize(5).allMatch(c -> c.startsWith("10.244.") && c.endsWith(".0/24"));
        await(() -> names.stream().allMatch(n -> cluster.node(n).view().leases().size() == 5), CONVERGE,
            "every node sees all five leases");
        assertThat(cluster.node("n4").view().ready()).isTrue();
    }

    @Test
    void shouldGiveANodeRestartedUnderItsNameItsOldLease()
    {
        final String before = startThreeAndCrashN3(settings -> settings);
        cluster.start("n3");

        await(() -> cluster.node("n3").cidr() != null, CONVERGE, "restarted n3 holds a lease");
        assertThat(cluster.node("n3").cidr()).isEqualTo(before);
    }

    /**
     * Several control planes in one JVM on the one shared dispatcher pool ({@code podnet pack}): a member that crashes
     * shuts its dispatchers down, and the pool the others run on must go on.
     */
    @Test
    void shouldRunMembersOnTheSharedDispatcherPoolAndOutliveOneThatCrashes()
    {
        final ControlPlaneSettings shared = ControlPlaneSettings.of("n1", "127.0.0.1", 2552, List.of("127.0.0.1:2552"), 8472)
            .withExtraConfig("akka.cluster.gossip-interval = 3s")
            .withSharedDispatchers();
        assertThat(shared.akkaConfig().getString("akka.cluster.gossip-interval")).as("other extra configuration kept").isEqualTo("3s");
        assertThat(shared.akkaConfig().getString("akka.actor.default-dispatcher.executor")).isEqualTo(SharedForkJoinExecutor.CLASS_NAME);
        assertThat(shared.akkaConfig().getString("akka.remote.default-remote-dispatcher.executor"))
            .isEqualTo(SharedForkJoinExecutor.CLASS_NAME);

        final String before = startThreeAndCrashN3(ControlPlaneSettings::withSharedDispatchers);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith("podnet-akka-shared-"));
        await(() -> !cluster.node("n1").view().members().containsKey("n3") || !cluster.node("n1").view().members().get("n3").reachable(),
            CONVERGE, "n1 sees n3 gone");
        cluster.start("n3", ControlPlaneSettings::withSharedDispatchers);

        await(() -> cluster.node("n3").cidr() != null, CONVERGE, "restarted n3 holds a lease");
        assertThat(cluster.node("n3").cidr()).isEqualTo(before);
        cluster.awaitConverged("n1", "n2", "n3");
    }

    /** Starts n1 (the seed), n2 and n3 with {@code customize}'s settings, waits until they converge, crashes n3: its lease. */
    private String startThreeAndCrashN3(final java.util.function.UnaryOperator<ControlPlaneSettings> customize)
    {
        cluster = new TestCluster(1);
        cluster.start("n1", customize);
        cluster.start("n2", customize);
        cluster.start("n3", customize);
        await(() -> cluster.node("n3").cidr() != null && cluster.node("n2").cidr() != null, CONVERGE, "n2 and n3 hold leases");
        cluster.awaitConverged("n1", "n2", "n3");
        final String before = cluster.node("n3").cidr();
        cluster.crash("n3");
        return before;
    }

    @Test
    void shouldRefuseTheNameOfALiveNodeToASecondAgentAndSayWhichMemberHoldsIt()
    {
        cluster = new TestCluster(1);
        cluster.start("n1");
        final TestCluster.TestNode n2 = cluster.start("n2");
        await(() -> n2.cidr() != null, CONVERGE, "n2 holds a lease");
        cluster.awaitConverged("n1", "n2");
        final LeaseInfo lease = cluster.node("n1").view().leases().get("n2");

        final TestCluster.TestNode impostor = cluster.start("impostor", TestCluster.named("n2"));

        await(() -> impostor.view() != null && impostor.view().reason() != null &&
            impostor.view().reason().startsWith(LeaseAllocator.NAME_IN_USE), CONVERGE, "the second n2 is refused");
        assertThat(impostor.view().reason()).isEqualTo("name-in-use: node name n2 is held by the live member at 127.0.0.1:" +
            n2.settings.clusterPort() + " (Up), which has lease " + lease.cidr() + "; stop that agent or give this one another name");
        assertThat(impostor.cidr()).isNull();
        await(() -> impostor.view().members().size() == 2, CONVERGE, "the second n2 is a member");
        for (final TestCluster.TestNode viewer : List.of(cluster.node("n1"), n2))
        {
            assertThat(viewer.view().leases().get("n2")).as("n2's lease, tunnel included, on " + viewer.name).isEqualTo(lease);
            assertThat(viewer.view().members().get("n2").address()).as("n2 stands for the name on " + viewer.name)
                .isEqualTo("127.0.0.1:" + n2.settings.clusterPort());
        }

        impostor.controlPlane.close();
        assertThat(cluster.node("n1").view().members().get("n2").address()).isEqualTo("127.0.0.1:" + n2.settings.clusterPort());
        assertThat(cluster.node("n1").view().routableLeases()).as("n1 still routes to n2").containsExactly(lease);
    }

    @Test
    void shouldGiveTheLeaseToANewLifeElsewhereOnceThePreviousOneIsDownedOrLeft()
    {
        cluster = new TestCluster(1);
        cluster.start("n1");
        cluster.start("n2");
        cluster.start("n3");
        await(() -> cluster.node("n2").cidr() != null && cluster.node("n3").cidr() != null, CONVERGE, "leases held");
        cluster.awaitConverged("n1", "n2", "n3");
        final String leaseN2 = cluster.node("n2").cidr();
        final String leaseN3 = cluster.node("n3").cidr();

        // killed: refused while it is an unreachable member, granted once the split brain resolver downed it
        cluster.crash("n2");
        final TestCluster.TestNode n2 = cluster.start("n2-elsewhere", TestCluster.named("n2"));
        await(() -> n2.cidr() != null, CONVERGE, "the new n2 gets a lease");
        assertThat(n2.cidr()).isEqualTo(leaseN2);
        cluster.awaitConverged("n1", "n2-elsewhere", "n3");

        // left: granted at once
        cluster.leave("n3");
        final TestCluster.TestNode n3 = cluster.start("n3-elsewhere", TestCluster.named("n3"));
        await(() -> n3.cidr() != null, CONVERGE, "the new n3 gets a lease");
        assertThat(n3.cidr()).isEqualTo(leaseN3);
    }

    @Test
    void shouldKeepALeaseForTheGracePeriodAfterItsNodeIsGoneThenReclaimIt()
    {
        cluster = new TestCluster(1);
        cluster.start("n1");
        cluster.start("n2");
        cluster.start("n3");
        await(() -> cluster.node("n3").cidr() != null && cluster.node("n2").cidr() != null, CONVERGE, "leases held");
        cluster.awaitConverged("n1", "n2", "n3");
        final String lost = cluster.node("n3").cidr();

        cluster.crash("n3");
        await(() -> isReleased(cluster.node("n1").view(), "n3"), CONVERGE, "n3 downed and its lease marked released");

        cluster.start("n4");
        await(() -> cluster.node("n4").cidr() != null, CONVERGE, "n4 holds a lease");
        assertThat(cluster.node("n4").cidr()).as("n3's lease is still reserved").isNotEqualTo(lost);

        await(() -> !cluster.node("n1").view().leases().containsKey("n3"), CONVERGE, "n3's lease reclaimed after the grace period");
        assertThat(cluster.node("n1").controlPlane.leasesReclaimed()).as("n1 runs the singleton (oldest)").isEqualTo(1);

        cluster.start("n5");
        await(() -> cluster.node("n5").cidr() != null, CONVERGE, "n5 holds a lease");
        assertThat(cluster.node("n5").cidr()).as("the reclaimed subnet is free again").isEqualTo(lost);
    }

    @Test
    void shouldNeitherLoseNorDuplicateLeasesWhenTheSingletonsNodeDies()
    {
        cluster = new TestCluster(2);
        for (final String name : List.of("n1", "n2", "n3", "n4"))
        {
            cluster.start(name);
        }
        await(() -> List.of("n1", "n2", "n3", "n4").stream().allMatch(n -> cluster.node(n).cidr() != null), CONVERGE, "leases held");
        cluster.awaitConverged("n1", "n2", "n3", "n4");
        final Map<String, String> before = Map.of(
            "n2", cluster.node("n2").cidr(), "n3", cluster.node("n3").cidr(), "n4", cluster.node("n4").cidr());

        cluster.crash("n1"); // the oldest member: it runs the lease allocator
        cluster.start("n5");
        cluster.start("n6");

        await(() -> cluster.node("n5").cidr() != null && cluster.node("n6").cidr() != null, CONVERGE,
            "new nodes get leases from the singleton's successor");
        final Set<String> all = new HashSet<>(before.values());
        all.add(cluster.node("n1").view().lease().cidr());
        assertThat(all).doesNotContain(cluster.node("n5").cidr(), cluster.node("n6").cidr());
        assertThat(cluster.node("n5").cidr()).isNotEqualTo(cluster.node("n6").cidr());
        await(() -> before.entrySet().stream().allMatch(e ->
                e.getValue().equals(cidrOf(cluster.node("n5").view(), e.getKey()))), CONVERGE,
            "the survivors' leases are unchanged in the new singleton's view");
    }

    @Test
    void shouldLeaveANodeWithAnotherClusterCidrNotReadyWithTheReason()
    {
        cluster = new TestCluster(1);
        cluster.start("n1");
        final TestCluster.TestNode odd = cluster.start("odd", s -> s.withClusterCidr("10.245.0.0/16", 24));

        await(() -> odd.view() != null && odd.view().reason() != null && odd.view().reason().contains("PODNET_CLUSTER_CIDR"),
            CONVERGE, "odd is refused with the reason");
        assertThat(odd.view().ready()).isFalse();
        assertThat(odd.view().reason()).contains("10.245.0.0/16", "10.244.0.0/16");
        assertThat(cluster.node("n1").view().leases()).doesNotContainKey("odd");
    }

    @Test
    void shouldLeaveANodeNotReadyWhenThePoolIsExhausted()
    {
        cluster = new TestCluster(1);
        final var small = (java.util.function.UnaryOperator<ControlPlaneSettings>)s -> s.withClusterCidr("10.244.0.0/23", 24);
        final List<TestCluster.TestNode> nodes = List.of(
            cluster.start("n1", small), cluster.start("n2", small), cluster.start("n3", small));

        await(() -> nodes.stream().filter(n -> n.cidr() != null).count() == 2 &&
                nodes.stream().anyMatch(n -> n.view() != null && n.view().reason() != null && n.view().reason().startsWith("no free /24")),
            CONVERGE, "two nodes hold the two /24s of the /23 and the third is refused");
        final TestCluster.TestNode refused = nodes.stream().filter(n -> n.cidr() == null).findFirst().orElseThrow();
        assertThat(refused.view().ready()).isFalse();
        assertThat(refused.view().reason()).isEqualTo(
            "no free /24 left in 10.244.0.0/23: all 2 are leased (0 of them to removed nodes, reclaimed after their grace period)");
        assertThat(nodes.stream().map(TestCluster.TestNode::cidr).filter(c -> c != null))
            .containsExactlyInAnyOrder("10.244.0.0/24", "10.244.1.0/24");
    }

    private static boolean isReleased(final ClusterView view, final String node)
    {
        final LeaseInfo lease = view == null ? null : view.leases().get(node);
        return lease != null && lease.isReleased();
    }

    private static String cidrOf(final ClusterView view, final String node)
    {
        final LeaseInfo lease = view == null ? null : view.leases().get(node);
        return lease == null ? null : lease.cidr();
    }
}
