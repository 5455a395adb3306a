package dev.podnet.policy;

import dev.podnet.controlplane.services.LabelSelectorInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An independent model of Kubernetes' NetworkPolicy rules for tests, read straight off the objects as the
 * Kubernetes documentation states them: no compilation, its own label, CIDR and port matching, sharing no
 * code with {@code PolicyCompiler} or {@link PolicyTable}.
 *
 * @param namespaceLabels each namespace's own labels (the {@code kubernetes.io/metadata.name} label is added here)
 * @param pods            the pods by {@code namespace/name}
 */
public record PolicyModel(Map<String, Map<String, String>> namespaceLabels, Map<String, Pod> pods)
{
    /**
     * @param ip         its address, dotted
     * @param labels     its labels
     * @param namedPorts its containers' ports by {@code name/PROTOCOL}
     */
    public record Pod(String ip, Map<String, String> labels, Map<String, Integer> namedPorts)
    {
    }

    /** Is a new connection from {@code from} to {@code to} on {@code protocol} ("TCP", "UDP") {@code port} allowed? */
    public boolean allows(final List<NetworkPolicyInfo> policies, final String from, final String to, final String protocol,
        final int port)
    {
        if (from.equals(to))
        {
            return true;
        }
        return direction(policies, from, to, false, to, protocol, port) && direction(policies, to, from, true, to, protocol, port);
    }

    private boolean direction(final List<NetworkPolicyInfo> policies, final String pod, final String peer, final boolean ingress,
        final String destination, final String protocol, final int port)
    {
        boolean isolated = false;
        for (final NetworkPolicyInfo policy : policies)
        {
            if (!policy.namespace().equals(namespaceOf(pod)) || !selectorMatches(policy.podSelector(), pods.get(pod).labels()))
            {
                continue;
            }
            if (ingress ? !policy.ingress() : !policy.egress())
            {
                continue;
            }
            isolated = true;
            for (final NetworkPolicyInfo.Rule rule : ingress ? policy.ingressRules() : policy.egressRules())
            {
                if (peer(policy, rule, peer) && port(rule, destination, protocol, port))
                {
                    return true;
                }
            }
        }
        return !isolated;
    }

    private boolean peer(final NetworkPolicyInfo policy, final NetworkPolicyInfo.Rule rule, final String peer)
    {
        if (rule.peers().isEmpty())
        {
            return true;
        }
        final String ip = pods.get(peer).ip();
        for (final NetworkPolicyInfo.Peer each : rule.peers())
        {
            if (each.cidr() != null)
            {
                if (inCidr(ip, each.cidr()) && each.except().stream().noneMatch(except -> inCidr(ip, except)))
                {
                    return true;
                }
                continue;
            }
            final Map<String, String> namespace = new TreeMap<>(namespaceLabels.getOrDefault(namespaceOf(peer), Map.of()));
            namespace.put("kubernetes.io/metadata.name", namespaceOf(peer));
            final boolean namespaceOk = each.namespaceSelector() == null ? namespaceOf(peer).equals(policy.namespace()) :
                selectorMatches(each.namespaceSelector(), namespace);
            final boolean podOk = each.podSelector() == null || selectorMatches(each.podSelector(), pods.get(peer).labels());
            if (namespaceOk && podOk)
            {
                return true;
            }
        }
        return false;
    }

    private boolean port(final NetworkPolicyInfo.Rule rule, final String destination, final String protocol, final int port)
    {
        if (rule.ports().isEmpty())
        {
            return true;
        }
        for (final NetworkPolicyInfo.Port each : rule.ports())
        {
            if (!each.protocol().equals(protocol))
            {
                continue;
            }
            if (!each.name().isEmpty())
            {
                final Integer named = pods.get(destination).namedPorts().get(each.name() + "/" + protocol);
                if (named != null && named == port)
                {
                    return true;
                }
                continue;
            }
            if (each.port() == 0 || (port >= each.port() && port <= Math.max(each.port(), each.endPort())))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean selectorMatches(final LabelSelectorInfo selector, final Map<String, String> labels)
    {
        for (final Map.Entry<String, String> entry : selector.matchLabels().entrySet())
        {
            if (!entry.getValue().equals(labels.get(entry.getKey())))
            {
                return false;
            }
        }
        for (final LabelSelectorInfo.Requirement requirement : selector.matchExpressions())
        {
            final boolean has = labels.containsKey(requirement.key());
            final boolean in = has && requirement.values().contains(labels.get(requirement.key()));
            final boolean ok = switch (requirement.operator())
            {
                case "In" -> in;
                case "NotIn" -> !in;
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> throw new AssertionError(requirement.operator());
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean inCidr(final String ip, final String cidr)
    {
        final String[] parts = cidr.split("/");
        final long prefix = Long.parseLong(parts[1]);
        final long mask = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        return (toLong(ip) & mask) == (toLong(parts[0]) & mask);
    }

    private static long toLong(final String ip)
    {
        long value = 0;
        for (final String octet : ip.split("\\."))
        {
            value = value << 8 | Long.parseLong(octet);
        }
        return value;
    }

    private static String namespaceOf(final String pod)
    {
        return pod.substring(0, pod.indexOf('/'));
    }
}
