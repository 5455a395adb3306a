package dev.podnet.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.dataplane.Node;
import dev.podnet.diag.PcapCapture;
import dev.podnet.diag.PcapWriter;
import dev.podnet.testing.Http;
import dev.podnet.testing.RealPodTesting;
import dev.podnet.testing.RealPodTesting.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.podnet.testing.RealPodTesting.inNetns;
import static dev.podnet.testing.RealPodTesting.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real pods on one node, through its HTTP API: Linux network namespaces whose {@code eth0} is a TAP
 * device on the node's bridge, and the kernel's own tools in them. Runs as root (CI does); the
 * namespaces are named {@code pn-tap-…} and removed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealPodTest
{
    private static final String CIDR = "10.244.7.0/24";
    private static final String GATEWAY = "10.244.7.1";
    private RealPodTesting.LocalNode local;
    private Node node;
    private String emulatedIp;

    @TempDir
    Path dir;

    @BeforeAll
    void startNode()
    {
        RealPodTesting.require("ping", "python3", "tshark");
        RealPodTesting.deleteNetns("pn-tap-1", "pn-tap-2", "pn-tap-own", "pn-tap-spoof", "pn-tap-cap");
        local = RealPodTesting.LocalNode.start("pn-tap-node", CIDR);
        node = local.node();
        emulatedIp = post("/api/v1/pods", "{\"name\":\"emu\"}", 201).get("ip").asText();
    }

    @AfterEach
    void deleteRealPods()
    {
        for (final JsonNode pod : Http.get(url("/api/v1/pods")).json())
        {
            if (!pod.get("netns").isNull())
            {
                Http.send("DELETE", url("/api/v1/pods/" + pod.get("name").asText()), null);
            }
        }
    }

    @AfterAll
    void stopNode()
    {
        if (local != null)
        {
            local.close();
        }
        RealPodTesting.deleteNetns("pn-tap-own");
    }

    @Test
    void shouldAttachANamespaceWhoseKernelReachesTheGatewayAndAnEmulatedPod()
    {
        final JsonNode pod = post("/api/v1/pods", "{\"name\":\"pn-tap-1\",\"netns\":true}", 201);
        assertThat(pod.get("netns").asText()).isEqualTo("pn-tap-1");
        assertThat(pod.get("ifname").asText()).isEqualTo("eth0");
        assertThat(pod.get("gateway").asText()).isEqualTo(GATEWAY);
        final String ip = pod.get("ip").asText();

        final String link = inNetns("pn-tap-1", "ip", "-o", "link", "show", "eth0").ok().output();
        assertThat(link).contains("mtu " + node.config().pod().mtu()).contains(pod.get("mac").asText()).contains("UP");
        assertThat(inNetns("pn-tap-1", "ip", "-o", "-4", "addr", "show", "eth0").ok().output()).contains(ip + "/24");
        assertThat(inNetns("pn-tap-1", "ip", "route", "show", "default").ok().output()).contains("via " + GATEWAY + " dev eth0");
        assertThat(inNetns("pn-tap-1", "cat", "/proc/sys/net/ipv6/conf/eth0/disable_ipv6").ok().output())
            .as("IPv6 is off in a namespace the agent created").isEqualTo("1");

        // the kernel pings the gateway (the bridge learnt the pod, the router answers) and the emulated pod
        assertThat(inNetns("pn-tap-1", "ping", "-c", "2", "-W", "2", GATEWAY).ok().output()).contains("ttl=64");
        assertThat(inNetns("pn-tap-1", "ping", "-c", "2", "-W", "2", emulatedIp).ok().output()).contains("2 received");
        // and the emulated pod pings the kernel
        final JsonNode ping = post("/api/v1/pods/emu/ping", "{\"target\":\"pn-tap-1\",\"count\":2}", 200);
        assertThat(ping.get("received").asInt()).isEqualTo(2);
        assertThat(ping.get("replies").get(0).get("from").asText()).isEqualTo(ip);

        // the pod lists say it is real
        final JsonNode listed = Http.get(url("/api/v1/pods/pn-tap-1")).json();
        assertThat(listed.get("netns").asText()).isEqualTo("pn-tap-1");
        assertThat(Http.get(url("/api/v1/pods/emu")).json().get("netns").isNull()).isTrue();
        assertThat(Http.get(url("/api/v1/fdb")).json().toString()).contains(pod.get("mac").asText());
        // its port's counters are in the metrics, as any pod's
        assertThat(Http.get(url("/metrics")).body())
            .containsPattern("podnet_port_frames_total\\{[^}]*port=\"pn-tap-1\",direction=\"out\"} [1-9]")
            .containsPattern("podnet_port_frames_total\\{[^}]*port=\"pn-tap-1\",direction=\"in\"} [1-9]");
    }

    @Test
    void shouldExchangeNetexecUdpBetweenARealPodAndAnEmulatedPodWithoutNat()
    {
        final String ip = post("/api/v1/pods", "{\"name\":\"pn-tap-1\",\"netns\":true}", 201).get("ip").asText();

        assertThat(RealPodTesting.udpFrom("pn-tap-1", emulatedIp, 8081, "hostname")).isEqualTo("emu");
        assertThat(RealPodTesting.udpFrom("pn-tap-1", emulatedIp, 8081, "clientip")).startsWith(ip + ":");

        // the other way: a UDP echo server in the namespace answers the emulated pod
        final Process server = RealPodTestingAwait.echo("pn-tap-1", 9000);
        try
        {
            final JsonNode reply = RealPodTestingAwait.udp(url("/api/v1/pods/emu/udp"), ip, 9000, "hello");
            assertThat(reply.get("reply").asText()).isEqualTo("echo:hello:" + emulatedIp);
            assertThat(reply.get("from").asText()).isEqualTo(ip + ":9000");
        }
        finally
        {
            server.destroyForcibly();
        }
    }

    @Test
    void shouldDropAndCountFramesFromARealPodThatTakesAnotherAddress()
    {
        post("/api/v1/pods", "{\"name\":\"pn-tap-spoof\",\"netns\":true}", 201);
        assertThat(inNetns("pn-tap-spoof", "ping", "-c", "1", "-W", "2", GATEWAY).ok().output()).contains("1 received");
        final long before = drops("spoofed-source");

        inNetns("pn-tap-spoof", "ip", "addr", "add", "10.244.7.250/24", "dev", "eth0").ok();
        final Run spoofed = inNetns("pn-tap-spoof", "ping", "-c", "2", "-W", "1", "-I", "10.244.7.250", GATEWAY);
        assertThat(spoofed.exitCode()).as(spoofed.output()).isNotZero();
        assertThat(drops("spoofed-source")).isGreaterThanOrEqualTo(before + 2);
    }

    @Test
    void shouldJoinAnExistingNamespaceCountItsIpv6AsDroppedAndLeaveItWhenThePodGoes()
    {
        run(List.of("ip", "netns", "add", "pn-tap-own")).ok();
        final JsonNode pod = post("/api/v1/pods", "{\"name\":\"pn-tap-2\",\"netns\":\"pn-tap-own\",\"ifname\":\"net1\"}", 201);
        assertThat(pod.get("ifname").asText()).isEqualTo("net1");
        // a second attachment under the same interface name fails (as CNI requires), and leaves nothing behind
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-3\",\"netns\":\"pn-tap-own\",\"ifname\":\"net1\"}")
            .status()).isEqualTo(409);
        assertThat(Http.get(url("/api/v1/pods/pn-tap-3")).status()).isEqualTo(404);
        assertThat(inNetns("pn-tap-own", "ping", "-c", "1", "-W", "2", emulatedIp).ok().output()).contains("1 received");

        // IPv6 is on in a namespace the agent did not make: the kernel's router solicitations and MLD reports
        // are dropped as ipv6 and counted, not mistaken for errors
        RealPodTestingAwait.until(() -> drops("ipv6") > 0, "the kernel's IPv6 is counted as dropped (ipv6)");
        assertThat(Http.get(url("/api/v1/drops")).json().has("unsupported-ether-type")).isFalse();

        assertThat(Http.send("DELETE", url("/api/v1/pods/pn-tap-2"), null).status()).isEqualTo(204);
        assertThat(run(List.of("ip", "netns", "list")).output()).contains("pn-tap-own");
        assertThat(inNetns("pn-tap-own", "ip", "link", "show", "net1").exitCode()).as("the TAP device went with its pod").isNotZero();
    }

    @Test
    void shouldDeleteTheNamespaceItCreatedWithThePod()
    {
        post("/api/v1/pods", "{\"name\":\"pn-tap-1\",\"netns\":true}", 201);
        assertThat(run(List.of("ip", "netns", "list")).output()).contains("pn-tap-1");

        assertThat(Http.send("DELETE", url("/api/v1/pods/pn-tap-1"), null).status()).isEqualTo(204);

        assertThat(run(List.of("ip", "netns", "list")).output()).doesNotContain("pn-tap-1");
        assertThat(Http.get(url("/api/v1/pods/pn-tap-1")).status()).isEqualTo(404);
        assertThat(Http.send("DELETE", url("/api/v1/pods/pn-tap-1"), null).status()).isEqualTo(404);
    }

    @Test
    void shouldJoinAProcessNamespaceByItsPath() throws Exception
    {
        final Process holder = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try
        {
            final String path = "/proc/" + holder.pid() + "/ns/net";
            RealPodTestingAwait.until(() -> !Files.readSymbolicLink(Path.of(path)).equals(
                Files.readSymbolicLink(Path.of("/proc/self/ns/net"))), "the process has its own namespace");
            final JsonNode pod = post("/api/v1/pods", "{\"name\":\"pn-tap-1\",\"netns\":\"" + path + "\"}", 201);
            assertThat(pod.get("netns").asText()).isEqualTo(path);
            final Run ping = run(List.of("nsenter", "--net=" + path, "ping", "-c", "1", "-W", "2", emulatedIp));
            assertThat(ping.ok().output()).contains("1 received");
        }
        finally
        {
            holder.destroyForcibly();
        }
    }

    @Test
    void shouldCaptureARealPodsPingThatTsharkDecodes() throws Exception
    {
        final String ip = post("/api/v1/pods", "{\"name\":\"pn-tap-cap\",\"netns\":true}", 201).get("ip").asText();
        final Path file = dir.resolve("real.pcap");
        final PcapCapture capture = new PcapCapture(PcapWriter.open(file), "pn-tap-cap");
        node.proxy().addTap(capture).get(5, TimeUnit.SECONDS);
        inNetns("pn-tap-cap", "ping", "-c", "3", "-i", "0.2", "-W", "2", emulatedIp).ok();
        node.proxy().removeTap(capture).get(5, TimeUnit.SECONDS);
        capture.close();

        // every echo request of the kernel and every reply decodes with good IPv4 and ICMP checksums
        final Run decoded = run(List.of("tshark", "-n", "-r", file.toString(), "-o", "ip.check_checksum:TRUE", "-Y", "icmp",
            "-T", "fields", "-E", "separator=,", "-e", "ip.src", "-e", "icmp.type", "-e", "ip.checksum.status",
            "-e", "icmp.checksum.status"));
        final List<String> lines = decoded.ok().output().lines().filter(line -> !line.startsWith("Running as")).toList();
        assertThat(lines).as(decoded.output())
            .contains(ip + ",8,1,1", emulatedIp + ",0,1,1")
            .allMatch(line -> line.endsWith(",1,1"));
        assertThat(lines.stream().filter(line -> line.equals(ip + ",8,1,1")).count()).isEqualTo(3);
        assertThat(run(List.of("tshark", "-n", "-r", file.toString(), "-Y", "_ws.malformed || _ws.expert.severity >= 0x600000"))
            .ok().output().lines().filter(line -> !line.startsWith("Running as")).toList()).isEmpty();
    }

    @Test
    void shouldTraceWhatARealPodsKernelSendsLiveAndRefuseToInjectForIt() throws Exception
    {
        final String ip = post("/api/v1/pods", "{\"name\":\"pn-tap-1\",\"netns\":true}", 201).get("ip").asText();

        // the data plane cannot make a real pod's kernel send: it says so and how to trace it instead
        final var injected = Http.post(url("/api/v1/trace"), "{\"from\":\"pn-tap-1\",\"to\":\"emu\"}");
        assertThat(injected.status()).as(injected.body()).isEqualTo(400);
        assertThat(injected.json().get("detail").asText()).contains("real pod").contains("use live: true");

        // live: the kernel's own ping, followed from its TAP device to the emulated pod and back
        final CompletableFuture<Http.Reply> live = CompletableFuture.supplyAsync(() -> Http.post(url("/api/v1/trace"),
            "{\"from\":\"pn-tap-1\",\"to\":\"emu\",\"live\":true,\"timeoutMs\":20000}"));
        while (!live.isDone())
        {
            inNetns("pn-tap-1", "ping", "-c", "1", "-W", "1", emulatedIp);
        }
        final JsonNode trace = live.get().json();
        assertThat(trace.get("verdict").asText()).as(trace.toString()).isEqualTo("delivered to emu; the answer came back to pn-tap-1");
        assertThat(trace.get("hops").get(0).get("component").asText()).isEqualTo("pod pn-tap-1");
        assertThat(trace.get("hops").get(0).get("headers").asText()).contains("IPv4 " + ip + " > " + emulatedIp).contains("ICMP");
    }

    @Test
    void shouldRefuseBadRealPodRequestsNamingTheField()
    {
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-1\",\"netns\":5}").json().get("detail").asText())
            .contains("'netns'");
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-1\",\"netns\":\"no/such\"}").status()).isEqualTo(400);
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-1\",\"netns\":\"/proc/999999999/ns/net\"}").status())
            .isEqualTo(400);
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-1\",\"netns\":true,\"ifname\":\"much-too-long-name\"}")
            .json().get("detail").asText()).contains("interface name");
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"pn-tap-1\",\"ifname\":\"eth0\"}").status()).isEqualTo(400);
        assertThat(Http.post(url("/api/v1/pods"), "{\"name\":\"emu\",\"netns\":true}").status()).isEqualTo(409);
        assertThat(Http.post(url("/api/v1/pods/pn-tap-x/ping"), "{\"target\":\"emu\"}").status()).isEqualTo(404);
        assertThat(run(List.of("ip", "netns", "list")).output()).doesNotContain("pn-tap-1").doesNotContain("emu");
    }

    private long drops(final String reason)
    {
        final JsonNode drops = Http.get(url("/api/v1/drops")).json();
        return drops.has(reason) ? drops.get(reason).asLong() : 0;
    }

    private JsonNode post(final String path, final String body, final int status)
    {
        final Http.Reply reply = Http.post(url(path), body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        return reply.json();
    }

    private String url(final String path)
    {
        return local.url(path);
    }
}
