package dev.podnet.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;
import dev.podnet.testing.LocalCluster;
import dev.podnet.testing.RealPodTesting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.podnet.testing.RealPodTesting.inNetns;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real pod and Services in a two-node cluster: the kernel's own resolver (glibc, reading the
 * {@code resolv.conf} the agent wrote for the namespace) finds a Service by its short name at the
 * node-local cluster DNS, a UDP request to the ClusterIP reaches the emulated pod behind it with the
 * real pod's address kept, a Service selecting the real pod brings an emulated pod's request to a
 * server in the namespace and its answer back from the ClusterIP, and the all-pairs check includes
 * the real pod's Service pairs. Runs as root (CI does); the namespace is {@code pn-tap-svc}, removed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealPodServicesTest
{
    private static final String POD = "pn-tap-svc";
    private static final String MANIFEST = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, labels: {app: web}}
        spec:
          nodeName: node-2
          containers:
          - {name: netexec, image: registry.k8s.io/e2e-test-images/agnhost:2.47}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports:
          - {name: netexec, protocol: UDP, port: 80, targetPort: 8081}
          - {name: http, protocol: TCP, port: 80, targetPort: 8080}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo}
        spec:
          selector: {app: echo}
          ports:
          - {protocol: UDP, port: 7, targetPort: 9000}
        """;

    private LocalCluster cluster;
    private String server;
    private boolean hadEtcNetns;

    @BeforeAll
    void start()
    {
        RealPodTesting.require("python3", "ping", "getent", "dig", "curl");
        RealPodTesting.deleteNetns(POD);
        hadEtcNetns = Files.exists(Path.of("/etc/netns"));
        cluster = LocalCluster.start(2, 1);
        server = cluster.api(1);
        assertThat(Http.post(server + "/api/v1/apply", MANIFEST).status()).isEqualTo(200);
    }

    @AfterAll
    void stop()
    {
        if (cluster != null)
        {
            Http.send("DELETE", server + "/api/v1/pods/" + POD, null);
            cluster.close();
        }
        RealPodTesting.deleteNetns(POD);
    }

    @Test
    void shouldResolveAndReachServicesFromARealPodAndBringServiceTrafficToIt()
    {
        final Http.Reply created = Http.post(server + "/api/v1/pods",
            "{\"name\":\"" + POD + "\",\"netns\":true,\"labels\":{\"app\":\"echo\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        final JsonNode pod = created.json();
        final String ip = pod.get("ip").asText();
        assertThat(pod.get("dns").toString()).as("the CNI result's dns").isEqualTo(
            "{\"nameservers\":[\"10.96.0.10\"],\"search\":[\"default.svc.cluster.local\",\"svc.cluster.local\",\"cluster.local\"]," +
                "\"options\":[\"ndots:5\"]}");

        // the namespace's programs see the kubelet's resolv.conf
        final Path resolvConf = Path.of("/etc/netns", POD, "resolv.conf");
        assertThat(resolvConf).exists();
        assertThat(inNetns(POD, "cat", "/etc/resolv.conf").ok().output())
            .contains("nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5");

        // glibc resolves the short name through the search path at the node-local DNS, then UDP reaches web-1
        final String webIp = awaitClusterIp("web");
        RealPodTestingAwait.until(() -> inNetns(POD, "getent", "ahostsv4", "web").output().startsWith(webIp + " "),
            "the real pod's resolver finds web at " + webIp);
        assertThat(RealPodTesting.udpFrom(POD, "web", 80, "hostname")).isEqualTo("web-1");
        assertThat(RealPodTesting.udpFrom(POD, webIp, 80, "clientip")).as("no SNAT: the pod's own address").startsWith(ip + ":");
        assertThat(inNetns(POD, "getent", "ahostsv4", "nothing-here").exitCode()).as("NXDOMAIN: not found").isNotZero();

        // dig over TCP (RFC 7766) at the node-local DNS, and the kernel's TCP through the ClusterIP to web-1's HTTP netexec
        assertThat(inNetns(POD, "dig", "+tcp", "+short", "+tries=1", "+time=5", "web.default.svc.cluster.local").output().strip())
            .isEqualTo(webIp);
        assertThat(inNetns(POD, "dig", "+tcp", "+tries=1", "+time=5", "nothing.default.svc.cluster.local").output())
            .contains("status: NXDOMAIN");
        assertThat(inNetns(POD, "curl", "-sS", "-m", "10", "http://web/hostname").output()).isEqualTo("web-1");
        assertThat(inNetns(POD, "curl", "-sS", "-m", "10", "http://web.default.svc.cluster.local/clientip").output())
            .as("no SNAT over TCP either").startsWith(ip + ":");

        // a Service selecting the real pod: an emulated pod's request reaches the namespace's server, the
        // answer comes back from the ClusterIP
        final String echoIp = awaitClusterIp("echo");
        LocalCluster.await(() -> Http.get(server + "/api/v1/namespaces/default/endpoints/echo").json().path("addresses")
            .path(0).path("ip").asText().equals(ip), Duration.ofSeconds(20), "the real pod is echo's endpoint");
        final Process echo = RealPodTestingAwait.echo(POD, 9000);
        try
        {
            final String client = Http.get(server + "/api/v1/pods/" + LocalCluster.podName(2, 1)).json().get("ip").asText();
            final JsonNode reply = RealPodTestingAwait.udp(cluster.api(2) + "/api/v1/pods/" + LocalCluster.podName(2, 1) + "/udp",
                echoIp, 7, "hi");
            assertThat(reply.get("reply").asText()).isEqualTo("echo:hi:" + client);
            assertThat(reply.get("from").asText()).isEqualTo(echoIp + ":7");
        }
        finally
        {
            echo.destroyForcibly();
        }

        // the all-pairs check: the real pod's kernel reaches web; echo (a real pod behind it) is no check target
        final JsonNode check = Http.post(server + "/api/v1/check", "").json();
        assertThat(check.get("services").toString()).contains("web.default:80").doesNotContain("echo");
        assertThat(check.get("failed").toString()).as(check.toString()).isEqualTo("[]");
        assertThat(check.get("matrix").toString()).contains("{\"from\":\"" + POD + "\",\"to\":\"web.default:80\",\"ok\":true");

        // deleting the pod takes the file (and the directories it made) away with the namespace
        assertThat(Http.send("DELETE", server + "/api/v1/pods/" + POD, null).status()).isEqualTo(204);
        assertThat(Files.exists(resolvConf.getParent())).isFalse();
        assertThat(Files.exists(Path.of("/etc/netns"))).as("/etc/netns goes when it was not there before").isEqualTo(hadEtcNetns);
    }

    private String awaitClusterIp(final String service)
    {
        LocalCluster.await(() -> !Http.get(server + "/api/v1/namespaces/default/services/" + service).json().path("clusterIP")
            .asText().isEmpty(), Duration.ofSeconds(20), service + " has a ClusterIP");
        return Http.get(server + "/api/v1/namespaces/default/services/" + service).json().get("clusterIP").asText();
    }
}
