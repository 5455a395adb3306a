package dev.podnet.policy;

import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;
import dev.podnet.k8s.KubeObject;
import dev.podnet.k8s.Manifests;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.sync.PolicyCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kubernetes' e2e network policy tests ({@code test/e2e/network/netpol/network_policy.go}) as truth tables:
 * namespaces x, y, z (labelled {@code ns: x} …), pods a, b, c in each ({@code pod: a} …) serving 80 and 81 on
 * TCP and UDP under the framework's port names ({@code serve-80-tcp} …), and for each policy set the 9×9
 * matrix of the compiled {@link PolicyTable} — every pod a subject, as the union of all nodes' tables —
 * compared on all four port/protocol pairs with what an independent model of the rules ({@link PolicyModel},
 * from the Kubernetes documentation, sharing no code with the compiler) expects. A few matrices are also checked
 * cell by cell against what the upstream test asserts, so that model and compiler cannot be wrong together.
 * Pods sit on three nodes' CIDRs ({@code 10.244.1.0/24} for a, {@code .2} for b, {@code .3} for c).
 */
class PolicyTruthTableTest
{
    static final List<String> NAMESPACES = List.of("x", "y", "z");
    static final List<String> PODS = List.of("a", "b", "c");
    static final int DNS_IP = Ipv4Address.parse("10.96.0.10");
    private static final List<int[]> PORTS = List.of(new int[] {PolicyTable.PROTOCOL_TCP, 80}, new int[] {PolicyTable.PROTOCOL_TCP, 81},
        new int[] {PolicyTable.PROTOCOL_UDP, 80}, new int[] {PolicyTable.PROTOCOL_UDP, 81});

    /** The cluster the policies apply to: pods and namespaces, which some cases change. */
    static final class Cluster
    {
        final Map<String, Map<String, String>> namespaceLabels = new LinkedHashMap<>();
        final Map<String, Map<String, String>> podLabels = new LinkedHashMap<>();
        final List<String> names = new ArrayList<>();

        Cluster()
        {
            for (final String namespace : NAMESPACES)
            {
                namespaceLabels.put(namespace, new TreeMap<>(Map.of("ns", namespace)));
                for (final String pod : PODS)
                {
                    names.add(namespace + "/" + pod);
                    podLabels.put(namespace + "/" + pod, new TreeMap<>(Map.of("pod", pod)));
                }
            }
        }

        static String ip(final String name)
        {
            final String[] parts = name.split("/");
            return "10.244." + (PODS.indexOf(parts[1]) + 1) + "." + (NAMESPACES.indexOf(parts[0]) + 2);
        }

        Map<String, NamespaceInfo> namespaces()
        {
            final Map<String, NamespaceInfo> result = new TreeMap<>();
            namespaceLabels.forEach((name, labels) -> result.put(name, new NamespaceInfo(name, labels, 0)));
            result.put("kube-system", new NamespaceInfo("kube-system", Map.of(), 0));
            return result;
        }

        List<EndpointInfo> pods()
        {
            final List<EndpointInfo> pods = new ArrayList<>();
            for (final String name : names)
            {
                final String[] parts = name.split("/");
                pods.add(new EndpointInfo(ip(name), 1, "node-" + (PODS.indexOf(parts[1]) + 1), parts[1], 1, 1, 0, null, parts[0],
                    podLabels.get(name), List.of(new PodPortInfo("serve-80-tcp", 80, "TCP"), new PodPortInfo("serve-81-tcp", 81, "TCP"),
                    new PodPortInfo("serve-80-udp", 80, "UDP"), new PodPortInfo("serve-81-udp", 81, "UDP")), "", ""));
            }
            // the cluster DNS, as the node agent adds it: a kube-system pod labelled as CoreDNS's at the DNS Service's address
            pods.add(new EndpointInfo(Ipv4Address.format(DNS_IP), 0, "", "coredns", 0, 0, 0, null, "kube-system",
                Map.of("k8s-app", "kube-dns"), List.of(new PodPortInfo("dns", 53, "UDP"), new PodPortInfo("dns-tcp", 53, "TCP")), "", ""));
            return pods;
        }

        PolicyTable compile(final List<NetworkPolicyInfo> policies)
        {
            return PolicyCompiler.compile(policies, namespaces(), pods(), pod -> true, 1);
        }
    }

    static List<NetworkPolicyInfo> policies(final String yaml)
    {
        final List<NetworkPolicyInfo> result = new ArrayList<>();
        for (final KubeObject object : Manifests.parse(yaml.getBytes(StandardCharsets.UTF_8), "x", false))
        {
            result.add(((KubeObject.NetworkPolicy)object).policy());
        }
        return result;
    }

    // ---------------------------------------------------------------- the independent model

    static boolean model(final Cluster cluster, final List<NetworkPolicyInfo> policies, final String from, final String to,
        final String protocol, final int port)
    {
        final Map<String, PolicyModel.Pod> pods = new TreeMap<>();
        for (final String name : cluster.names)
        {
            pods.put(name, new PolicyModel.Pod(Cluster.ip(name), cluster.podLabels.get(name), Map.of("serve-80-tcp/TCP", 80,
                "serve-81-tcp/TCP", 81, "serve-80-udp/UDP", 80, "serve-81-udp/UDP", 81)));
        }
        return new PolicyModel(cluster.namespaceLabels, pods).allows(policies, from, to, protocol, port);
    }

    // ---------------------------------------------------------------- comparing

    static TruthTable expected(final Cluster cluster, final List<NetworkPolicyInfo> policies, final int protocol, final int port)
    {
        return TruthTable.of(cluster.names, (from, to) -> model(cluster, policies, cluster.names.get(from), cluster.names.get(to),
            PolicyTable.protocolName(protocol), port));
    }

    static TruthTable observed(final Cluster cluster, final PolicyTable table, final int protocol, final int port)
    {
        return TruthTable.of(cluster.names, (from, to) -> table.judge(Ipv4Address.parse(Cluster.ip(cluster.names.get(from))),
            Ipv4Address.parse(Cluster.ip(cluster.names.get(to))), protocol, port) == PolicyTable.ALLOWED);
    }

    /** Every port/protocol pair: the compiled table's matrix is the model's; returns them by "TCP/80". */
    static Map<String, TruthTable> assertMatchesModel(final String name, final Cluster cluster, final List<NetworkPolicyInfo> policies)
    {
        final PolicyTable table = cluster.compile(policies);
        final Map<String, TruthTable> matrices = new LinkedHashMap<>();
        for (final int[] port : PORTS)
        {
            final TruthTable expected = expected(cluster, policies, port[0], port[1]);
            final TruthTable observed = observed(cluster, table, port[0], port[1]);
            assertThat(observed.differences(expected))
                .as("%s, %s/%d: expected%n%sobserved%n%scomparison%n%s", name, PolicyTable.protocolName(port[0]), port[1],
                    expected.pretty("  "), observed.pretty("  "), observed.compare(expected).pretty("  "))
                .isZero();
            matrices.put(PolicyTable.protocolName(port[0]) + "/" + port[1], observed);
        }
        return matrices;
    }

    // ---------------------------------------------------------------- the cases

    record Case(String name, String yaml)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    private static final String NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";
    private static final String NOT_X = "{matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}";

    static Stream<Case> cases()
    {
        return Stream.of(
            new Case("no policy", ""),
            new Case("default-deny-ingress", NP + "metadata: {name: deny-ingress, namespace: x}\nspec: {podSelector: {}}\n"),
            new Case("default-deny-all", NP + "metadata: {name: deny-all, namespace: x}\nspec: {podSelector: {}, " +
                "policyTypes: [Ingress, Egress]}\n"),
            new Case("allow traffic from pods within the namespace", NP + "metadata: {name: allow-same-ns, namespace: x}\n" +
                "spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}\n"),
            new Case("allow ingress for a target from one pod", NP + "metadata: {name: allow-b, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}\n"),
            new Case("allow from all namespaces", NP + "metadata: {name: allow-all-ns, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}}]}]}\n"),
            new Case("namespace selector with matchExpressions", NP + "metadata: {name: not-x, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + "}]}]}\n"),
            new Case("pod selector OR namespace selector", NP + "metadata: {name: or, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + "}, " +
                "{podSelector: {matchLabels: {pod: b}}}]}]}\n"),
            new Case("pod selector AND namespace selector", NP + "metadata: {name: and, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + ", " +
                "podSelector: {matchLabels: {pod: b}}}]}]}\n"),
            new Case("multiple pod and namespace selectors", NP + "metadata: {name: multi, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + ", " +
                "podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}}]}]}\n"),
            new Case("any pod selector with Exists", NP + "metadata: {name: exists, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchExpressions: " +
                "[{key: pod, operator: Exists}]}}]}]}\n"),
            new Case("only from a different namespace", NP + "metadata: {name: from-y, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]}\n"),
            new Case("ports: 81 only", NP + "metadata: {name: port-81, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], " +
                "ports: [{port: 81, protocol: TCP}]}]}\n"),
            new Case("stacked policies with overlapping pod selectors", NP + "metadata: {name: port-80, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], " +
                "ports: [{port: 80}]}]}\n---\n" + NP + "metadata: {name: port-81, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], " +
                "ports: [{port: 81}]}]}\n"),
            new Case("allow-all", NP + "metadata: {name: allow-all, namespace: x}\nspec: {podSelector: {}, ingress: [{}]}\n"),
            new Case("named ingress port", NP + "metadata: {name: named, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: serve-81-tcp}]}]}\n"),
            new Case("named ingress port from namespaces", NP + "metadata: {name: named-ns, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchExpressions: " +
                "[{key: ns, operator: In, values: [y, z]}]}}], ports: [{protocol: UDP, port: serve-80-udp}]}]}\n"),
            new Case("named egress port", NP + "metadata: {name: named-egress, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}\n"),
            new Case("deny egress by pod selector", NP + "metadata: {name: deny-egress-a, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}\n"),
            new Case("deny egress of a namespace", NP + "metadata: {name: deny-egress, namespace: x}\n" +
                "spec: {podSelector: {}, policyTypes: [Egress]}\n"),
            new Case("ingress and egress together", NP + "metadata: {name: both, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress, Egress], " +
                "ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}], " +
                "egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]}\n"),
            new Case("client-side egress deny although the server allows", NP + "metadata: {name: a-egress, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, egress: [{to: [{podSelector: {matchLabels: {pod: c}}}]}]}\n---\n" +
                NP + "metadata: {name: b-allow-all, namespace: x}\nspec: {podSelector: {matchLabels: {pod: b}}, ingress: [{}]}\n"),
            new Case("egress to a pod of another namespace", NP + "metadata: {name: to-y-a, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: " +
                "{matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: a}}}]}]}\n"),
            new Case("any port of one protocol", NP + "metadata: {name: udp-any, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: UDP}]}]}\n"),
            new Case("allow-all ingress wins over a narrower policy", NP + "metadata: {name: narrow, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], " +
                "ports: [{port: 80}]}]}\n---\n" + NP + "metadata: {name: allow-all, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{}]}\n"),
            new Case("allow-all egress wins over a narrower policy", NP + "metadata: {name: narrow, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{podSelector: " +
                "{matchLabels: {pod: b}}}], ports: [{port: 80}]}]}\n---\n" + NP + "metadata: {name: allow-all, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{}]}\n"),
            new Case("egress to a CIDR", NP + "metadata: {name: cidr, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: " +
                "{cidr: 10.244.2.0/24}}]}]}\n"),
            new Case("egress to a CIDR with except", NP + "metadata: {name: cidr-except, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: " +
                "{cidr: 10.244.0.0/16, except: [10.244.2.0/24]}}]}]}\n"),
            new Case("an address in both a CIDR's except and another policy's CIDR is allowed", NP +
                "metadata: {name: cidr-except, namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], " +
                "egress: [{to: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.2.0/24]}}]}]}\n---\n" + NP +
                "metadata: {name: cidr-y-b, namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], " +
                "egress: [{to: [{ipBlock: {cidr: 10.244.2.3/32}}]}]}\n"),
            new Case("ingress and egress controlled independently", NP + "metadata: {name: deny-ingress-a, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}\n---\n" + NP +
                "metadata: {name: egress-a-to-b, namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], " +
                "egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]}\n"),
            new Case("SCTP is not TCP", NP + "metadata: {name: sctp, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: SCTP, port: 80}]}]}\n"),
            new Case("UDP only, not TCP", NP + "metadata: {name: udp-81, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: UDP, port: 81}]}]}\n"),
            new Case("namespace selector on the default name label", NP + "metadata: {name: name-label, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: " +
                "{kubernetes.io/metadata.name: y}}}]}]}\n"),
            new Case("namespace matchExpressions on the default name label", NP + "metadata: {name: name-in, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchExpressions: " +
                "[{key: kubernetes.io/metadata.name, operator: In, values: [y, z]}]}}]}]}\n"),
            new Case("egress only to DNS", NP + "metadata: {name: dns-only, namespace: x}\n" +
                "spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: " +
                "{kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], " +
                "ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]}\n"),
            new Case("endPort range 80-81", NP + "metadata: {name: range, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], " +
                "ports: [{protocol: TCP, port: 80, endPort: 81}]}]}\n"),
            new Case("endPort ranges stacked", NP + "metadata: {name: range-a, namespace: x}\n" +
                "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: UDP, port: 79, endPort: 80}]}]}\n---\n" +
                NP + "metadata: {name: range-b, namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, ingress: " +
                "[{from: [{podSelector: {}}], ports: [{protocol: TCP, port: 81, endPort: 90}]}]}\n"),
            new Case("policies in several namespaces at once", NP + "metadata: {name: deny, namespace: y}\n" +
                "spec: {podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress, Egress], ingress: [{from: [{namespaceSelector: " +
                "{matchLabels: {ns: z}}}]}], egress: [{to: [{podSelector: {}}]}]}\n---\n" + NP +
                "metadata: {name: z-c, namespace: z}\nspec: {podSelector: {matchExpressions: [{key: pod, operator: NotIn, " +
                "values: [a, b]}]}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}, namespaceSelector: {}}]}]}\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldReachExactlyWhatTheModelSays(final Case testCase)
    {
        final Cluster cluster = new Cluster();
        assertMatchesModel(testCase.name(), cluster, testCase.yaml().isEmpty() ? List.of() : policies(testCase.yaml()));
    }

    // ---------------------------------------------------------------- what upstream asserts, cell by cell

    @Test
    void shouldIsolateEveryPodOfANamespaceForIngressWithDefaultDeny()
    {
        final Cluster cluster = new Cluster();
        final TruthTable tcp80 = assertMatchesModel("deny", cluster, policies(NP + "metadata: {name: d, namespace: x}\n" +
            "spec: {podSelector: {}}\n")).get("TCP/80");
        for (final String from : cluster.names)
        {
            for (final String to : cluster.names)
            {
                final boolean blocked = to.startsWith("x/") && !from.equals(to);
                assertThat(tcp80.cell(from, to)).as(from + " -> " + to).isEqualTo(blocked ? "X" : ".");
            }
        }
    }

    @Test
    void shouldAndSelectorsInOnePeerAndOrSeparatePeers()
    {
        final Cluster cluster = new Cluster();
        final TruthTable and = assertMatchesModel("and", cluster, policies(NP + "metadata: {name: and, namespace: x}\n" +
            "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + ", " +
            "podSelector: {matchLabels: {pod: b}}}]}]}\n")).get("TCP/80");
        final TruthTable or = assertMatchesModel("or", cluster, policies(NP + "metadata: {name: or, namespace: x}\n" +
            "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: " + NOT_X + "}, " +
            "{podSelector: {matchLabels: {pod: b}}}]}]}\n")).get("TCP/80");
        assertThat(List.of(and.cell("y/b", "x/a"), and.cell("z/b", "x/a"), and.cell("x/b", "x/a"), and.cell("y/a", "x/a")))
            .containsExactly(".", ".", "X", "X");
        assertThat(List.of(or.cell("y/b", "x/a"), or.cell("z/b", "x/a"), or.cell("x/b", "x/a"), or.cell("y/a", "x/a"),
            or.cell("x/c", "x/a"))).containsExactly(".", ".", ".", ".", "X");
    }

    @Test
    void shouldExceptASubnetOfACidrUnlessAnotherPolicyAllowsIt()
    {
        final Cluster cluster = new Cluster();
        final List<NetworkPolicyInfo> except = policies(NP + "metadata: {name: e, namespace: x}\nspec: {podSelector: {matchLabels: " +
            "{pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.2.0/24]}}]}]}\n");
        final TruthTable alone = assertMatchesModel("except", cluster, except).get("UDP/81");
        assertThat(List.of(alone.cell("x/a", "x/b"), alone.cell("x/a", "y/b"), alone.cell("x/a", "y/c"), alone.cell("x/a", "z/a")))
            .containsExactly("X", "X", ".", ".");
        final List<NetworkPolicyInfo> stacked = new ArrayList<>(except);
        stacked.addAll(policies(NP + "metadata: {name: y-b, namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, " +
            "policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.244.2.3/32}}]}]}\n"));
        final TruthTable both = assertMatchesModel("except and cidr", cluster, stacked).get("UDP/81");
        assertThat(List.of(both.cell("x/a", "x/b"), both.cell("x/a", "y/b"))).containsExactly("X", ".");
    }

    @Test
    void shouldAllowDnsOnlyWhenEgressIsDeniedButForDns()
    {
        final Cluster cluster = new Cluster();
        final List<NetworkPolicyInfo> policies = cases().filter(each -> each.name().equals("egress only to DNS")).map(Case::yaml)
            .map(PolicyTruthTableTest::policies).findFirst().orElseThrow();
        final PolicyTable table = cluster.compile(policies);
        final int xa = Ipv4Address.parse(Cluster.ip("x/a"));
        assertThat(table.judge(xa, DNS_IP, PolicyTable.PROTOCOL_UDP, 53)).isEqualTo(PolicyTable.ALLOWED);
        assertThat(table.judge(xa, DNS_IP, PolicyTable.PROTOCOL_TCP, 53)).isEqualTo(PolicyTable.ALLOWED);
        assertThat(table.judge(xa, DNS_IP, PolicyTable.PROTOCOL_UDP, 80)).isEqualTo(PolicyTable.DENIED_EGRESS);
        assertThat(table.judge(xa, Ipv4Address.parse(Cluster.ip("y/a")), PolicyTable.PROTOCOL_UDP, 53))
            .isEqualTo(PolicyTable.DENIED_EGRESS);
        assertThat(table.judge(xa, Ipv4Address.parse("8.8.8.8"), PolicyTable.PROTOCOL_UDP, 53)).isEqualTo(PolicyTable.DENIED_EGRESS);
        assertThat(table.judge(Ipv4Address.parse(Cluster.ip("y/a")), DNS_IP, PolicyTable.PROTOCOL_UDP, 53)).isEqualTo(PolicyTable.ALLOWED);
    }

    // ---------------------------------------------------------------- updates: pods and namespaces relabelled

    @Test
    void shouldFollowANamespaceAndAPodThatAreRelabelled()
    {
        final Cluster cluster = new Cluster();
        final List<NetworkPolicyInfo> policies = policies(NP + "metadata: {name: updated, namespace: x}\n" +
            "spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns2: updated}}}, " +
            "{namespaceSelector: {}, podSelector: {matchLabels: {pod2: updated}}}]}]}\n");
        final TruthTable before = assertMatchesModel("before", cluster, policies).get("TCP/80");
        assertThat(before.cell("y/a", "x/a")).isEqualTo("X");
        assertThat(before.cell("z/b", "x/a")).isEqualTo("X");

        cluster.namespaceLabels.get("y").put("ns2", "updated");
        cluster.podLabels.get("z/b").put("pod2", "updated");
        final TruthTable after = assertMatchesModel("after", cluster, policies).get("TCP/80");
        assertThat(after.cell("y/a", "x/a")).isEqualTo(".");
        assertThat(after.cell("z/b", "x/a")).isEqualTo(".");
        assertThat(after.cell("z/a", "x/a")).isEqualTo("X");

        cluster.podLabels.get("x/a").put("pod", "moved");
        final TruthTable unselected = assertMatchesModel("x/a no longer selected", cluster, policies).get("TCP/80");
        assertThat(unselected.cell("z/a", "x/a")).as("a pod the policy no longer selects is not isolated").isEqualTo(".");
    }

    @Test
    void shouldExplainWhichPoliciesIsolateEachSideAndWhichRuleAllows()
    {
        final Cluster cluster = new Cluster();
        final PolicyTable table = cluster.compile(policies(cases().filter(each -> each.name().equals("client-side egress deny " +
            "although the server allows")).findFirst().orElseThrow().yaml()));
        final int xa = Ipv4Address.parse(Cluster.ip("x/a"));
        final int xb = Ipv4Address.parse(Cluster.ip("x/b"));
        final int xc = Ipv4Address.parse(Cluster.ip("x/c"));
        assertThat(table.judge(xa, xb, PolicyTable.PROTOCOL_TCP, 80)).isEqualTo(PolicyTable.DENIED_EGRESS);
        assertThat(table.explain(xa, "x/a", xb, "x/b", PolicyTable.PROTOCOL_TCP, 80)).containsExactly(
            "egress of x/a: isolated by x/a-egress: no rule allows TCP port 80 to x/b: DENIED",
            "ingress of x/b: isolated by x/b-allow-all: allowed by x/b-allow-all ingress[0]",
            "x/a -> x/b TCP port 80: denied");
        assertThat(table.explain(xc, "x/c", xa, "x/a", PolicyTable.PROTOCOL_UDP, 81)).containsExactly(
            "egress of x/c: not isolated (no policy with policyType Egress selects it): allowed",
            "ingress of x/a: isolated by x/a-egress: no rule allows UDP port 81 from x/c: DENIED",
            "x/c -> x/a UDP port 81: denied");
        assertThat(table.explain(xa, "x/a", xa, "x/a", PolicyTable.PROTOCOL_TCP, 80)).containsExactly(
            "a pod's traffic to itself is not subject to NetworkPolicy: allowed");
    }
}
