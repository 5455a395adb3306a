package dev.podnet.http;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.controlplane.MemberView;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster as one agent knows it at one moment: its control plane's last view (members, leases, the
 * replicated pod table) with this node's own pods taken from its data plane, which knows them before
 * the table does. Pods of a node that crashed stay listed (under its NotReady node) until it comes
 * back or its lease is reclaimed; a node that leaves gracefully withdraws its pods first. Read-only:
 * made per request, never changed.
 */
final class ClusterDirectory
{
    static final String READY = "Ready";
    static final String NOT_READY = "NotReady";
    static final String UNREACHABLE = "Unreachable";

    /** Names with numbers in the order people count: node-2 before node-10. */
    static final Comparator<String> NATURAL = NaturalOrder.COMPARATOR;

    private final String self;
    private final ClusterView view;
    /** Every pod, this node's own from its data plane, sorted by node then name. */
    private final List<Endpoint> pods;
    /** Every pod's labels, by address. */
    private final Map<Integer, Map<String, String>> labels = new HashMap<>();

    ClusterDirectory(final String self, final ClusterView view, final List<PodInfo> localPods)
    {
        this.self = self;
        this.view = view;
        final List<Endpoint> all = new ArrayList<>();
        for (final PodInfo pod : localPods)
        {
            all.add(new Endpoint(pod.ip(), pod.mac(), pod.node(), pod.name(), pod.netns(), pod.namespace()));
            labels.put(pod.ip(), pod.labels());
        }
        if (view != null)
        {
            for (final EndpointInfo endpoint : view.endpoints().values())
            {
                // a node whose lease was reclaimed is not coming back: its pods are gone with it
                if (!endpoint.node().equals(self) &&
                    (view.members().containsKey(endpoint.node()) || view.leases().containsKey(endpoint.node())))
                {
                    final int ip = Ipv4Address.parse(endpoint.ip());
                    all.add(new Endpoint(ip, endpoint.mac(), endpoint.node(), endpoint.pod(), endpoint.netns(), endpoint.namespace()));
                    labels.put(ip, endpoint.labels());
                }
            }
        }
        all.sort(Comparator.comparing(Endpoint::node, NATURAL).thenComparing(Endpoint::pod, NATURAL));
        this.pods = List.copyOf(all);
    }

    String self()
    {
        return self;
    }

    List<Endpoint> pods()
    {
        return pods;
    }

    /** The pods of {@code namespace} called {@code name} (one, unless two nodes raced to create it). */
    List<Endpoint> podsNamed(final String namespace, final String name)
    {
        return pods.stream().filter(pod -> name.equals(pod.pod()) && namespace.equals(pod.namespace())).toList();
    }

    /** The pods of {@code namespace}. */
    List<Endpoint> podsIn(final String namespace)
    {
        return pods.stream().filter(pod -> namespace.equals(pod.namespace())).toList();
    }

    /** A pod's labels. */
    Map<String, String> labels(final Endpoint pod)
    {
        return labels.getOrDefault(pod.ip(), Map.of());
    }

    /** The pod {@code nameOrIp} names in {@code default}: see {@link #pod(String, String)}. */
    Endpoint pod(final String nameOrIp)
    {
        return pod(dev.podnet.dataplane.PodSpec.DEFAULT_NAMESPACE, nameOrIp);
    }

    /**
     * The pod {@code reference} names: a pod name in {@code namespace}, {@code ns/name}, or the IPv4 address
     * of any pod; 404 when none, 400 when ambiguous.
     */
    Endpoint pod(final String namespace, final String reference)
    {
        final List<Endpoint> found;
        final String nameOrIp;
        if (looksLikeIp(reference))
        {
            nameOrIp = reference;
            final int ip = parseIp(reference, "pod");
            found = pods.stream().filter(pod -> pod.ip() == ip).toList();
        }
        else if (reference.indexOf('/') > 0)
        {
            nameOrIp = reference;
            found = podsNamed(reference.substring(0, reference.indexOf('/')), reference.substring(reference.indexOf('/') + 1));
        }
        else
        {
            nameOrIp = reference;
            found = podsNamed(namespace, reference);
        }
        if (found.isEmpty())
        {
            throw ApiException.notFound("no pod '" + nameOrIp + "'" + (looksLikeIp(reference) || reference.indexOf('/') > 0 ? "" :
                " in namespace " + namespace) + " in the cluster");
        }
        if (found.size() > 1)
        {
            throw ApiException.badRequest("pod name '" + nameOrIp + "' is ambiguous: it runs on nodes " +
                found.stream().map(Endpoint::node).toList() + "; give its IP instead");
        }
        return found.get(0);
    }

    static boolean looksLikeIp(final String text)
    {
        return !text.isEmpty() && Character.isDigit(text.charAt(0)) && text.indexOf('.') >= 0;
    }

    static int parseIp(final String text, final String field)
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest("field '" + field + "': " + ex.getMessage());
        }
    }

    /** Every node: members and holders of a lease (a node gone but whose lease is kept for its return), by name. */
    List<Views.Node> nodes()
    {
        final Map<String, Integer> podCounts = new HashMap<>();
        for (final Endpoint pod : pods)
        {
            podCounts.merge(pod.node(), 1, Integer::sum);
        }
        final TreeSet<String> names = new TreeSet<>(NATURAL);
        names.add(self);
        if (view != null)
        {
            names.addAll(view.members().keySet());
            names.addAll(view.leases().keySet());
        }
        final List<Views.Node> nodes = new ArrayList<>();
        for (final String name : names)
        {
            nodes.add(node(name, podCounts.getOrDefault(name, 0)));
        }
        return nodes;
    }

    /** One node, 404 when the cluster does not know it. */
    Views.Node node(final String name)
    {
        for (final Views.Node node : nodes())
        {
            if (node.name().equals(name))
            {
                return node;
            }
        }
        throw ApiException.notFound("no node '" + name + "' in the cluster (nodes: " +
            String.join(", ", nodes().stream().map(Views.Node::name).toList()) + ")");
    }

    /** Where {@code node}'s API listens ({@code host:port}), from its lease; 503 when it holds none. */
    String apiAddress(final String node)
    {
        final LeaseInfo lease = view == null ? null : view.leases().get(node);
        if (lease == null)
        {
            throw new ApiException(503, "unavailable", "node " + node + " holds no CIDR lease: its API address is unknown");
        }
        return lease.tunnelHost() + ":" + lease.apiPort();
    }

    private Views.Node node(final String name, final int pods)
    {
        final MemberView member = view == null ? null : view.members().get(name);
        final LeaseInfo lease = view == null ? null : view.leases().get(name);
        final String cidr = lease == null ? null : lease.cidr();
        final String gateway = cidr == null ? null : Ipv4Address.format(Ipv4Cidr.parse(cidr).address(1));
        final String api = lease == null ? null : lease.tunnelHost() + ":" + lease.apiPort();
        final String tunnel = lease == null ? null : lease.tunnelHost() + ":" + lease.tunnelPort();
        final String address = member == null ? null : member.address();
        final String status;
        final String reason;
        if (member == null)
        {
            status = NOT_READY;
            reason = lease != null && lease.isReleased() ?
                "not a cluster member since " + Instant.ofEpochMilli(lease.releasedAt()) +
                    " (left or downed); its lease is kept for its return" :
                "not a cluster member";
        }
        else if (!member.reachable())
        {
            status = UNREACHABLE;
            reason = "node " + self + "'s failure detector does not hear it (member status " + member.status() + ")";
        }
        else if (!member.routable())
        {
            status = NOT_READY;
            reason = "member status " + member.status();
        }
        else if (lease == null || lease.isReleased())
        {
            status = NOT_READY;
            reason = name.equals(self) && view != null && view.reason() != null ? view.reason() : "waiting for a CIDR lease";
        }
        else
        {
            status = READY;
            reason = null;
        }
        final boolean allocator = view != null && name.equals(view.allocator());
        return new Views.Node(name, address, api, cidr, gateway, status, reason, pods, tunnel, allocator);
    }

    /** Pods per node, for placing a new pod. */
    Map<String, Integer> podsPerNode()
    {
        final Map<String, Integer> counts = new TreeMap<>();
        for (final Endpoint pod : pods)
        {
            counts.merge(pod.node(), 1, Integer::sum);
        }
        return counts;
    }
}
