package dev.podnet.dns;

import dev.podnet.testing.AllocationMeter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_AA;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_QR;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_RA;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_RD;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_TC;
import static dev.podnet.dns.DnsMessages.ask;
import static dev.podnet.dns.DnsMessages.decode;
import static dev.podnet.dns.DnsMessages.ip;
import static dev.podnet.dns.DnsMessages.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cluster DNS answers as the Kubernetes DNS specification (kubernetes/dns docs/specification.md) shows
 * them: each test is one of its question/answer examples, with the TTL CoreDNS uses (5 s).
 */
class DnsResponderTest
{
    private static final int DNS_IP = ip("10.96.0.10");
    private final DnsResponder responder = new DnsResponder();

    /** The specification's examples: kubernetes (ClusterIP 10.3.0.1, https 443/TCP) and a headless Service. */
    private static DnsZone specZone()
    {
        final DnsZone.Builder zone = DnsZone.builder("cluster.local", DNS_IP).namespace("default").namespace("kube-system");
        zone.service("default", "kubernetes", ip("10.3.0.1"), List.of(new DnsZone.Builder.Port("https", "TCP", 443)));
        zone.service("default", "headless", 0, List.of(new DnsZone.Builder.Port("https", "TCP", 443)));
        zone.endpoint("default", "headless", ip("10.3.0.100"), "my-pet");
        zone.endpoint("default", "headless", ip("10.3.0.2"), "my-pet-2");
        zone.endpoint("default", "headless", ip("10.3.0.3"), null);
        zone.service("default", "empty", 0, List.of());
        zone.service("kube-system", "kube-dns", DNS_IP, List.of(
            new DnsZone.Builder.Port("dns", "UDP", 53), new DnsZone.Builder.Port("dns-tcp", "TCP", 53)));
        return zone.build(1700000000L);
    }

    @Test
    void shouldAnswerTheClusterIpOfAServiceAsTheSpecificationsExampleInExactBytes()
    {
        final byte[] query = HexFormat.of().parseHex(
            "123401000001000000000000" +
            "0a6b756265726e657465730764656661756c740373766307636c7573746572056c6f63616c00" + "00010001");

        final byte[] response = ask(responder, specZone(), query);

        assertThat(HexFormat.of().formatHex(response)).isEqualTo(
            "123485000001000100000000" + // QR AA RD, one question, one answer
            "0a6b756265726e657465730764656661756c740373766307636c7573746572056c6f63616c00" + "00010001" +
            "c00c" + "0001" + "0001" + "00000005" + "0004" + "0a030001"); // kubernetes.default.svc.cluster.local. 5 IN A 10.3.0.1
    }

    @Test
    void shouldAnswerSrvOfANamedPortWithTheServiceAddressAsAdditionalRecord()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(),
            query(7, "_https._tcp.kubernetes.default.svc.cluster.local", DnsZone.TYPE_SRV)));

        assertThat(response.rcode()).isZero();
        assertThat(response.answerLines()).containsExactly(
            "_https._tcp.kubernetes.default.svc.cluster.local. 5 IN SRV 0 100 443 kubernetes.default.svc.cluster.local.");
        assertThat(response.additional()).extracting(DnsMessages.Rr::toString)
            .containsExactly("kubernetes.default.svc.cluster.local. 5 IN A 10.3.0.1");
    }

    @Test
    void shouldAnswerThePtrOfAClusterIp()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(), query(8, "1.0.3.10.in-addr.arpa", DnsZone.TYPE_PTR)));

        assertThat(response.answerLines()).containsExactly("1.0.3.10.in-addr.arpa. 5 IN PTR kubernetes.default.svc.cluster.local.");
        assertThat(response.flag(FLAG_AA)).isTrue();
    }

    @Test
    void shouldAnswerEveryReadyEndpointOfAHeadlessService()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(),
            query(9, "headless.default.svc.cluster.local", DnsZone.TYPE_A)));

        assertThat(response.answerLines()).containsExactlyInAnyOrder(
            "headless.default.svc.cluster.local. 5 IN A 10.3.0.100",
            "headless.default.svc.cluster.local. 5 IN A 10.3.0.2",
            "headless.default.svc.cluster.local. 5 IN A 10.3.0.3");
    }

    @Test
    void shouldAnswerAHeadlessEndpointByItsHostnameAndByItsDashedAddressWhenItHasNone()
    {
        assertThat(decode(ask(responder, specZone(), query(10, "my-pet.headless.default.svc.cluster.local", DnsZone.TYPE_A)))
            .answerLines()).containsExactly("my-pet.headless.default.svc.cluster.local. 5 IN A 10.3.0.100");
        assertThat(decode(ask(responder, specZone(), query(11, "10-3-0-3.headless.default.svc.cluster.local", DnsZone.TYPE_A)))
            .answerLines()).containsExactly("10-3-0-3.headless.default.svc.cluster.local. 5 IN A 10.3.0.3");
    }

    @Test
    void shouldAnswerOneSrvPerEndpointAndNamedPortOfAHeadlessService()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(),
            query(12, "_https._tcp.headless.default.svc.cluster.local", DnsZone.TYPE_SRV)));

        assertThat(response.answerLines()).containsExactlyInAnyOrder(
            "_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 33 443 my-pet.headless.default.svc.cluster.local.",
            "_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 33 443 my-pet-2.headless.default.svc.cluster.local.",
            "_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 33 443 10-3-0-3.headless.default.svc.cluster.local.");
        assertThat(response.additional()).hasSize(3);
    }

    @Test
    void shouldAnswerThePtrOfAHeadlessEndpoint()
    {
        assertThat(decode(ask(responder, specZone(), query(13, "100.0.3.10.in-addr.arpa", DnsZone.TYPE_PTR))).answerLines())
            .containsExactly("100.0.3.10.in-addr.arpa. 5 IN PTR my-pet.headless.default.svc.cluster.local.");
    }

    @Test
    void shouldAnswerNxdomainForAHeadlessServiceWithoutReadyEndpoints()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(), query(14, "empty.default.svc.cluster.local", DnsZone.TYPE_A)));

        assertThat(response.rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_NXDOMAIN);
        assertThat(response.answers()).isEmpty();
    }

    @Test
    void shouldAnswerThePodRecordOfAnyAddressInANamespaceThatExists()
    {
        assertThat(decode(ask(responder, specZone(), query(15, "10-244-1-7.default.pod.cluster.local", DnsZone.TYPE_A)))
            .answerLines()).containsExactly("10-244-1-7.default.pod.cluster.local. 5 IN A 10.244.1.7");
        assertThat(decode(ask(responder, specZone(), query(16, "10-244-1-7.nowhere.pod.cluster.local", DnsZone.TYPE_A))).rcode())
            .isEqualTo(DnsHeaderFlyweight.RCODE_NXDOMAIN);
        assertThat(decode(ask(responder, specZone(), query(17, "10-244-1-256.default.pod.cluster.local", DnsZone.TYPE_A))).rcode())
            .isEqualTo(DnsHeaderFlyweight.RCODE_NXDOMAIN);
    }

    @Test
    void shouldAnswerTheSchemaVersion()
    {
        assertThat(decode(ask(responder, specZone(), query(18, "dns-version.cluster.local", DnsZone.TYPE_TXT))).answerLines())
            .containsExactly("dns-version.cluster.local. 5 IN TXT \"1.0.1\"");
    }

    @Test
    void shouldAnswerNxdomainWithTheZonesSoaForANameThatDoesNotExist()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(), query(19, "nope.default.svc.cluster.local", DnsZone.TYPE_A)));

        assertThat(response.rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_NXDOMAIN);
        assertThat(response.flag(FLAG_QR)).isTrue();
        assertThat(response.flag(FLAG_AA)).isTrue();
        assertThat(response.flag(FLAG_RD)).isTrue();
        assertThat(response.flag(FLAG_RA)).as("no recursion: the cluster has no way out").isFalse();
        assertThat(response.authority()).extracting(DnsMessages.Rr::toString).containsExactly(
            "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5");
    }

    @Test
    void shouldAnswerNodataForANamespaceAndForATypeANameDoesNotHave()
    {
        final DnsMessages.Response namespace = decode(ask(responder, specZone(), query(20, "default.svc.cluster.local", DnsZone.TYPE_A)));
        final DnsMessages.Response aaaa = decode(ask(responder, specZone(), query(21, "kubernetes.default.svc.cluster.local",
            DnsZone.TYPE_AAAA)));

        for (final DnsMessages.Response response : List.of(namespace, aaaa))
        {
            assertThat(response.rcode()).isZero();
            assertThat(response.answers()).isEmpty();
            assertThat(response.authority()).hasSize(1).allMatch(rr -> rr.type().equals("SOA"));
        }
    }

    @Test
    void shouldMatchNamesWithoutRegardToCaseAndKeepTheQuestionAsAsked()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(),
            query(22, "KuBeRnEtEs.Default.SVC.cluster.local", DnsZone.TYPE_A)));

        assertThat(response.question()).isEqualTo("KuBeRnEtEs.Default.SVC.cluster.local. A");
        assertThat(response.answerLines()).containsExactly("KuBeRnEtEs.Default.SVC.cluster.local. 5 IN A 10.3.0.1");
    }

    @Test
    void shouldRefuseNamesOutsideTheClusterWithoutAuthority()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(), query(23, "example.com", DnsZone.TYPE_A)));

        assertThat(response.rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_REFUSED);
        assertThat(response.flag(FLAG_AA)).isFalse();
    }

    @Test
    void shouldAnswerNxdomainForAReverseNameNobodyHolds()
    {
        final DnsMessages.Response response = decode(ask(responder, specZone(), query(24, "9.9.244.10.in-addr.arpa", DnsZone.TYPE_PTR)));

        assertThat(response.rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_NXDOMAIN);
        assertThat(response.authority()).extracting(DnsMessages.Rr::name).containsExactly("in-addr.arpa.");
    }

    @Test
    void shouldAnswerFormerrForMalformedQueriesAndNothingForResponsesOrRunts()
    {
        final byte[] pointerLoop = HexFormat.of().parseHex("0001010000010000000000" + "00" + "c00c00010001");
        final byte[] twoQuestions = query(25, "a.cluster.local", DnsZone.TYPE_A);
        twoQuestions[5] = 2;
        final byte[] response = query(26, "kubernetes.default.svc.cluster.local", DnsZone.TYPE_A);
        response[2] |= (byte)0x80;

        assertThat(decode(ask(responder, specZone(), pointerLoop)).rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_FORMERR);
        assertThat(decode(ask(responder, specZone(), twoQuestions)).rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_FORMERR);
        assertThat(ask(responder, specZone(), response)).isNull();
        assertThat(ask(responder, specZone(), new byte[5])).isNull();
        assertThat(responder.count(8)).isEqualTo(2); // dropped
    }

    @Test
    void shouldAnswerNotimpForAnOpcodeOtherThanQuery()
    {
        final byte[] notify = query(27, "cluster.local", DnsZone.TYPE_SOA);
        notify[2] = (byte)(4 << 3); // opcode NOTIFY

        assertThat(decode(ask(responder, specZone(), notify)).rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_NOTIMP);
    }

    @Test
    void shouldEchoEdnsAndAnswerBadversForAnUnknownVersion()
    {
        final DnsMessages.Response edns = decode(ask(responder, specZone(),
            query(28, "kubernetes.default.svc.cluster.local", DnsZone.TYPE_A, FLAG_RD, 4096)));
        final byte[] version1 = query(29, "kubernetes.default.svc.cluster.local", DnsZone.TYPE_A, FLAG_RD, 4096);
        version1[version1.length - 5] = 1; // OPT TTL: extended rcode, version, flags

        assertThat(edns.additional()).extracting(DnsMessages.Rr::toString).containsExactly(". 0 IN OPT udp=1232 version=0");
        assertThat(decode(ask(responder, specZone(), version1)).rcode()).isEqualTo(DnsHeaderFlyweight.RCODE_BADVERS);
    }

    @Test
    void shouldTruncateAnAnswerLargerThan512BytesWithoutEdnsAndSendItWholeWithEdns()
    {
        final DnsZone.Builder builder = DnsZone.builder("cluster.local", DNS_IP).namespace("default");
        builder.service("default", "big", 0, List.of());
        for (int i = 1; i <= 60; i++)
        {
            builder.endpoint("default", "big", ip("10.244.0." + i), null);
        }
        final DnsZone zone = builder.build(2);

        final DnsMessages.Response plain = decode(ask(responder, zone, query(30, "big.default.svc.cluster.local", DnsZone.TYPE_A)));
        final DnsMessages.Response edns = decode(ask(responder, zone,
            query(31, "big.default.svc.cluster.local", DnsZone.TYPE_A, FLAG_RD, 1232)));

        assertThat(plain.flag(FLAG_TC)).isTrue();
        assertThat(plain.answers()).isEmpty();
        assertThat(edns.flag(FLAG_TC)).isFalse();
        assertThat(edns.answers()).hasSize(60);
    }

    @Test
    void shouldServeTheDnsServiceItselfAndItsNameServer()
    {
        assertThat(decode(ask(responder, specZone(), query(32, "kube-dns.kube-system.svc.cluster.local", DnsZone.TYPE_A)))
            .answerLines()).containsExactly("kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10");
        assertThat(decode(ask(responder, specZone(), query(33, "cluster.local", DnsZone.TYPE_NS))).answerLines())
            .containsExactly("cluster.local. 5 IN NS ns.dns.cluster.local.");
        assertThat(decode(ask(responder, specZone(), query(34, "_dns._udp.kube-dns.kube-system.svc.cluster.local", DnsZone.TYPE_SRV)))
            .answerLines()).containsExactly(
                "_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.");
    }

    @Test
    void shouldNotAllocateWhenAnswering()
    {
        final DnsZone zone = specZone();
        final UnsafeBuffer a = new UnsafeBuffer(query(1, "kubernetes.default.svc.cluster.local", DnsZone.TYPE_A));
        final UnsafeBuffer srv = new UnsafeBuffer(query(2, "_https._tcp.headless.default.svc.cluster.local", DnsZone.TYPE_SRV));
        final UnsafeBuffer missing = new UnsafeBuffer(query(3, "nope.default.svc.cluster.local", DnsZone.TYPE_A, FLAG_RD, 1232));
        final UnsafeBuffer pod = new UnsafeBuffer(query(4, "10-244-1-2.default.pod.cluster.local", DnsZone.TYPE_A));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
        final long[] sum = new long[1];

        final long allocated = AllocationMeter.quietestRound(() ->
        {
            for (int i = 0; i < 50_000; i++)
            {
                sum[0] += responder.respond(zone, a, 0, a.capacity(), out, 0, out.capacity(), false);
                sum[0] += responder.respond(zone, srv, 0, srv.capacity(), out, 0, out.capacity(), false);
                sum[0] += responder.respond(zone, missing, 0, missing.capacity(), out, 0, out.capacity(), false);
                sum[0] += responder.respond(zone, pod, 0, pod.capacity(), out, 0, out.capacity(), false);
            }
        }, 2, 4);

        assertThat(sum[0]).isPositive();
        assertThat(allocated).isLessThan(1024);
    }
}
