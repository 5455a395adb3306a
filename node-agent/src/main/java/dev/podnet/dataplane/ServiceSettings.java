package dev.podnet.dataplane;

import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.conntrack.ConntrackTimeouts;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a node's data plane serves Services and cluster DNS; every node of a cluster must agree.
 *
 * @param serviceCidr      where ClusterIPs come from (kubeadm's {@code --service-cluster-ip-range}: 10.96.0.0/12)
 * @param dnsIp            the cluster DNS Service's ClusterIP: the tenth address of the range (10.96.0.10), as kubeadm picks it
 * @param clusterDomain    the DNS zone of the cluster (the kubelet's {@code --cluster-domain}: cluster.local)
 * @param conntrackMax     connections tracked at most (Linux's {@code nf_conntrack_max})
 * @param timeouts         per-protocol connection timeouts (nf_conntrack's, kube-proxy's for TCP)
 * @param affinityCapacity client-IP affinities remembered at most
 */
public record ServiceSettings(
    Ipv4Cidr serviceCidr, int dnsIp, String clusterDomain, int conntrackMax, ConntrackTimeouts timeouts, int affinityCapacity)
{
    public static final String DEFAULT_DOMAIN = "cluster.local";
    private static final Pattern DOMAIN = Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ServiceSettings
    {
        if (serviceCidr == null || serviceCidr.prefixLength() < 12 || serviceCidr.prefixLength() > 24)
        {
            throw new IllegalArgumentException("PODNET_SERVICE_CIDR: " + serviceCidr + ": prefix length must be 12..24");
        }
        if (!serviceCidr.contains(dnsIp) || dnsIp == serviceCidr.network() || dnsIp == serviceCidr.broadcast())
        {
            throw new IllegalArgumentException("the cluster DNS address " + Ipv4Address.format(dnsIp) + " is not a usable address of " +
                serviceCidr);
        }
        if (clusterDomain == null || !DOMAIN.matcher(clusterDomain.toLowerCase(Locale.ROOT)).matches())
        {
            throw new IllegalArgumentException("PODNET_CLUSTER_DOMAIN: '" + clusterDomain + "' is not a domain name");
        }
        clusterDomain = clusterDomain.toLowerCase(Locale.ROOT);
        if (conntrackMax < 16 || conntrackMax > 1 << 22)
        {
            throw new IllegalArgumentException("PODNET_CONNTRACK_MAX: " + conntrackMax + " outside 16..4194304");
        }
        if (timeouts == null)
        {
            throw new IllegalArgumentException("conntrack timeouts are required");
        }
        if (affinityCapacity < 16 || affinityCapacity > 1 << 22)
        {
            throw new IllegalArgumentException("affinity capacity " + affinityCapacity + " outside 16..4194304");
        }
    }

    public static ServiceSettings defaults()
    {
        return of(Ipv4Cidr.parse("10.96.0.0/12"), DEFAULT_DOMAIN, ConntrackTable.DEFAULT_CAPACITY);
    }

    /** Settings for {@code serviceCidr}, its tenth address the DNS Service's. */
    public static ServiceSettings of(final Ipv4Cidr serviceCidr, final String clusterDomain, final int conntrackMax)
    {
        return new ServiceSettings(serviceCidr, serviceCidr.network() + 10, clusterDomain, conntrackMax, ConntrackTimeouts.DEFAULTS,
            16_384);
    }

    /** The first address of the range: the {@code kubernetes} Service's in a real cluster, reserved here. */
    public int reservedApiServerIp()
    {
        return serviceCidr.network() + 1;
    }
}
