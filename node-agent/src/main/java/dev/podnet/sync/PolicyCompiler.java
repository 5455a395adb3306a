package dev.podnet.sync;

import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;
import dev.podnet.controlplane.services.LabelSelectorInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.policy.PolicyTable;
import org.agrona.collections.Int2IntHashMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Compiles NetworkPolicies into a node's {@link PolicyTable}: for each pod the node enforces policy for,
 * the policies that select it and their rules with every selector resolved into addresses, as Calico's
 * Felix turns policies and the pods' labels into ipsets and per-endpoint chains. Pure: the same policies,
 * namespaces and pods make the same table. It runs again whenever any of them changes (a new pod that a
 * peer selector picks, a relabelled namespace).
 */
public final class PolicyCompiler
{
    private PolicyCompiler()
    {
    }

    /**
     * @param policies   every NetworkPolicy of the cluster
     * @param namespaces the namespaces by name (a pod's namespace missing here has only its name label)
     * @param pods       every pod of the cluster (peers are chosen among them)
     * @param subject    the pods this table enforces policy for: the node's own
     * @param version    the table's version
     */
    public static PolicyTable compile(final Collection<NetworkPolicyInfo> policies, final Map<String, NamespaceInfo> namespaces,
        final Collection<EndpointInfo> pods, final Predicate<EndpointInfo> subject, final long version)
    {
        final List<NetworkPolicyInfo> sorted = new ArrayList<>(policies);
        sorted.sort(java.util.Comparator.comparing(NetworkPolicyInfo::key));
        final List<PolicyTable.Subject> subjects = new ArrayList<>();
        for (final EndpointInfo pod : pods)
        {
            if (!subject.test(pod))
            {
                continue;
            }
            final List<String> ingressPolicies = new ArrayList<>();
            final List<String> egressPolicies = new ArrayList<>();
            final List<PolicyTable.Rule> ingress = new ArrayList<>();
            final List<PolicyTable.Rule> egress = new ArrayList<>();
            for (final NetworkPolicyInfo policy : sorted)
            {
                if (!policy.selects(pod.namespace(), pod.labels()))
                {
                    continue;
                }
                if (policy.ingress())
                {
                    ingressPolicies.add(policy.key());
                    for (int i = 0; i < policy.ingressRules().size(); i++)
                    {
                        ingress.add(rule(policy, i, policy.ingressRules().get(i), pod, true, namespaces, pods));
                    }
                }
                if (policy.egress())
                {
                    egressPolicies.add(policy.key());
                    for (int i = 0; i < policy.egressRules().size(); i++)
                    {
                        egress.add(rule(policy, i, policy.egressRules().get(i), pod, false, namespaces, pods));
                    }
                }
            }
            if (!ingressPolicies.isEmpty() || !egressPolicies.isEmpty())
            {
                subjects.add(new PolicyTable.Subject(pod.key(), Ipv4Address.parse(pod.ip()),
                    ingressPolicies.isEmpty() ? null : new PolicyTable.Direction(String.join(",", ingressPolicies),
                        ingress.toArray(PolicyTable.Rule[]::new)),
                    egressPolicies.isEmpty() ? null : new PolicyTable.Direction(String.join(",", egressPolicies),
                        egress.toArray(PolicyTable.Rule[]::new))));
            }
        }
        return new PolicyTable(subjects, version);
    }

    /** The labels of a namespace: its own, or only {@code kubernetes.io/metadata.name} when it is not known (yet). */
    static Map<String, String> namespaceLabels(final Map<String, NamespaceInfo> namespaces, final String name)
    {
        final NamespaceInfo namespace = namespaces.get(name);
        return namespace == null ? Map.of(NamespaceInfo.NAME_LABEL, name) : namespace.labels();
    }

    private static PolicyTable.Rule rule(final NetworkPolicyInfo policy, final int index, final NetworkPolicyInfo.Rule rule,
        final EndpointInfo subject, final boolean ingress, final Map<String, NamespaceInfo> namespaces,
        final Collection<EndpointInfo> pods)
    {
        final TreeSet<Integer> podIps = new TreeSet<>(Integer::compare);
        final List<Integer> blockNetworks = new ArrayList<>();
        final List<Integer> blockMasks = new ArrayList<>();
        final List<Integer> exceptOwner = new ArrayList<>();
        final List<Integer> exceptNetworks = new ArrayList<>();
        final List<Integer> exceptMasks = new ArrayList<>();
        for (final NetworkPolicyInfo.Peer peer : rule.peers())
        {
            if (peer.ipBlock())
            {
                final Ipv4Cidr cidr = Ipv4Cidr.parse(peer.cidr());
                for (final String except : peer.except())
                {
                    final Ipv4Cidr inside = Ipv4Cidr.parse(except);
                    exceptOwner.add(blockNetworks.size());
                    exceptNetworks.add(inside.network());
                    exceptMasks.add(inside.mask());
                }
                blockNetworks.add(cidr.network());
                blockMasks.add(cidr.mask());
                continue;
            }
            for (final EndpointInfo pod : pods)
            {
                if (peerSelects(policy, peer, pod, namespaces))
                {
                    podIps.add(Ipv4Address.parse(pod.ip()));
                }
            }
        }
        final List<int[]> numeric = new ArrayList<>();
        final List<Integer> namedProtocols = new ArrayList<>();
        final List<Int2IntHashMap> namedPorts = new ArrayList<>();
        for (final NetworkPolicyInfo.Port port : rule.ports())
        {
            final int protocol = PolicyTable.protocolNumber(port.protocol());
            if (port.name().isEmpty())
            {
                numeric.add(port.port() == 0 ? new int[] {protocol, 0, 65535} :
                    new int[] {protocol, port.port(), port.endPort() == 0 ? port.port() : port.endPort()});
            }
            else if (ingress)
            {
                final int resolved = containerPort(subject, port.name(), port.protocol());
                if (resolved != 0)
                {
                    numeric.add(new int[] {protocol, resolved, resolved}); // a pod without that port name: the entry matches nothing
                }
            }
            else
            {
                final Int2IntHashMap byDestination = new Int2IntHashMap(-1);
                for (final EndpointInfo pod : pods)
                {
                    final int resolved = containerPort(pod, port.name(), port.protocol());
                    if (resolved != 0)
                    {
                        byDestination.put(Ipv4Address.parse(pod.ip()), resolved);
                    }
                }
                namedProtocols.add(protocol);
                namedPorts.add(byDestination);
            }
        }
        return new PolicyTable.Rule(policy.key(), index, rule.peers().isEmpty(), podIps.stream().mapToInt(Integer::intValue).toArray(),
            ints(blockNetworks), ints(blockMasks), ints(exceptOwner), ints(exceptNetworks), ints(exceptMasks), rule.ports().isEmpty(),
            numeric.stream().mapToInt(entry -> entry[0]).toArray(), numeric.stream().mapToInt(entry -> entry[1]).toArray(),
            numeric.stream().mapToInt(entry -> entry[2]).toArray(), ints(namedProtocols), namedPorts.toArray(Int2IntHashMap[]::new));
    }

    /** Whether a pod peer ({@code podSelector} and/or {@code namespaceSelector}, ANDed) of {@code policy} selects {@code pod}. */
    static boolean peerSelects(final NetworkPolicyInfo policy, final NetworkPolicyInfo.Peer peer, final EndpointInfo pod,
        final Map<String, NamespaceInfo> namespaces)
    {
        final LabelSelectorInfo namespaceSelector = peer.namespaceSelector();
        final boolean namespaceMatches = namespaceSelector == null ? pod.namespace().equals(policy.namespace()) :
            namespaceSelector.matches(namespaceLabels(namespaces, pod.namespace()));
        return namespaceMatches && (peer.podSelector() == null || peer.podSelector().matches(pod.labels()));
    }

    /** The port {@code pod} declares under {@code name} for {@code protocol}, 0 when none. */
    private static int containerPort(final EndpointInfo pod, final String name, final String protocol)
    {
        for (final PodPortInfo declared : pod.ports())
        {
            if (declared.name().equals(name) && declared.protocol().equals(protocol))
            {
                return declared.port();
            }
        }
        return 0;
    }

    private static int[] ints(final List<Integer> values)
    {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
