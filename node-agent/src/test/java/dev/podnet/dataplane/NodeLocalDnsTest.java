package dev.podnet.dataplane;

import dev.podnet.dns.DnsZone;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.UdpExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.podnet.dataplane.ManualNode.ip;
import static org.assertj.core.api.Assertions.assertThat;

/** Pods resolve names through the cluster DNS Service, which their own node answers. */
class NodeLocalDnsTest
{
    private ManualNode node;

    @BeforeEach
    void setUp()
    {
        node = ManualNode.withCidr("10.244.1.0/24");
        node.await(node.proxy.createPod(new PodSpec("default", "client", Map.of(), List.of())));
        node.await(node.proxy.createPod(new PodSpec("prod", "worker", Map.of("app", "worker"), List.of())));
        final DnsZone.Builder zone = DnsZone.builder("cluster.local", ip("10.96.0.10")).namespace("default").namespace("prod");
        zone.service("default", "web", ip("10.96.0.50"), List.of(new DnsZone.Builder.Port("http", "UDP", 80)));
        zone.service("prod", "web", ip("10.96.0.60"), List.of());
        node.await(node.proxy.installDnsZone(zone.build(1)));
    }

    private StubResolver.Result resolve(final String pod, final String name)
    {
        return node.await(node.proxy.resolve(pod, name, DnsZone.TYPE_A), Duration.ofSeconds(60));
    }

    @Test
    void shouldResolveAServiceOfThePodsOwnNamespaceByItsShortName()
    {
        assertThat(resolve("client", "web").addresses()).containsExactly(ip("10.96.0.50"));
        assertThat(resolve("prod/worker", "web").addresses()).as("the search path starts with the pod's namespace")
            .containsExactly(ip("10.96.0.60"));
        assertThat(resolve("prod/worker", "web.default").addresses()).containsExactly(ip("10.96.0.50"));
    }

    @Test
    void shouldFailWithNxdomainAfterTheWholeSearchPath()
    {
        final StubResolver.Result result = resolve("client", "nothing");

        assertThat(result.error()).isEqualTo("NXDOMAIN");
        assertThat(result.tried()).containsExactly("nothing.default.svc.cluster.local.", "nothing.svc.cluster.local.",
            "nothing.cluster.local.", "nothing.");
    }

    @Test
    void shouldAnswerFromTheDnsServiceAddressOnPort53()
    {
        final byte[] query = queryBytes();

        final UdpExchange answer = node.await(node.proxy.udp("client", ip("10.96.0.10"), 53, query, Duration.ofSeconds(2)));

        assertThat(answer.ok()).isTrue();
        assertThat(Ipv4Address.format(answer.fromIp()) + ":" + answer.fromPort()).isEqualTo("10.96.0.10:53");
        assertThat(answer.reply()[3] & 0x0F).as("NOERROR").isZero();
    }

    @Test
    void shouldCountAndIgnoreWhatIsNoQuery()
    {
        final UdpExchange garbage = node.await(node.proxy.udp("client", ip("10.96.0.10"), 53, new byte[] {1, 2, 3},
            Duration.ofMillis(500)));

        assertThat(garbage.error()).isEqualTo("timeout");
        assertThat(node.dataPlane.drops().get(DropReason.DNS_NOT_A_QUERY)).isEqualTo(1);
    }

    private static byte[] queryBytes()
    {
        // web.default.svc.cluster.local. IN A, id 0x0101, RD
        final byte[] name = dev.podnet.dns.DnsName.toWire("web.default.svc.cluster.local");
        final byte[] query = new byte[12 + name.length + 4];
        query[0] = 1;
        query[1] = 1;
        query[2] = 1;
        query[5] = 1;
        System.arraycopy(name, 0, query, 12, name.length);
        query[query.length - 3] = 1;
        query[query.length - 1] = 1;
        return query;
    }
}
