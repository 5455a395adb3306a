package dev.podnet.k8s;

import dev.podnet.controlplane.services.LabelSelectorInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** NetworkPolicy manifests: every field Kubernetes has, its defaulting, and apimachinery's words for what is wrong. */
class PolicyManifestsTest
{
    private static NetworkPolicyInfo parse(final String text)
    {
        final List<KubeObject> objects = Manifests.parse(text.getBytes(StandardCharsets.UTF_8), "x", false);
        assertThat(objects).hasSize(1);
        return ((KubeObject.NetworkPolicy)objects.get(0)).policy();
    }

    private static String head(final String spec)
    {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n" + spec;
    }

    @Test
    void shouldReadEveryPartOfAPolicy()
    {
        final NetworkPolicyInfo policy = parse("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: web
              namespace: y
              labels: {team: a}
            spec:
              podSelector:
                matchLabels: {app: web}
                matchExpressions:
                - {key: tier, operator: In, values: [front, edge]}
                - {key: canary, operator: DoesNotExist}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: x}}
                  podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}]}
                - podSelector: {matchLabels: {pod: b}}
                - ipBlock: {cidr: 10.244.0.1/16, except: [10.244.1.0/24]}
                ports:
                - {protocol: TCP, port: 80}
                - {protocol: UDP, port: serve-81-udp}
                - {port: 32000, endPort: 32768}
                - {protocol: UDP}
              egress:
              - to:
                - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: Exists}]}
              - {}
            """);

        assertThat(policy.key()).isEqualTo("y/web");
        assertThat(policy.labels()).isEqualTo(Map.of("team", "a"));
        assertThat(policy.podSelector()).isEqualTo(new LabelSelectorInfo(Map.of("app", "web"), List.of(
            new LabelSelectorInfo.Requirement("tier", "In", List.of("front", "edge")),
            new LabelSelectorInfo.Requirement("canary", "DoesNotExist", List.of()))));
        assertThat(policy.ingress()).isTrue();
        assertThat(policy.egress()).isTrue();
        final NetworkPolicyInfo.Rule ingress = policy.ingressRules().get(0);
        assertThat(ingress.peers()).containsExactly(
            NetworkPolicyInfo.Peer.pods(new LabelSelectorInfo(Map.of(), List.of(new LabelSelectorInfo.Requirement("pod", "NotIn",
                List.of("c")))), new LabelSelectorInfo(Map.of("ns", "x"), List.of())),
            NetworkPolicyInfo.Peer.pods(new LabelSelectorInfo(Map.of("pod", "b"), List.of()), null),
            NetworkPolicyInfo.Peer.block("10.244.0.0/16", List.of("10.244.1.0/24")));
        assertThat(ingress.ports()).containsExactly(
            new NetworkPolicyInfo.Port("TCP", 80, "", 0),
            new NetworkPolicyInfo.Port("UDP", 0, "serve-81-udp", 0),
            new NetworkPolicyInfo.Port("TCP", 32000, "", 32768),
            new NetworkPolicyInfo.Port("UDP", 0, "", 0));
        assertThat(policy.egressRules()).hasSize(2);
        assertThat(policy.egressRules().get(1)).isEqualTo(new NetworkPolicyInfo.Rule(List.of(), List.of()));
    }

    @Test
    void shouldDefaultPolicyTypesAsKubernetesDoes()
    {
        final NetworkPolicyInfo denyAll = parse(head("  podSelector: {}\n"));
        assertThat(denyAll.podSelector().empty()).isTrue();
        assertThat(denyAll.ingress()).isTrue();
        assertThat(denyAll.egress()).isFalse();
        assertThat(denyAll.ingressRules()).isEmpty();

        final NetworkPolicyInfo withEgress = parse(head("  podSelector: {}\n  egress: [{to: [{podSelector: {}}]}]\n"));
        assertThat(withEgress.ingress()).isTrue();
        assertThat(withEgress.egress()).isTrue();

        final NetworkPolicyInfo emptyEgress = parse(head("  podSelector: {}\n  egress: []\n"));
        assertThat(emptyEgress.egress()).as("an empty egress list does not imply Egress").isFalse();

        final NetworkPolicyInfo egressOnly = parse(head("  podSelector: {}\n  policyTypes: [Egress]\n"));
        assertThat(egressOnly.ingress()).isFalse();
        assertThat(egressOnly.egress()).isTrue();
    }

    @Test
    void shouldNameEveryBadFieldInApimachineryWords()
    {
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n"))
            .hasMessage("document 1 (NetworkPolicy): apiVersion: Unsupported value: \"v1\": NetworkPolicy is in apiVersion " +
                "networking.k8s.io/v1");
        assertThatThrownBy(() -> parse(head("  ingress: []\n")))
            .hasMessageStartingWith("document 1 (NetworkPolicy p): spec.podSelector: Required value");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  policyTypes: [Ingress, Sideways]\n")))
            .hasMessage("document 1 (NetworkPolicy p): spec.policyTypes[1]: Unsupported value: \"Sideways\": supported values: " +
                "\"Egress\", \"Ingress\"");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  policyTypes: [Ingress, Egress, Ingress]\n")))
            .hasMessageContaining("spec.policyTypes: Invalid value: [\"Ingress\",\"Egress\",\"Ingress\"]: may not specify more than " +
                "two policyTypes");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{from: [{}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].from[0]: Required value: must specify a peer");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]\n")))
            .hasMessageEndingWith("spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, " +
            "except: [11.0.0.0/16]}}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"11.0.0.0/16\": must be a strict " +
                "subset of `cidr`");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, " +
            "except: [10.0.0.0/8]}}]}]\n"))).hasMessageContaining("must be a strict subset of `cidr`");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0/8}}]}]\n")))
            .hasMessageContaining("spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0/8\": must be a valid CIDR value");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{from: [{ipBlock: {except: [10.0.0.0/8]}}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].from[0].ipBlock.cidr: Required value");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{protocol: ICMP}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", " +
                "\"TCP\", \"UDP\"");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{port: 0}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 80}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is " +
                "non-numeric");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{endPort: 80}]}]\n")))
            .hasMessageEndingWith("spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is not " +
                "specified");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{ports: [{port: Not_A_Name}]}]\n")))
            .hasMessageContaining("spec.ingress[0].ports[0].port: Invalid value: \"Not_A_Name\"");
        assertThatThrownBy(() -> parse(head("  podSelector: {matchExpressions: [{key: app, operator: In}]}\n")))
            .hasMessageEndingWith("spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` " +
                "is 'In' or 'NotIn'");
        assertThatThrownBy(() -> parse(head("  podSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}\n")))
            .hasMessageEndingWith("spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` " +
                "is 'Exists' or 'DoesNotExist'");
        assertThatThrownBy(() -> parse(head("  podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}\n")))
            .hasMessageContaining("spec.podSelector.matchExpressions[0].operator: Invalid value: \"Equals\": not a valid selector " +
                "operator");
        assertThatThrownBy(() -> parse(head("  podSelector: {}\n  ingress: [{form: []}]\n")))
            .hasMessageEndingWith("spec.ingress[0].form: unknown field");
        assertThatThrownBy(() -> parse(head("  podSelector: {matchLabels: {app: 7}}\n")))
            .hasMessageContaining("spec.podSelector.matchLabels.app: expected a string, got a number (7)");
    }

    @Test
    void shouldMatchLabelSelectorsAsApimachinery()
    {
        final LabelSelectorInfo notIn = new LabelSelectorInfo(Map.of(), List.of(new LabelSelectorInfo.Requirement("pod", "NotIn",
            List.of("a"))));
        assertThat(notIn.matches(Map.of("pod", "b"))).isTrue();
        assertThat(notIn.matches(Map.of())).as("NotIn matches a pod without the key").isTrue();
        assertThat(notIn.matches(Map.of("pod", "a"))).isFalse();
        assertThat(LabelSelectorInfo.ALL.matches(Map.of("any", "thing"))).isTrue();
        final LabelSelectorInfo both = new LabelSelectorInfo(Map.of("app", "web"), List.of(new LabelSelectorInfo.Requirement("tier",
            "Exists", List.of())));
        assertThat(both.matches(Map.of("app", "web", "tier", "x"))).isTrue();
        assertThat(both.matches(Map.of("app", "web"))).isFalse();
    }
}
