package dev.podnet.dataplane;

/**
 * A pod somewhere in the cluster, as the endpoint table knows it: IP to MAC to node. The router
 * takes a remote pod's MAC from here instead of asking by ARP across the tunnel (ARP suppression,
 * as Docker's overlay driver does).
 *
 * @param ip   the pod's address
 * @param mac  its MAC
 * @param node the node it runs on
 * @param pod       its name
 * @param netns     a real pod's network namespace on its node; null for an emulated pod (or not known)
 * @param namespace its Kubernetes namespace
 */
public record Endpoint(int ip, long mac, String node, String pod, String netns, String namespace)
{
    public Endpoint
    {
        namespace = namespace == null ? PodSpec.DEFAULT_NAMESPACE : namespace;
    }

    /** An emulated pod of {@code default}, or one whose kind is not known (static configuration). */
    public Endpoint(final int ip, final long mac, final String node, final String pod)
    {
        this(ip, mac, node, pod, null);
    }

    /** A pod of {@code default}; {@code netns} null for an emulated one. */
    public Endpoint(final int ip, final long mac, final String node, final String pod, final String netns)
    {
        this(ip, mac, node, pod, netns, PodSpec.DEFAULT_NAMESPACE);
    }

    /** How tools name the pod: its name in {@code default}, {@code namespace/name} elsewhere (also its bridge port's name). */
    public String reference()
    {
        return pod == null || PodSpec.DEFAULT_NAMESPACE.equals(namespace) ? pod : PodSpec.key(namespace, pod);
    }

    /** {@code namespace/name}, or null for an address without a pod name. */
    public String key()
    {
        return pod == null ? null : PodSpec.key(namespace, pod);
    }
}
