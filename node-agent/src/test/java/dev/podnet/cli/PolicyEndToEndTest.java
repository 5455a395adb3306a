package dev.podnet.cli;

import dev.podnet.controlplane.services.NetworkPolicyInfo;
import dev.podnet.k8s.KubeObject;
import dev.podnet.k8s.Manifests;
import dev.podnet.policy.PolicyModel;
import dev.podnet.policy.TruthTable;
import dev.podnet.sync.ServiceSync;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * NetworkPolicy end to end on a real three-node cluster, as Kubernetes' e2e network policy framework
 * checks it: namespaces x, y, z with pods a, b, c (a on node-1, b on node-2, c on node-3), policies applied
 * with podnetctl, and the 9×9 reachability matrix probed from the pods themselves — TCP with curl to
 * netexec's HTTP port 8080, UDP with netexec's {@code hostname} on 8081 (the ports emulated pods serve; the
 * upstream framework uses 80 and 81) — compared with what the independent model ({@link PolicyModel}) says.
 * A probe that fails where the model expects it through is probed again with a longer timeout before
 * the test fails (a loaded machine), never the other way round.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PolicyEndToEndTest
{
    static final List<String> NAMESPACES = List.of("x", "y", "z");
    static final List<String> PODS = List.of("a", "b", "c");

    static final String PODS_MANIFEST = podsManifest();

    /** The README's example: x denies all ingress, then opens x/a's HTTP port to y/b alone. */
    static final String DENY_AND_OPEN = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-client, namespace: x}
        spec:
          podSelector:
            matchLabels: {pod: a}
          ingress:
          - from:
            - namespaceSelector:
                matchLabels: {ns: y}
              podSelector:
                matchLabels: {pod: b}
            ports:
            - {protocol: TCP, port: 8080}
        """;

    /** Egress limited to UDP and DNS for z's c pods; y's pods open on a named UDP port only to namespaces but x. */
    static final String EGRESS_AND_NAMED = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: c-egress, namespace: z}
        spec:
          podSelector:
            matchExpressions: [{key: pod, operator: In, values: [c]}]
          policyTypes: [Egress]
          egress:
          - to: [{namespaceSelector: {}}]
            ports: [{protocol: UDP, port: 8000, endPort: 8100}]
          - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
            ports: [{protocol: UDP, port: 53}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: named-udp, namespace: y}
        spec:
          podSelector: {}
          ingress:
          - from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}}]
            ports: [{protocol: UDP, port: serve-8081-udp}]
        """;

    private LocalCluster cluster;
    private String server;
    private Path dir;
    private final Map<String, String> ips = new TreeMap<>();
    private final List<String> names = new ArrayList<>();
    private final ExecutorService probes = Executors.newFixedThreadPool(16);

    private static String podsManifest()
    {
        final StringBuilder text = new StringBuilder();
        for (final String namespace : NAMESPACES)
        {
            text.append("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ").append(namespace).append("\n  labels: {ns: ")
                .append(namespace).append("}\n---\n");
            for (final String pod : PODS)
            {
                text.append("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ").append(pod).append("\n  namespace: ").append(namespace)
                    .append("\n  labels: {pod: ").append(pod).append("}\nspec:\n  nodeName: node-").append(PODS.indexOf(pod) + 1)
                    .append("\n  containers:\n  - name: netexec\n    ports:\n    - {name: serve-8080-tcp, containerPort: 8080, protocol: TCP}\n")
                    .append("    - {name: serve-8081-udp, containerPort: 8081, protocol: UDP}\n---\n");
            }
        }
        return text.toString();
    }

    @BeforeAll
    void start(@TempDir final Path tempDir)
    {
        dir = tempDir;
        cluster = LocalCluster.start(3, 0);
        server = cluster.api(1);
        for (final String namespace : NAMESPACES)
        {
            for (final String pod : PODS)
            {
                names.add(namespace + "/" + pod);
            }
        }
    }

    @AfterAll
    void stop()
    {
        probes.shutdownNow();
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private record Run(int exit, String out, String err)
    {
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

    private Run apply(final String name, final String manifest, final String verb) throws IOException
    {
        final Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, manifest);
        final Run run = ctl(verb, "-f", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        return run;
    }

    /** Every node runs a policy table made from exactly {@code keys} and all nine pods. */
    private void awaitPolicies(final Set<String> keys)
    {
        for (int i = 1; i <= 3; i++)
        {
            final ServiceSync sync = cluster.agent(i).clusterNode().serviceSync();
            final var node = cluster.agent(i).clusterNode();
            LocalCluster.await(() -> sync.latest().policies().keySet().equals(keys) &&
                    node.sync().latest().endpoints().size() == 9 && sync.converged(), Duration.ofSeconds(30),
                "node-" + i + " programs policies " + keys);
        }
    }

    private static List<NetworkPolicyInfo> policies(final String... manifests)
    {
        final List<NetworkPolicyInfo> result = new ArrayList<>();
        for (final String manifest : manifests)
        {
            for (final KubeObject object : Manifests.parse(manifest.getBytes(StandardCharsets.UTF_8), null, false))
            {
                result.add(((KubeObject.NetworkPolicy)object).policy());
            }
        }
        return result;
    }

    private PolicyModel model()
    {
        final Map<String, Map<String, String>> namespaces = new LinkedHashMap<>();
        NAMESPACES.forEach(namespace -> namespaces.put(namespace, Map.of("ns", namespace)));
        final Map<String, PolicyModel.Pod> pods = new LinkedHashMap<>();
        for (final String name : names)
        {
            pods.put(name, new PolicyModel.Pod(ips.get(name), Map.of("pod", name.substring(2)),
                Map.of("serve-8080-tcp/TCP", 8080, "serve-8081-udp/UDP", 8081)));
        }
        return new PolicyModel(namespaces, pods);
    }

    private TruthTable expected(final List<NetworkPolicyInfo> policies, final String protocol)
    {
        final PolicyModel model = model();
        return TruthTable.of(names, (from, to) -> model.allows(policies, names.get(from), names.get(to), protocol,
            protocol.equals("TCP") ? 8080 : 8081));
    }

    /** One probe from a pod: curl to netexec's HTTP, or netexec's hostname over UDP; true when the right pod answered. */
    private boolean probe(final String from, final String to, final String protocol, final double seconds)
    {
        final String[] source = from.split("/");
        final String expected = to.substring(2);
        final Run run = protocol.equals("TCP") ?
            ctl("-n", source[0], "curl", source[1], "http://" + ips.get(to) + ":8080/hostname", "-m", Double.toString(seconds)) :
            ctl("-n", source[0], "udp", source[1], ips.get(to), "8081", "hostname", "-W", Double.toString(seconds));
        return run.exit() == 0 && run.out().strip().equals(expected);
    }

    private TruthTable observed(final TruthTable expected, final String protocol) throws Exception
    {
        final Map<String, Future<Boolean>> results = new LinkedHashMap<>();
        for (final String from : names)
        {
            for (final String to : names)
            {
                if (from.equals(to))
                {
                    continue; // an emulated pod has no loopback: it cannot reach its own address (policy never applies there)
                }
                results.put(from + " " + to, probes.submit(() ->
                {
                    final boolean reached = probe(from, to, protocol, 1);
                    // a probe the model lets through is given a second chance on a loaded machine; a denied one never
                    return reached || (expected.cell(from, to).equals(TruthTable.REACHABLE) && probe(from, to, protocol, 5));
                }));
            }
        }
        final Map<String, Boolean> reached = new LinkedHashMap<>();
        for (final Map.Entry<String, Future<Boolean>> entry : results.entrySet())
        {
            reached.put(entry.getKey(), entry.getValue().get(60, TimeUnit.SECONDS));
        }
        return TruthTable.of(names, (from, to) -> from.equals(to) || reached.get(names.get(from) + " " + names.get(to)));
    }

    private void assertReachability(final List<NetworkPolicyInfo> policies, final String... protocols) throws Exception
    {
        for (final String protocol : protocols)
        {
            final TruthTable expected = expected(policies, protocol);
            final TruthTable observed = observed(expected, protocol);
            assertThat(observed.differences(expected))
                .as("%s: expected%n%sobserved%n%scomparison%n%s", protocol, expected.pretty("  "), observed.pretty("  "),
                    observed.compare(expected).pretty("  "))
                .isZero();
        }
    }

    @Test
    @Order(1)
    void shouldReachEveryPodFromEveryPodWithoutPolicies() throws Exception
    {
        apply("pods", PODS_MANIFEST, "apply");
        for (final String name : names)
        {
            // pods made on other nodes reach node-1's table a moment after the apply returns
            final String path = server + "/api/v1/namespaces/" + name.replace("/", "/pods/");
            LocalCluster.await(() -> !Http.get(path).json().path("ip").asText().isEmpty(), Duration.ofSeconds(30),
                "node-1 knows " + name);
            ips.put(name, Http.get(path).json().path("ip").asText());
        }
        awaitPolicies(Set.of());

        assertReachability(List.of(), "UDP");
        final Run before = ctl("check", "--matrix", "--port", "8080/TCP", "-W", "1");
        assertThat(before.exit()).as(before.out()).isZero();
        assertThat(before.out()).contains("72/72 pairs ok");
    }

    @Test
    @Order(2)
    void shouldIsolateANamespaceAndOpenOnePortToOneClient() throws Exception
    {
        final Run applied = apply("deny", DENY_AND_OPEN, "apply");
        assertThat(applied.out().lines()).containsExactly("networkpolicy.networking.k8s.io/default-deny created",
            "networkpolicy.networking.k8s.io/allow-client created");
        awaitPolicies(Set.of("x/default-deny", "x/allow-client"));

        assertReachability(policies(DENY_AND_OPEN), "TCP", "UDP");

        final Run list = ctl("get", "netpol", "-n", "x");
        assertThat(list.out().lines().toList().get(0).split(" {2,}")).containsExactly("NAME", "POD-SELECTOR", "AGE");
        assertThat(list.out()).containsPattern("allow-client +pod=a ").containsPattern("default-deny +<none> ");
        assertThat(ctl("describe", "netpol", "allow-client", "-n", "x").out()).contains(
            "  PodSelector:     pod=a", "  Allowing ingress traffic:", "    To Port: 8080/TCP", "    From:",
            "      NamespaceSelector: ns=y", "      PodSelector: pod=b", "  Not affecting egress traffic", "  Policy Types: Ingress");
    }

    @Test
    @Order(3)
    void shouldCountDeniedPacketsOnTheEnforcingNodeAndExplainThem()
    {
        final Run denied = ctl("policy", "explain", "y/a", "x/a", "--port", "8080/TCP");
        final Run allowed = ctl("policy", "explain", "y/b", "x/a");
        final String metrics = Http.get(cluster.api(1) + "/metrics").body();

        assertThat(denied.exit()).isEqualTo(1);
        assertThat(denied.out().lines()).containsExactly(
            "egress of y/a: not isolated (no policy with policyType Egress selects it): allowed",
            "ingress of x/a: isolated by x/allow-client,x/default-deny: no rule allows TCP port 8080 from y/a: DENIED",
            "y/a -> x/a TCP port 8080: denied");
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("allowed by x/allow-client ingress[0]");
        assertThat(metrics).as("node-1 enforces x/a's ingress").containsPattern(
            "podnet_policy_denied_total\\{node=\"node-1\",policy=\"x/allow-client,x/default-deny\",direction=\"ingress\"} [1-9]")
            .containsPattern("podnet_drops_total\\{node=\"node-1\",reason=\"policy-denied\"} [1-9]");
    }

    @Test
    @Order(3)
    void shouldRefuseBadPoliciesAndQuestionsNamingTheField()
    {
        final String base = server + "/apis/networking.k8s.io/v1/namespaces/";
        final Http.Reply invalid = Http.post(base + "x/networkpolicies", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n" +
            "metadata: {name: bad}\nspec: {podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]}\n");
        final Http.Reply noNamespace = Http.post(base + "nope/networkpolicies", "apiVersion: networking.k8s.io/v1\n" +
            "kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n");
        final Http.Reply exists = Http.post(base + "x/networkpolicies", DENY_AND_OPEN.substring(0, DENY_AND_OPEN.indexOf("---")));

        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body()).contains("spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to " +
            "`port`");
        assertThat(noNamespace.status()).isEqualTo(404);
        assertThat(noNamespace.body()).contains("namespaces \\\"nope\\\" not found");
        assertThat(exists.status()).isEqualTo(409);
        assertThat(Http.get(base + "x/networkpolicies/nothing").status()).isEqualTo(404);
        assertThat(Http.get(server + "/api/v1/policy/explain?from=x/a").status()).isEqualTo(400);
        assertThat(Http.get(server + "/api/v1/policy/explain?from=x/a&to=y/b&port=70000").body()).contains("'port'");
        assertThat(ctl("policy", "explain", "x/a", "x/nothing").exit()).isEqualTo(3);
        assertThat(ctl("policy", "explain", "x/a", "y/b", "--port", "80/ICMP").exit()).isEqualTo(2);
    }

    @Test
    @Order(4)
    void shouldShowDeniedApartFromTimeoutInTheChecksMatrix()
    {
        final Run check = ctl("check", "-W", "1");
        final Run matrix = ctl("check", "--matrix", "--port", "8080/TCP", "-W", "1");

        assertThat(check.exit()).isEqualTo(1);
        final List<String> checkRows = check.out().lines().toList().subList(1, 10);
        assertThat(checkRows).as(check.out()).allMatch(row -> !row.contains("timeout") && !row.contains(" X "))
            .anyMatch(row -> row.contains("denied"));
        assertThat(check.out()).contains("y/a -> x/a: denied by NetworkPolicy (ping: ");
        final List<String> rows = matrix.out().lines().toList();
        final List<String> columns = List.of(rows.get(0).split("\t"));
        assertThat(columns.get(0)).isEqualTo("-");
        assertThat(columns.subList(1, columns.size())).containsExactlyInAnyOrderElementsOf(names);
        final TruthTable expected = expected(policies(DENY_AND_OPEN), "TCP");
        for (int i = 1; i <= names.size(); i++)
        {
            final String[] cells = rows.get(i).split("\t");
            for (int column = 1; column < cells.length; column++)
            {
                assertThat(cells[column]).as(matrix.out() + "\n" + cells[0] + " -> " + columns.get(column))
                    .isEqualTo(expected.cell(cells[0], columns.get(column)));
            }
        }
        assertThat(matrix.out()).contains("y/a -> x/a: denied: tcp 8080:");
    }

    @Test
    @Order(5)
    void shouldLimitEgressAndOpenNamedPortsWithSeveralPoliciesAtOnce() throws Exception
    {
        apply("egress", EGRESS_AND_NAMED, "apply");
        awaitPolicies(Set.of("x/default-deny", "x/allow-client", "z/c-egress", "y/named-udp"));

        assertReachability(policies(DENY_AND_OPEN, EGRESS_AND_NAMED), "TCP", "UDP");
        assertThat(ctl("-n", "z", "nslookup", "c", "kube-dns.kube-system").exit()).as("z/c may still ask the cluster DNS").isZero();
    }

    @Test
    @Order(6)
    void shouldReachEverythingAgainOncePoliciesAreDeleted() throws Exception
    {
        apply("egress", EGRESS_AND_NAMED, "delete");
        final Run deleted = ctl("delete", "netpol", "default-deny", "-n", "x");
        assertThat(deleted.out()).isEqualTo("networkpolicy.networking.k8s.io/default-deny deleted\n");
        assertThat(ctl("delete", "netpol", "default-deny", "-n", "x").exit()).as("deleted already").isEqualTo(3);
        ctl("delete", "netpol", "allow-client", "-n", "x");
        awaitPolicies(Set.of());

        assertReachability(List.of(), "TCP");
    }
}
