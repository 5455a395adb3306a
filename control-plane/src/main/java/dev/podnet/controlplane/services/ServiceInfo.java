package dev.podnet.controlplane.services;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Service (schema {@code ServiceRecord}): as the user asked for it, or as the registry stored it
 * with its ClusterIP and node ports allocated.
 *
 * @param namespace              its namespace
 * @param name                   its name
 * @param labels                 {@code metadata.labels}
 * @param selector               {@code spec.selector}: pods whose labels include all of these; empty selects none
 * @param type                   {@value #CLUSTER_IP} or {@value #NODE_PORT}
 * @param clusterIp              the ClusterIP, {@value #NONE} for a headless Service, empty before allocation
 * @param ports                  its ports
 * @param sessionAffinity        {@value #AFFINITY_NONE} or {@value #AFFINITY_CLIENT_IP}
 * @param affinityTimeoutSeconds {@code sessionAffinityConfig.clientIP.timeoutSeconds}
 * @param createdAt              epoch ms, 0 before it is stored
 * @param updatedAt              epoch ms of its last change
 */
public record ServiceInfo(
    String namespace, String name, Map<String, String> labels, Map<String, String> selector, String type, String clusterIp,
    List<ServicePortInfo> ports, String sessionAffinity, int affinityTimeoutSeconds, long createdAt, long updatedAt)
    implements ServiceMessage
{
    public static final String CLUSTER_IP = "ClusterIP";
    public static final String NODE_PORT = "NodePort";
    public static final String NONE = "None";
    public static final String AFFINITY_NONE = "None";
    public static final String AFFINITY_CLIENT_IP = "ClientIP";
    public static final int DEFAULT_AFFINITY_TIMEOUT = 10_800;

    public ServiceInfo
    {
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        selector = selector == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(selector));
        type = type == null || type.isEmpty() ? CLUSTER_IP : type;
        clusterIp = clusterIp == null ? "" : clusterIp;
        ports = ports == null ? List.of() : List.copyOf(ports);
        sessionAffinity = sessionAffinity == null || sessionAffinity.isEmpty() ? AFFINITY_NONE : sessionAffinity;
        affinityTimeoutSeconds = affinityTimeoutSeconds <= 0 ? DEFAULT_AFFINITY_TIMEOUT : affinityTimeoutSeconds;
    }

    public String key()
    {
        return namespace + "/" + name;
    }

    public boolean headless()
    {
        return NONE.equals(clusterIp);
    }

    /** The same Service with another ClusterIP, ports and times (what the registry stores). */
    public ServiceInfo stored(final String ip, final List<ServicePortInfo> allocatedPorts, final long created, final long updated)
    {
        return new ServiceInfo(namespace, name, labels, selector, type, ip, allocatedPorts, sessionAffinity, affinityTimeoutSeconds,
            created, updated);
    }

    /** Whether {@code other} asks for the same as this one (times aside). */
    public boolean sameSpec(final ServiceInfo other)
    {
        return other != null && namespace.equals(other.namespace) && name.equals(other.name) && labels.equals(other.labels) &&
            selector.equals(other.selector) && type.equals(other.type) && clusterIp.equals(other.clusterIp) &&
            ports.equals(other.ports) && sessionAffinity.equals(other.sessionAffinity) &&
            affinityTimeoutSeconds == other.affinityTimeoutSeconds;
    }

    /** Whether the selector picks a pod with {@code podLabels} (an empty selector picks none, as Kubernetes). */
    public boolean selects(final Map<String, String> podLabels)
    {
        if (selector.isEmpty())
        {
            return false;
        }
        for (final Map.Entry<String, String> wanted : selector.entrySet())
        {
            if (!wanted.getValue().equals(podLabels.get(wanted.getKey())))
            {
                return false;
            }
        }
        return true;
    }
}
