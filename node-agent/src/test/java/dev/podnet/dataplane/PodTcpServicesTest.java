package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.HttpResult;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.tcp.SocketInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pod's TCP services and tools through a node's data plane, on a clock the test drives: netexec over HTTP,
 * {@code curl}'s errors, {@code tcp-perf} to the discard service, socket listings.
 */
class PodTcpServicesTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ManualNode node = ManualNode.withCidr("10.244.1.0/24").busyStep(Duration.ofMillis(1));
    private final PodInfo a = node.createPod("pod-a");
    private final PodInfo b = node.createPod("pod-b");

    @Test
    void shouldServeNetexecHostnameOverHttp()
    {
        final HttpResult result = get(b.ip(), 8080, "/hostname");

        assertThat(result.ok()).as(result.error()).isTrue();
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.version()).isEqualTo("HTTP/1.1");
        assertThat(result.bodyText()).isEqualTo("pod-b");
        assertThat(result.headers()).contains(
            new HttpResult.Header("Content-Type", "text/plain; charset=utf-8"),
            new HttpResult.Header("Content-Length", "5"));
        assertThat(result.connectNanos()).isNotNegative();
        assertThat(result.firstByteNanos()).isGreaterThanOrEqualTo(result.connectNanos());
        assertThat(result.totalNanos()).isGreaterThanOrEqualTo(result.firstByteNanos());
    }

    @Test
    void shouldAnswerClientIpWithTheCallersOwnAddressAndPort()
    {
        final HttpResult result = get(b.ip(), 8080, "/clientip");

        assertThat(result.bodyText()).isEqualTo(Ipv4Address.format(a.ip()) + ":" + result.localPort());
        assertThat(result.localPort()).isBetween(32768, 60999);
    }

    @Test
    void shouldEchoTheUrlDecodedMessage()
    {
        assertThat(get(b.ip(), 8080, "/echo?msg=hello%20pod+b%21").bodyText()).isEqualTo("hello pod b!");
        assertThat(get(b.ip(), 8080, "/echo?x=1&msg=second&msg=third").bodyText()).isEqualTo("second");
        assertThat(get(b.ip(), 8080, "/echo").bodyText()).isEmpty();
    }

    @Test
    void shouldAnswerAnUnknownPathWithNotFound()
    {
        final HttpResult result = get(b.ip(), 8080, "/nope");

        assertThat(result.ok()).isTrue();
        assertThat(result.status()).isEqualTo(404);
        assertThat(result.bodyText()).isEqualTo("404 page not found\n");
    }

    @Test
    void shouldNotCallAProbeStalledBecauseTheNextOneCameBeforeItsAnswer()
    {
        // two rounds of the prober bunched up: the second finds the first's line still on its way
        final var first = node.proxy.tcpProbe("pod-a", b.ip(), TIMEOUT);
        final var second = node.proxy.tcpProbe("pod-a", b.ip(), TIMEOUT);

        assertThat(node.await(first).outcome()).isEqualTo("ok");
        assertThat(node.await(second).outcome()).isEqualTo("ok");
    }

    @Test
    void shouldCallAProbeStalledWhenThePreviousOneIsUnansweredForMoreThanASecond()
    {
        final var unanswered = node.proxy.tcpProbe("pod-a", ManualNode.ip("10.244.1.99"), TIMEOUT);
        node.advance(Duration.ofMillis(1_100));

        assertThat(node.await(node.proxy.tcpProbe("pod-a", ManualNode.ip("10.244.1.99"), TIMEOUT)).outcome()).isEqualTo("stalled");
        assertThat(unanswered).isNotDone();
    }

    @Test
    void shouldFailWithConnectionRefusedWhenNothingListens()
    {
        final HttpResult result = get(b.ip(), 81, "/");

        assertThat(result.ok()).isFalse();
        assertThat(result.error()).isEqualTo("connection-refused");
        assertThat(result.status()).isZero();
        assertThat(result.connectNanos()).isEqualTo(-1);
        assertThat(node.await(node.proxy.tcpCounters("pod-b")).get("no-listener")).isEqualTo(1);
    }

    @Test
    void shouldFailWithHostUnreachableWhenNobodyHasTheAddress()
    {
        final HttpResult result = node.await(node.proxy.http("pod-a", ManualNode.ip("10.244.1.99"), 8080, "x", "/",
            Duration.ofSeconds(10)));

        assertThat(result.error()).as("ARP gave up after 3 s: Linux's EHOSTUNREACH").isEqualTo("host-unreachable");
        assertThat(result.totalNanos()).isBetween(3_000_000_000L, 3_100_000_000L);
    }

    @Test
    void shouldTimeOut()
    {
        final HttpResult result = node.await(node.proxy.http("pod-a", ManualNode.ip("10.244.1.99"), 8080, "x", "/",
            Duration.ofMillis(500)));

        assertThat(result.error()).isEqualTo("timeout");
        assertThat(result.totalNanos()).isBetween(500_000_000L, 502_000_000L);
    }

    @Test
    void shouldKeepTheServerSideInTimeWaitNowhereAndTheClientsForTwoSeconds()
    {
        get(b.ip(), 8080, "/hostname");
        node.advance(Duration.ofMillis(100));

        final List<SocketInfo> client = node.await(node.proxy.sockets("pod-a"));
        final List<SocketInfo> server = node.await(node.proxy.sockets("pod-b"));
        assertThat(client).filteredOn(s -> !s.state().equals("LISTEN")).extracting(SocketInfo::state)
            .as("curl closed first").containsExactly("TIME-WAIT");
        assertThat(server).filteredOn(s -> !s.state().equals("LISTEN")).isEmpty();
        assertThat(server).extracting(SocketInfo::localPort).containsExactly(7, 9, 8080);

        node.advance(Duration.ofSeconds(2));
        assertThat(node.await(node.proxy.sockets("pod-a"))).allSatisfy(s -> assertThat(s.state()).isEqualTo("LISTEN"));
    }

    @Test
    void shouldMeasureABulkTransferToTheDiscardService()
    {
        final TcpPerfResult result = node.await(node.proxy.tcpPerf("pod-a", b.ip(), 9, 2, Duration.ofMillis(200),
            Duration.ofMillis(50), Duration.ofSeconds(2)), Duration.ofSeconds(10));

        assertThat(result.ok()).as(result.error()).isTrue();
        assertThat(result.streams()).isEqualTo(2);
        assertThat(result.bytes()).isGreaterThan(1_000_000L);
        assertThat(result.durationNanos()).isBetween(200_000_000L, 202_000_000L);
        assertThat(result.samples()).hasSize(4);
        assertThat(result.samples()).extracting(TcpPerfResult.Sample::bytes).isSorted();
        assertThat(result.samples().get(3).cwnd()).as("grown from two initial windows").isGreaterThan(2 * 10 * 1460);
        assertThat(result.bitsPerSecond()).isPositive();
    }

    @Test
    void shouldFailPerfToAPortNobodyListensOn()
    {
        final TcpPerfResult result = node.await(node.proxy.tcpPerf("pod-a", b.ip(), 19, 1, Duration.ofSeconds(1),
            Duration.ofMillis(100), Duration.ofSeconds(2)));

        assertThat(result.error()).isEqualTo("connection-refused");
    }

    @Test
    void shouldResetConnectionsOfADeletedPod() throws Exception
    {
        final java.util.concurrent.CompletableFuture<TcpPerfResult> perf = node.proxy.tcpPerf("pod-a", b.ip(), 9, 1,
            Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(2));
        node.advance(Duration.ofMillis(50));

        final java.util.concurrent.CompletableFuture<Void> deleted = node.proxy.deletePod("pod-a");
        node.advance(Duration.ofMillis(10));
        deleted.get(10, java.util.concurrent.TimeUnit.SECONDS); // completed off the data plane, on the releases executor

        assertThat(perf).isCompletedExceptionally();
        assertThat(node.await(node.proxy.sockets("pod-b"))).filteredOn(s -> !s.state().equals("LISTEN")).isEmpty();
    }

    private HttpResult get(final int ip, final int port, final String path)
    {
        return node.await(node.proxy.http("pod-a", ip, port, Ipv4Address.format(ip) + ":" + port, path, TIMEOUT));
    }
}
