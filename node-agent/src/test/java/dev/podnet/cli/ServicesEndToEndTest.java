package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Services and cluster DNS end to end, as Kubernetes' e2e Service tests check them, through podnetctl
 * and the API of a real three-node cluster (node-1..3 with pods a1, b1, c1 in default): a manifest
 * applied, a Service reached by ClusterIP and by name from a pod on every node, the client's address
 * preserved, hairpin, no endpoints rejected, session affinity, DNS answers, the connection table, and
 * endpoints that follow their pods' deletion and recreation without a black hole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServicesEndToEndTest
{
    static final String MANIFEST = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: shop
          labels: {app: web, instance: one}
        spec:
          nodeName: node-2
          containers:
          - name: netexec
            image: registry.k8s.io/e2e-test-images/agnhost:2.47
            ports:
            - {name: udp-netexec, containerPort: 8081, protocol: UDP}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-2
          namespace: shop
          labels: {app: web, instance: two}
        spec:
          nodeName: node-3
          containers:
          - name: netexec
            image: registry.k8s.io/e2e-test-images/agnhost:2.47
            ports:
            - {name: udp-netexec, containerPort: 8081, protocol: UDP}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector: {app: web}
          ports:
          - {name: netexec, protocol: UDP, port: 80, targetPort: udp-netexec}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: solo, namespace: shop}
        spec:
          selector: {instance: one}
          ports:
          - {protocol: UDP, port: 80, targetPort: 8081}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: sticky, namespace: shop}
        spec:
          selector: {app: web}
          sessionAffinity: ClientIP
          ports:
          - {protocol: UDP, port: 80, targetPort: 8081}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: empty, namespace: shop}
        spec:
          selector: {app: nothing}
          ports:
          - {protocol: UDP, port: 80, targetPort: 8081}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: pets, namespace: shop}
        spec:
          clusterIP: None
          selector: {app: web}
          ports:
          - {name: netexec, protocol: UDP, port: 8081}
        """;

    private LocalCluster cluster;
    private String server;
    private Path manifest;
    private String webIp;

    @BeforeAll
    void start(@TempDir final Path dir) throws IOException
    {
        cluster = LocalCluster.start(3, 1);
        server = cluster.api(1);
        manifest = dir.resolve("shop.yaml");
        Files.writeString(manifest, MANIFEST);
        Files.writeString(dir.resolve("web-http.yaml"), """
            apiVersion: v1
            kind: Service
            metadata: {name: web-http, namespace: shop}
            spec:
              selector: {app: web}
              ports:
              - {name: http, protocol: TCP, port: 80, targetPort: 8080}
            """);
    }

    @AfterAll
    void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private record Run(int exit, String out, String err)
    {
        List<String> lines()
        {
            return out.lines().toList();
        }
    }

    private Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("--server", server));
        all.addAll(List.of(args));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cmd = PodnetCtl.commandLine(Map.of());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        final int exit = cmd.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    /** Waits until every node's API lists {@code count} ready endpoints for shop/{@code service}. */
    private void awaitEndpoints(final String service, final int count)
    {
        for (int i = 1; i <= 3; i++)
        {
            final String api = cluster.api(i);
            LocalCluster.await(() -> Http.get(api + "/api/v1/namespaces/shop/endpoints/" + service).json().path("addresses").size() ==
                count, Duration.ofSeconds(30), "node-" + i + " lists " + count + " endpoints of " + service);
        }
    }

    private static String udpPayload(final Run run)
    {
        return run.out().strip();
    }

    @Test
    @Order(1)
    void shouldApplyAManifestAsKubectlDoesWithWarningsForWhatIsNotEmulated()
    {
        final Run run = ctl("apply", "-f", manifest.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines()).containsExactly("namespace/shop created", "pod/web-1 created", "pod/web-2 created",
            "service/web created", "service/solo created", "service/sticky created", "service/empty created", "service/pets created");
        assertThat(run.err()).contains("Warning: pod/web-1: ignored, an emulated pod runs netexec (UDP 8081, HTTP 8080), echo and " +
            "discard whatever its spec says: spec.containers (all but their ports)");
        assertThat(ctl("apply", "-f", manifest.toString()).lines()).as("applied again: nothing changes")
            .allMatch(line -> line.endsWith(" unchanged"));
        awaitEndpoints("web", 2);
        awaitEndpoints("solo", 1);
        webIp = Http.get(server + "/api/v1/namespaces/shop/services/web").json().path("clusterIP").asText();
    }

    @Test
    @Order(2)
    void shouldListServicesEndpointsAndNamespacesAsKubectlDoes()
    {
        final Run services = ctl("get", "svc", "-n", "shop");
        final Run endpoints = ctl("-n", "shop", "get", "endpoints", "web");
        final Run namespaces = ctl("get", "ns");
        final Run all = ctl("get", "svc", "-A");
        final Run allEndpoints = ctl("get", "ep", "-A");

        assertThat(services.lines().get(0).split(" {2,}")).containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
        assertThat(services.out()).containsPattern("web +ClusterIP +" + webIp.replace(".", "\\.") + " +<none> +80/UDP")
            .containsPattern("pets +ClusterIP +None +<none> +8081/UDP");
        assertThat(endpoints.lines().get(1)).matches("web +10\\.244\\.\\d+\\.\\d+:8081,10\\.244\\.\\d+\\.\\d+:8081");
        assertThat(namespaces.out()).contains("default").contains("kube-system").contains("shop");
        assertThat(all.out()).containsPattern("kube-system +kube-dns +ClusterIP +10\\.96\\.0\\.10 +<none> +53/UDP,53/TCP");
        assertThat(allEndpoints.out()).containsPattern("shop +web +10\\.244").containsPattern("kube-system +kube-dns +<none>");
    }

    @Test
    @Order(3)
    void shouldReachTheServiceByClusterIpAndByNameFromAPodOnEveryNode()
    {
        for (final String client : List.of("a1", "b1", "c1"))
        {
            final Set<String> answered = new HashSet<>();
            for (int i = 0; i < 30 && answered.size() < 2; i++)
            {
                final Run byName = ctl("udp", client, "web.shop", "80", "hostname");
                assertThat(byName.exit()).as(client + ": " + byName.err()).isZero();
                answered.add(udpPayload(byName));
            }
            assertThat(answered).as("from " + client).containsExactlyInAnyOrder("web-1", "web-2");
            assertThat(udpPayload(ctl("udp", client, webIp, "80", "hostname"))).isIn("web-1", "web-2");
        }
    }

    @Test
    @Order(4)
    void shouldPreserveTheClientPodsAddressAtTheEndpoint()
    {
        final String a1 = Http.get(server + "/api/v1/pods/a1").json().path("ip").asText();

        assertThat(udpPayload(ctl("udp", "a1", "web.shop", "80", "clientip"))).startsWith(a1 + ":");
    }

    @Test
    @Order(4)
    void shouldCarryTcpConnectionsToTheServicesPodsWithTheClientsAddressKept()
    {
        final Run applied = ctl("apply", "-f", manifest.resolveSibling("web-http.yaml").toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        awaitEndpoints("web-http", 2);
        final String a1 = Http.get(server + "/api/v1/pods/a1").json().path("ip").asText();
        final Set<String> answered = new HashSet<>();
        for (int i = 0; i < 30 && answered.size() < 2; i++)
        {
            final Run curl = ctl("curl", "a1", "http://web-http.shop/hostname");
            assertThat(curl.exit()).as(curl.err()).isZero();
            answered.add(curl.out().strip());
        }

        assertThat(answered).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(ctl("curl", "c1", "http://web-http.shop.svc.cluster.local/clientip").out().strip())
            .startsWith(Http.get(server + "/api/v1/pods/c1").json().path("ip").asText() + ":");
        assertThat(ctl("curl", "a1", "http://web-http.shop/clientip").out().strip()).startsWith(a1 + ":");
        assertThat(ctl("conntrack", "node-1").lines()).as("node-1 tracks a1's connection to the ClusterIP")
            .anyMatch(line -> line.startsWith("tcp") && line.contains("src=" + a1 + " ") && line.contains(" dport=80 "));
    }

    @Test
    @Order(5)
    void shouldMasqueradeHairpinTrafficToItsNodesBridgeAddress()
    {
        final String gateway = Http.get(server + "/api/v1/nodes/node-2").json().path("gateway").asText();

        final Run hairpin = ctl("-n", "shop", "udp", "web-1", "solo", "80", "clientip");

        assertThat(hairpin.exit()).as(hairpin.err()).isZero();
        assertThat(udpPayload(hairpin)).startsWith(gateway + ":");
    }

    @Test
    @Order(6)
    void shouldRejectTrafficToAServiceWithoutEndpoints()
    {
        final Run rejected = ctl("udp", "a1", "empty.shop", "80", "hostname");

        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(rejected.err()).contains("port-unreachable");
    }

    @Test
    @Order(7)
    void shouldStickToOneEndpointWithClientIpAffinity()
    {
        final String first = udpPayload(ctl("udp", "b1", "sticky.shop", "80", "hostname"));

        for (int i = 0; i < 10; i++)
        {
            assertThat(udpPayload(ctl("udp", "b1", "sticky.shop", "80", "hostname"))).isEqualTo(first);
        }
    }

    @Test
    @Order(8)
    void shouldAnswerNameLookupsAsTheDnsSpecificationSays()
    {
        final Run a = ctl("nslookup", "a1", "web.shop");
        final Run srv = ctl("nslookup", "a1", "_netexec._udp.web.shop", "--type", "SRV");
        final Run ptr = ctl("nslookup", "a1", webIp);
        final Run headless = ctl("nslookup", "c1", "pets.shop");
        final Run missing = ctl("nslookup", "a1", "nothing.shop");

        assertThat(a.lines()).contains("Name:\tweb.shop.svc.cluster.local", "Address: " + webIp);
        assertThat(srv.out()).contains("_netexec._udp.web.shop.svc.cluster.local\tservice = 0 100 80 web.shop.svc.cluster.local.");
        assertThat(ptr.out()).contains("name = web.shop.svc.cluster.local.");
        assertThat(headless.lines()).filteredOn(line -> line.startsWith("Address: ")).hasSize(2);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out()).contains("** server can't find nothing.shop: NXDOMAIN");
    }

    @Test
    @Order(9)
    void shouldShowTheTranslatedConnectionsOfANode()
    {
        ctl("udp", "a1", "web.shop", "80", "hostname");

        final Run conntrack = ctl("conntrack", "node-1");

        assertThat(conntrack.exit()).isZero();
        assertThat(conntrack.out()).contains("dst=" + webIp + " sport=").contains("dport=80 src=10.244.").contains("# shop/web:netexec");
        assertThat(conntrack.err()).containsPattern("conntrack: \\d+ flow entries have been shown.");
    }

    @Test
    @Order(10)
    void shouldNotAnswerAPingToAClusterIp()
    {
        final Run ping = ctl("ping", "a1", webIp, "-c", "2", "-W", "0.5");

        assertThat(ping.exit()).isEqualTo(1);
        assertThat(ping.out()).contains("2 packets transmitted, 0 received").doesNotContain("Unreachable");
    }

    @Test
    @Order(11)
    void shouldDescribeAServiceAsKubectlDoes()
    {
        final Run describe = ctl("describe", "svc", "web", "-n", "shop");

        assertThat(describe.out()).contains("Selector:         app=web").contains("IP:               " + webIp)
            .contains("TargetPort:       udp-netexec/UDP").containsPattern("Endpoints: +10\\.244\\.\\d+\\.\\d+:8081,10\\.244")
            .contains("Session Affinity: None");
    }

    @Test
    @Order(12)
    void shouldCheckEveryPodToEveryServiceInTheAllPairsCheck()
    {
        final Run check = ctl("check");

        assertThat(check.exit()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains("FROM\\SERVICE").contains("web.shop:80").contains("solo.shop:80").contains("sticky.shop:80")
            .doesNotContain("empty.shop").doesNotContain("pets.shop");
        final JsonNode result = Http.get(server + "/api/v1/check").json();
        assertThat(result.path("services")).hasSize(3);
        assertThat(result.path("failed")).isEmpty();
        assertThat(result.path("pairs").asInt()).as("5 pods to 4 others, and to 3 Services").isEqualTo(5 * 4 + 5 * 3);
    }

    @Test
    @Order(13)
    void shouldFollowAPodsDeletionAndRecreationWithoutABlackHole()
    {
        final String recreate = MANIFEST.substring(MANIFEST.indexOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1"),
            MANIFEST.indexOf("---", MANIFEST.indexOf("name: web-1")));
        int ok = 0;
        int fastFailures = 0;
        final long deletedAt = System.nanoTime();
        assertThat(ctl("-n", "shop", "delete", "pod", "web-1").exit()).isZero();
        // while the endpoints follow, a call may reach the deleted pod's address: it must fail fast, never hang
        for (int i = 0; i < 20; i++)
        {
            final Run call = ctl("udp", "a1", "web.shop", "80", "hostname", "-W", "2");
            if (call.exit() == 0)
            {
                ok++;
                assertThat(udpPayload(call)).isIn("web-1", "web-2");
            }
            else
            {
                assertThat(call.err()).as("no black hole: an error, not a timeout").doesNotContain("timeout");
                fastFailures++;
            }
        }
        awaitEndpoints("web", 1);
        assertThat(ok + fastFailures).isEqualTo(20);
        for (int i = 0; i < 10; i++)
        {
            assertThat(udpPayload(ctl("udp", "a1", "web.shop", "80", "hostname"))).isEqualTo("web-2");
        }

        final Http.Reply applied = Http.post(server + "/api/v1/apply", recreate);
        assertThat(applied.status()).as(applied.body()).isEqualTo(200);
        awaitEndpoints("web", 2);
        final Set<String> answered = new HashSet<>();
        for (int i = 0; i < 30 && answered.size() < 2; i++)
        {
            answered.add(udpPayload(ctl("udp", "a1", "web.shop", "80", "hostname")));
        }
        assertThat(answered).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(System.nanoTime() - deletedAt).isPositive();
    }

    @Test
    @Order(14)
    void shouldRefuseBadManifestsNamingTheFieldAndApplyNothing()
    {
        final Http.Reply bad = Http.post(server + "/api/v1/apply", "apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n---\n" +
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 99999}]}\n");
        final Http.Reply unknownKind = Http.post(server + "/api/v1/apply", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
        final Http.Reply noNamespace = Http.post(server + "/api/v1/namespaces/nowhere/pods", "{\"name\":\"p\"}");

        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("detail").asText()).isEqualTo(
            "document 2 (Service x): spec.ports[0].port: must be an integer 1..65535, got a number (99999)");
        assertThat(Http.get(server + "/api/v1/namespaces/fresh").status()).as("nothing applied").isEqualTo(404);
        assertThat(unknownKind.status()).isEqualTo(400);
        assertThat(unknownKind.json().path("detail").asText()).contains("kind 'Deployment' is not supported");
        assertThat(noNamespace.status()).isEqualTo(404);
        assertThat(noNamespace.json().path("detail").asText()).isEqualTo("namespaces \"nowhere\" not found");
    }

    @Test
    @Order(15)
    void shouldDeleteWhatAManifestHolds()
    {
        final Run deleted = ctl("delete", "-f", manifest.toString());

        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.lines()).contains("service/web deleted", "pod/web-1 deleted", "namespace/shop deleted");
        LocalCluster.await(() -> Http.get(server + "/api/v1/namespaces/shop").status() == 404, Duration.ofSeconds(10),
            "shop is gone");
        final JsonNode services = Http.get(server + "/api/v1/services").json();
        assertThat(services).extracting(service -> service.path("namespace").asText()).doesNotContain("shop");
    }
}
