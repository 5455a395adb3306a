package dev.podnet.controlplane.services;

import dev.podnet.controlplane.Cidrs;

/**
 * What the service registry allocates from; the same on every node.
 *
 * @param serviceCidr   ClusterIPs come from here (canonical CIDR text); its first address is reserved
 *                      (the {@code kubernetes} Service's in a real cluster)
 * @param dnsIp         the cluster DNS Service's ClusterIP ({@code kube-system/kube-dns}), inside it
 * @param nodePortFirst the node-port range (Kubernetes' {@code --service-node-port-range}: 30000-32767)
 * @param nodePortLast  its last port
 */
public record ServiceRegistrySettings(String serviceCidr, String dnsIp, int nodePortFirst, int nodePortLast)
{
    public static final int NODE_PORT_FIRST = 30000;
    public static final int NODE_PORT_LAST = 32767;

    public ServiceRegistrySettings
    {
        serviceCidr = Cidrs.canonical(serviceCidr);
        final int network = Cidrs.network(serviceCidr);
        final int mask = Cidrs.mask(Cidrs.prefix(serviceCidr));
        if ((Cidrs.address(dnsIp) & mask) != network)
        {
            throw new IllegalArgumentException("the cluster DNS address " + dnsIp + " is outside the Service CIDR " + serviceCidr);
        }
        if (nodePortFirst < 1 || nodePortLast > 65535 || nodePortFirst > nodePortLast)
        {
            throw new IllegalArgumentException("node-port range " + nodePortFirst + "-" + nodePortLast + " is not a range of ports");
        }
    }

    /** Kubernetes' defaults for {@code serviceCidr}: the DNS Service at its tenth address, node ports 30000-32767. */
    public static ServiceRegistrySettings of(final String serviceCidr)
    {
        return new ServiceRegistrySettings(serviceCidr, Cidrs.format(Cidrs.network(Cidrs.canonical(serviceCidr)) + 10),
            NODE_PORT_FIRST, NODE_PORT_LAST);
    }
}
