package dev.podnet.controlplane;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One pod in the replicated endpoint table (schema {@code EndpointRecord} in {@code proto/controlplane.proto}).
 * Only its own node writes it; replicas resolve conflicts by {@link #clock()}.
 *
 * @param ip          the pod's address, dotted
 * @param mac         its MAC as a 48-bit integer
 * @param node        the node it runs on
 * @param pod         its name
 * @param incarnation the writing node's incarnation (epoch ms at its start)
 * @param version     the writer's counter within the incarnation
 * @param publishedAt when the writer wrote this version (epoch ms; 0 when not yet published): for the
 *                    propagation lag other nodes measure (same host or synchronised clocks)
 * @param netns       a real pod's network namespace on its node; null for an emulated pod
 * @param namespace   the pod's Kubernetes namespace
 * @param labels      its labels (what Service selectors match)
 * @param ports       its containers' declared ports (what named targetPorts resolve to)
 * @param hostname    {@code spec.hostname}, or empty
 * @param subdomain   {@code spec.subdomain}, or empty
 */
public record EndpointInfo(String ip, long mac, String node, String pod, long incarnation, long version, long publishedAt,
    String netns, String namespace, Map<String, String> labels, List<PodPortInfo> ports, String hostname, String subdomain)
    implements ControlPlaneMessage
{
    public static final String DEFAULT_NAMESPACE = "default";

    public EndpointInfo
    {
        namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
        labels = labels == null || labels.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        ports = ports == null ? List.of() : List.copyOf(ports);
        hostname = hostname == null ? "" : hostname;
        subdomain = subdomain == null ? "" : subdomain;
    }

    /** An emulated pod of {@code default} without labels or ports. */
    public EndpointInfo(final String ip, final long mac, final String node, final String pod, final long incarnation,
        final long version, final long publishedAt)
    {
        this(ip, mac, node, pod, incarnation, version, publishedAt, null);
    }

    /** A pod of {@code default} without labels or ports; {@code netns} null for an emulated one. */
    public EndpointInfo(final String ip, final long mac, final String node, final String pod, final long incarnation,
        final long version, final long publishedAt, final String netns)
    {
        this(ip, mac, node, pod, incarnation, version, publishedAt, netns, DEFAULT_NAMESPACE, Map.of(), List.of(), "", "");
    }

    /** This pod as its node publishes it: the same pod, written by {@code writer} in its {@code writerIncarnation} as {@code newVersion}. */
    public EndpointInfo published(final String writer, final long writerIncarnation, final long newVersion, final long atMillis)
    {
        return new EndpointInfo(ip, mac, writer, pod, writerIncarnation, newVersion, atMillis, netns, namespace, labels, ports,
            hostname, subdomain);
    }

    /** Whether {@code other} says the same about the pod (bookkeeping fields aside): no need to publish again. */
    public boolean sameContent(final EndpointInfo other)
    {
        return other != null && mac == other.mac && pod.equals(other.pod) && java.util.Objects.equals(netns, other.netns) &&
            namespace.equals(other.namespace) && labels.equals(other.labels) && ports.equals(other.ports) &&
            hostname.equals(other.hostname) && subdomain.equals(other.subdomain);
    }

    /** {@code namespace/name}. */
    public String key()
    {
        return namespace + "/" + pod;
    }

    /** Versions per incarnation the clock can order. */
    static final long VERSIONS = 1_000_000L;

    /**
     * The LWW timestamp: a later incarnation always wins, then a later version. Epoch milliseconds ×
     * 10^6 stays below {@code Long.MAX_VALUE} until the year 2262.
     */
    public long clock()
    {
        return incarnation * VERSIONS + Math.min(version, VERSIONS - 1);
    }
}
