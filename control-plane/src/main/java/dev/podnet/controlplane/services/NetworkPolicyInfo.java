package dev.podnet.controlplane.services;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code networking.k8s.io/v1 NetworkPolicy} (schema {@code NetworkPolicyRecord}), validated and
 * defaulted as the API server stores it.
 *
 * @param namespace   its namespace: the pods it selects, and the peers a bare pod selector names, are there
 * @param name        its name
 * @param labels      metadata.labels
 * @param podSelector the pods of {@code namespace} it applies to ({@link LabelSelectorInfo#ALL}: every pod)
 * @param ingress     whether its policyTypes include Ingress (after defaulting: Ingress always, unless
 *                    policyTypes names only Egress)
 * @param egress      whether its policyTypes include Egress (defaulted: when spec.egress has rules)
 * @param ingressRules spec.ingress: what the selected pods may receive (when {@code ingress})
 * @param egressRules  spec.egress: what they may send (when {@code egress})
 * @param createdAt   epoch ms
 * @param updatedAt   epoch ms
 */
public record NetworkPolicyInfo(String namespace, String name, Map<String, String> labels, LabelSelectorInfo podSelector,
    boolean ingress, boolean egress, List<Rule> ingressRules, List<Rule> egressRules, long createdAt, long updatedAt)
    implements ServiceMessage
{
    public static final String TCP = "TCP";
    public static final String UDP = "UDP";
    public static final String SCTP = "SCTP";

    /**
     * One rule: traffic with any of {@code peers} on any of {@code ports}.
     *
     * @param peers from[] or to[]; empty: every peer (any address, in or out of the cluster)
     * @param ports ports[]; empty: every port of every protocol
     */
    public record Rule(List<Peer> peers, List<Port> ports)
    {
        public Rule
        {
            peers = peers == null ? List.of() : List.copyOf(peers);
            ports = ports == null ? List.of() : List.copyOf(ports);
        }
    }

    /**
     * One peer: pods (a pod selector, a namespace selector, or both ANDed) or an ipBlock.
     *
     * @param podSelector       null: every pod of the namespaces selected
     * @param namespaceSelector null: the policy's own namespace
     * @param cidr              ipBlock.cidr; null when the peer is pods
     * @param except            ipBlock.except
     */
    public record Peer(LabelSelectorInfo podSelector, LabelSelectorInfo namespaceSelector, String cidr, List<String> except)
    {
        public Peer
        {
            except = except == null ? List.of() : List.copyOf(except);
        }

        public boolean ipBlock()
        {
            return cidr != null;
        }

        public static Peer pods(final LabelSelectorInfo podSelector, final LabelSelectorInfo namespaceSelector)
        {
            return new Peer(podSelector, namespaceSelector, null, List.of());
        }

        public static Peer block(final String cidr, final List<String> except)
        {
            return new Peer(null, null, cidr, except);
        }
    }

    /**
     * One port.
     *
     * @param protocol TCP, UDP or SCTP
     * @param port     the number; 0 when named or absent (every port of the protocol)
     * @param name     a named port (a container port's name); empty when numeric or absent
     * @param endPort  the last port of the range {@code port..endPort}; 0 when no range
     */
    public record Port(String protocol, int port, String name, int endPort)
    {
        public Port
        {
            name = name == null ? "" : name;
        }

        /** As kubectl describe prints it: {@code 80/TCP}, {@code 32000-32768/TCP}, {@code http/TCP}, {@code <any>/UDP}. */
        @Override
        public String toString()
        {
            final String number = !name.isEmpty() ? name : port == 0 ? "<any>" : endPort == 0 ? Integer.toString(port) :
                port + "-" + endPort;
            return number + "/" + protocol;
        }
    }

    public NetworkPolicyInfo
    {
        labels = labels == null || labels.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        podSelector = podSelector == null ? LabelSelectorInfo.ALL : podSelector;
        ingressRules = ingressRules == null ? List.of() : List.copyOf(ingressRules);
        egressRules = egressRules == null ? List.of() : List.copyOf(egressRules);
    }

    /** {@code namespace/name}: its key in the replicated map. */
    public String key()
    {
        return namespace + "/" + name;
    }

    /** Whether it applies to a pod of {@code podNamespace} with {@code podLabels}. */
    public boolean selects(final String podNamespace, final Map<String, String> podLabels)
    {
        return namespace.equals(podNamespace) && podSelector.matches(podLabels);
    }

    /** The same policy, stored at these times. */
    public NetworkPolicyInfo stored(final long created, final long updated)
    {
        return new NetworkPolicyInfo(namespace, name, labels, podSelector, ingress, egress, ingressRules, egressRules, created, updated);
    }

    /** Whether {@code other} says the same (times aside). */
    public boolean sameSpec(final NetworkPolicyInfo other)
    {
        return other != null && stored(0, 0).equals(other.stored(0, 0));
    }

    /** kubectl's policy types: {@code Ingress}, {@code Egress} or {@code Ingress, Egress}. */
    public String policyTypes()
    {
        return ingress && egress ? "Ingress, Egress" : ingress ? "Ingress" : egress ? "Egress" : "";
    }
}
