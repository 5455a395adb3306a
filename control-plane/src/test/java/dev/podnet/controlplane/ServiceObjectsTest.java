package dev.podnet.controlplane;

import dev.podnet.controlplane.services.EndpointAddressInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.ServiceControl;
import dev.podnet.controlplane.services.ServiceEndpointsInfo;
import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.controlplane.services.ServiceRegistry;
import dev.podnet.controlplane.services.ServiceRegistrySettings;
import dev.podnet.controlplane.services.ServiceView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Namespaces, Services and their endpoints across three control planes: one registry allocates, one
 * controller computes endpoints, every node sees the result.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServiceObjectsTest
{
    private static final ServiceRegistrySettings SETTINGS = ServiceRegistrySettings.of("10.96.0.0/12");

    private TestCluster cluster;
    private final Map<String, ServiceControl> services = new LinkedHashMap<>();
    private final Map<String, AtomicReference<ServiceView>> views = new LinkedHashMap<>();

    @BeforeEach
    void setUp()
    {
        cluster = new TestCluster(1);
        for (final String name : List.of("node-a", "node-b", "node-c"))
        {
            final TestCluster.TestNode node = cluster.start(name);
            final AtomicReference<ServiceView> view = new AtomicReference<>(ServiceView.EMPTY);
            views.put(name, view);
            services.put(name, node.controlPlane.startServices(SETTINGS, view::set));
        }
        cluster.awaitConverged("node-a", "node-b", "node-c");
        TestCluster.await(() -> views.values().stream().allMatch(view -> view.get().services().containsKey("kube-system/kube-dns")),
            Duration.ofSeconds(30), "every node sees the built-in DNS Service");
    }

    @AfterEach
    void tearDown()
    {
        cluster.close();
    }

    private static ServiceInfo service(final String namespace, final String name, final Map<String, String> selector,
        final List<ServicePortInfo> ports)
    {
        return new ServiceInfo(namespace, name, Map.of(), selector, ServiceInfo.CLUSTER_IP, "", ports, null, 0, 0, 0);
    }

    private static ServiceRegistry.RegistryReply join(final java.util.concurrent.CompletionStage<ServiceRegistry.RegistryReply> reply)
    {
        return reply.toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
    }

    @Test
    void shouldHaveTheBuiltInNamespacesAndTheDnsServiceAtTheTenthAddress()
    {
        final ServiceView view = views.get("node-c").get();

        assertThat(view.namespaces()).containsKeys("default", "kube-system", "kube-public", "kube-node-lease");
        assertThat(view.namespaces().get("default").labels()).containsEntry("kubernetes.io/metadata.name", "default");
        assertThat(view.services().get("kube-system/kube-dns").clusterIp()).isEqualTo("10.96.0.10");
    }

    @Test
    void shouldGiveEveryServiceItsOwnClusterIpWhicheverNodeAsks()
    {
        final List<CompletableFuture<ServiceRegistry.RegistryReply>> replies = new ArrayList<>();
        for (int i = 0; i < 30; i++)
        {
            final ServiceControl via = services.get(List.of("node-a", "node-b", "node-c").get(i % 3));
            replies.add(via.applyService(service("default", "svc-" + i, Map.of("app", "x"),
                List.of(new ServicePortInfo("", "UDP", 80, 8081, "", 0)))).toCompletableFuture());
        }

        final Set<String> ips = new HashSet<>();
        for (final CompletableFuture<ServiceRegistry.RegistryReply> reply : replies)
        {
            final ServiceRegistry.RegistryReply answer = reply.orTimeout(20, TimeUnit.SECONDS).join();
            assertThat(answer.ok()).as(answer.error()).isTrue();
            assertThat(answer.outcome()).isEqualTo("created");
            ips.add(answer.service().clusterIp());
        }
        assertThat(ips).hasSize(30).doesNotContain("10.96.0.1", "10.96.0.10")
            .allMatch(ip -> (Cidrs.address(ip) & Cidrs.mask(12)) == Cidrs.address("10.96.0.0"));
        TestCluster.await(() -> views.get("node-b").get().services().size() == 31, Duration.ofSeconds(10), "node-b sees all 31");
    }

    @Test
    void shouldKeepTheClusterIpAsked()
    {
        final ServiceInfo wanted = new ServiceInfo("default", "fixed", Map.of(), Map.of("app", "x"), ServiceInfo.CLUSTER_IP,
            "10.96.100.100", List.of(new ServicePortInfo("", "UDP", 80, 80, "", 0)), null, 0, 0, 0);

        final ServiceRegistry.RegistryReply first = join(services.get("node-a").applyService(wanted));
        final ServiceRegistry.RegistryReply again = join(services.get("node-b").applyService(wanted));
        final ServiceRegistry.RegistryReply taken = join(services.get("node-c").applyService(new ServiceInfo("default", "other",
            Map.of(), Map.of(), null, "10.96.100.100", List.of(), null, 0, 0, 0)));

        assertThat(first.service().clusterIp()).isEqualTo("10.96.100.100");
        assertThat(again.outcome()).isEqualTo("unchanged");
        assertThat(taken.status()).isEqualTo(422);
        assertThat(taken.error()).contains("spec.clusterIP").contains("provided IP is already allocated");
    }

    @Test
    void shouldRefuseToChangeAClusterIpAndServicesOfANamespaceThatDoesNotExist()
    {
        final ServiceRegistry.RegistryReply created = join(services.get("node-a").applyService(service("default", "web",
            Map.of("app", "web"), List.of(new ServicePortInfo("", "UDP", 80, 8081, "", 0)))));
        final ServiceInfo moved = new ServiceInfo("default", "web", Map.of(), Map.of("app", "web"), null, "10.96.200.1",
            created.service().ports(), null, 0, 0, 0);

        final ServiceRegistry.RegistryReply immutable = join(services.get("node-b").applyService(moved));
        final ServiceRegistry.RegistryReply nowhere = join(services.get("node-c").applyService(service("nowhere", "web", Map.of(),
            List.of())));

        assertThat(immutable.status()).isEqualTo(422);
        assertThat(immutable.error()).contains("field is immutable");
        assertThat(nowhere.status()).isEqualTo(404);
        assertThat(nowhere.error()).isEqualTo("namespaces \"nowhere\" not found");
    }

    @Test
    void shouldAllocateNodePortsFromTheirRangeAndFreeThemWhenTheTypeChanges()
    {
        final ServiceInfo nodePort = new ServiceInfo("default", "np", Map.of(), Map.of("app", "x"), ServiceInfo.NODE_PORT, "",
            List.of(new ServicePortInfo("http", "UDP", 80, 8081, "", 0)), null, 0, 0, 0);

        final ServiceRegistry.RegistryReply created = join(services.get("node-a").applyService(nodePort));
        final ServiceRegistry.RegistryReply unchanged = join(services.get("node-a").applyService(nodePort));

        assertThat(created.service().ports().get(0).nodePort()).isBetween(30000, 32767);
        assertThat(unchanged.outcome()).as("an unset nodePort keeps the one allocated").isEqualTo("unchanged");
    }

    @Test
    void shouldComputeEndpointsFromTheReadyPodsTheSelectorMatches()
    {
        final TestCluster.TestNode b = cluster.node("node-b");
        final TestCluster.TestNode c = cluster.node("node-c");
        TestCluster.await(() -> b.cidr() != null && c.cidr() != null, Duration.ofSeconds(20), "leases");
        final String bIp = Cidrs.format(Cidrs.network(b.cidr()) + 2);
        final String cIp = Cidrs.format(Cidrs.network(c.cidr()) + 2);
        final String cOther = Cidrs.format(Cidrs.network(c.cidr()) + 3);
        b.controlPlane.publishPods(List.of(pod(bIp, "web-1", Map.of("app", "web"), List.of(new PodPortInfo("http", 8081, "UDP")))));
        c.controlPlane.publishPods(List.of(
            pod(cIp, "web-2", Map.of("app", "web", "tier", "x"), List.of(new PodPortInfo("http", 9090, "UDP"))),
            pod(cOther, "db", Map.of("app", "db"), List.of())));
        join(services.get("node-a").applyService(service("default", "web", Map.of("app", "web"),
            List.of(new ServicePortInfo("http", "UDP", 80, 0, "http", 0), new ServicePortInfo("raw", "UDP", 81, 7000, "", 0)))));

        TestCluster.await(() -> endpoints("node-a", "default/web") != null && endpoints("node-a", "default/web").addresses().size() == 2,
            Duration.ofSeconds(20), "both web pods are endpoints");
        final ServiceEndpointsInfo endpoints = endpoints("node-a", "default/web");

        assertThat(endpoints.addresses()).extracting(EndpointAddressInfo::pod, EndpointAddressInfo::targetPorts)
            .containsExactlyInAnyOrder(
                org.assertj.core.api.Assertions.tuple("web-1", List.of(8081, 7000)),
                org.assertj.core.api.Assertions.tuple("web-2", List.of(9090, 7000)));
        assertThat(endpoints.changedAt()).isPositive();

        cluster.crash("node-c");
        TestCluster.await(() -> endpoints("node-a", "default/web").addresses().size() == 1, Duration.ofSeconds(20),
            "the crashed node's pod is no longer ready");
        assertThat(endpoints("node-a", "default/web").notReadyAddresses()).extracting(EndpointAddressInfo::pod).containsExactly("web-2");
    }

    @Test
    void shouldDeleteANamespaceWithItsServicesButNeverABuiltInOne()
    {
        assertThat(join(services.get("node-a").applyNamespace(new NamespaceInfo("prod", Map.of("team", "x"), 0))).outcome())
            .isEqualTo("created");
        join(services.get("node-a").applyService(service("prod", "api", Map.of("app", "api"), List.of())));

        final ServiceRegistry.RegistryReply deleted = join(services.get("node-b").deleteNamespace("prod"));
        final ServiceRegistry.RegistryReply forbidden = join(services.get("node-b").deleteNamespace("default"));

        assertThat(deleted.outcome()).isEqualTo("deleted");
        assertThat(forbidden.status()).isEqualTo(403);
        TestCluster.await(() -> !views.get("node-c").get().services().containsKey("prod/api") &&
            !views.get("node-c").get().namespaces().containsKey("prod"), Duration.ofSeconds(10), "prod and its Service are gone");
    }

    private ServiceEndpointsInfo endpoints(final String node, final String key)
    {
        return views.get(node).get().endpoints().get(key);
    }

    private static EndpointInfo pod(final String ip, final String name, final Map<String, String> labels, final List<PodPortInfo> ports)
    {
        return new EndpointInfo(ip, 1L, "", name, 0, 0, 0, null, "default", labels, ports, "", "");
    }
}
