package dev.podnet.dns;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.podnet.dns.DnsMessages.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pod's stub resolver: resolv.conf's search path and ndots, retries, and what it accepts as an answer. */
class StubResolverTest
{
    private static final int DNS_IP = ip("10.96.0.10");
    private static final ResolvConf POD_IN_DEFAULT = ResolvConf.forPod(DNS_IP, "default", "cluster.local");
    private final DnsResponder server = new DnsResponder();

    private static DnsZone zone()
    {
        final DnsZone.Builder zone = DnsZone.builder("cluster.local", DNS_IP).namespace("default").namespace("prod");
        zone.service("default", "web", ip("10.96.7.7"), List.of(new DnsZone.Builder.Port("http", "UDP", 8081)));
        zone.service("prod", "data", ip("10.96.8.8"), List.of());
        return zone.build(1);
    }

    /** Runs the lookup against the zone's responder, every query answered at once. */
    private StubResolver.Result resolve(final ResolvConf conf, final String name, final int type)
    {
        final StubResolver resolver = new StubResolver(conf, name, type, 100);
        final DnsZone zone = zone();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
        resolver.start(0);
        int queries = 0;
        while (!resolver.done())
        {
            final int length = server.respond(zone, resolver.query(), 0, resolver.queryLength(), out, 0, out.capacity(), false);
            resolver.onResponse(out, 0, length, 0);
            assertThat(++queries).isLessThan(10);
        }
        return resolver.result();
    }

    @Test
    void shouldTryTheSearchDomainsFirstForANameWithFewerDotsThanNdots()
    {
        assertThat(StubResolver.candidates(POD_IN_DEFAULT, "web")).containsExactly(
            "web.default.svc.cluster.local.", "web.svc.cluster.local.", "web.cluster.local.", "web.");
        assertThat(StubResolver.candidates(POD_IN_DEFAULT, "a.b.c.d.e.f")).containsExactly(
            "a.b.c.d.e.f.", "a.b.c.d.e.f.default.svc.cluster.local.", "a.b.c.d.e.f.svc.cluster.local.", "a.b.c.d.e.f.cluster.local.");
        assertThat(StubResolver.candidates(POD_IN_DEFAULT, "web.default.svc.cluster.local.")).containsExactly(
            "web.default.svc.cluster.local.");
    }

    @Test
    void shouldResolveAServiceOfItsOwnNamespaceByItsShortName()
    {
        final StubResolver.Result result = resolve(POD_IN_DEFAULT, "web", DnsZone.TYPE_A);

        assertThat(result.ok()).isTrue();
        assertThat(result.name()).isEqualTo("web.default.svc.cluster.local.");
        assertThat(result.addresses()).containsExactly(ip("10.96.7.7"));
        assertThat(result.tried()).containsExactly("web.default.svc.cluster.local.");
    }

    @Test
    void shouldResolveAServiceOfAnotherNamespaceAsNameDotNamespace()
    {
        final StubResolver.Result result = resolve(POD_IN_DEFAULT, "data.prod", DnsZone.TYPE_A);

        assertThat(result.addresses()).containsExactly(ip("10.96.8.8"));
        assertThat(result.tried()).containsExactly("data.prod.default.svc.cluster.local.", "data.prod.svc.cluster.local.");
    }

    @Test
    void shouldFailNxdomainAfterEveryCandidateWhenTheNameDoesNotExist()
    {
        final StubResolver.Result result = resolve(POD_IN_DEFAULT, "data", DnsZone.TYPE_A);

        assertThat(result.ok()).isFalse();
        assertThat(result.error()).isEqualTo("NXDOMAIN");
        assertThat(result.tried()).hasSize(4).endsWith("data.");
    }

    @Test
    void shouldFindSrvRecordsOfNamedPorts()
    {
        final StubResolver.Result result = resolve(POD_IN_DEFAULT, "_http._udp.web", DnsZone.TYPE_SRV);

        assertThat(result.answers()).extracting(StubResolver.Answer::data).containsExactly("0 100 8081 web.default.svc.cluster.local.");
    }

    @Test
    void shouldSendAgainAfterTheTimeoutThenMoveOnAndEndWithTimeout()
    {
        final ResolvConf conf = POD_IN_DEFAULT.withTimeout(Duration.ofSeconds(1), 2);
        final StubResolver resolver = new StubResolver(conf, "web.default.svc.cluster.local.", DnsZone.TYPE_A, 1);
        resolver.start(0);

        assertThat(resolver.onTimer(999_999_999L)).isFalse();
        assertThat(resolver.onTimer(1_000_000_000L)).as("second attempt").isTrue();
        assertThat(resolver.onTimer(2_000_000_000L)).as("no third attempt").isFalse();
        assertThat(resolver.done()).isTrue();
        assertThat(resolver.result().error()).isEqualTo("timeout");
    }

    @Test
    void shouldIgnoreAnswersWithAnotherIdOrQuestion()
    {
        final StubResolver resolver = new StubResolver(POD_IN_DEFAULT, "web", DnsZone.TYPE_A, 41);
        resolver.start(0);
        final byte[] wrongId = DnsMessages.ask(server, zone(), DnsMessages.query(7, "web.default.svc.cluster.local", DnsZone.TYPE_A));
        final byte[] wrongName = DnsMessages.ask(server, zone(), DnsMessages.query(42, "data.prod.svc.cluster.local", DnsZone.TYPE_A));

        assertThat(resolver.onResponse(new UnsafeBuffer(wrongId), 0, wrongId.length, 0)).isFalse();
        assertThat(resolver.onResponse(new UnsafeBuffer(wrongName), 0, wrongName.length, 0)).isFalse();
        assertThat(resolver.onResponse(new UnsafeBuffer(new byte[3]), 0, 3, 0)).isFalse();
        assertThat(resolver.done()).isFalse();
    }

    @Test
    void shouldRefuseWhatIsNoDomainName()
    {
        assertThatThrownBy(() -> new StubResolver(POD_IN_DEFAULT, "a..b", DnsZone.TYPE_A, 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty label");
    }

    @Test
    void shouldRenderTheKubeletsResolvConf()
    {
        assertThat(ResolvConf.forPod(DNS_IP, "prod", "cluster.local").render()).isEqualTo(
            "nameserver 10.96.0.10\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n");
    }
}
