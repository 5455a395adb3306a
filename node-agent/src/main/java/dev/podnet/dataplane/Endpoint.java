package dev.podnet.dataplane;

/**
 * A pod somewhere in the cluster, as the endpoint table knows it: IP to MAC to node. The router
 * takes a remote pod's MAC from here instead of asking by ARP across the tunnel (ARP suppression,
 * as Docker's overlay driver does).
 *
 * @param ip   the pod's address
 * @param mac  its MAC
 * @param node the node it runs on
 * @param pod   its name
 * @param netns a real pod's network namespace on its node; null for an emulated pod (or not known)
 */
public record Endpoint(int ip, long mac, String node, String pod, String netns)
{
    /** An emulated pod, or one whose kind is not known (static configuration). */
    public Endpoint(final int ip, final long mac, final String node, final String pod)
    {
        this(ip, mac, node, pod, null);
    }
}
