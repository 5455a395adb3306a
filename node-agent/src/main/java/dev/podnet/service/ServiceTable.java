package dev.podnet.service;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.agrona.collections.Long2ObjectHashMap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The Services as one node's data plane sees them: compiled, immutable, swapped in whole ("Service X
 * now has endpoints {...}"), as kube-proxy writes its rules in one {@code iptables-restore}. Each
 * frontend is a ClusterIP, protocol and port (and its node port, if any) with the endpoints a new
 * connection may be sent to and how it picks one. Lookups take a primitive key and allocate nothing.
 */
public final class ServiceTable
{
    /** kube-proxy's default for {@code sessionAffinityConfig.clientIP.timeoutSeconds}. */
    public static final Duration DEFAULT_AFFINITY_TIMEOUT = Duration.ofSeconds(10_800);
    /** Kubernetes' default Service CIDR ({@code --service-cluster-ip-range} of kubeadm). */
    public static final Ipv4Cidr DEFAULT_SERVICE_CIDR = Ipv4Cidr.parse("10.96.0.0/12");

    /**
     * One Service port: where clients send, and where it goes.
     *
     * @param name             {@code namespace/service:port} (the port's name, or its number when unnamed)
     * @param clusterIp        the ClusterIP
     * @param protocol         IP protocol number (UDP 17, TCP 6)
     * @param port             the Service port
     * @param nodePort         its node port, 0 when none
     * @param endpointIps      the ready endpoints' addresses
     * @param endpointPorts    each endpoint's target port (a named targetPort resolves per pod)
     * @param affinityNanos    0 without session affinity, else the ClientIP affinity timeout
     */
    public record Frontend(
        String name, int clusterIp, int protocol, int port, int nodePort, int[] endpointIps, int[] endpointPorts, long affinityNanos)
    {
        public Frontend
        {
            if (endpointIps.length != endpointPorts.length)
            {
                throw new IllegalArgumentException("endpoint addresses and ports differ in number for " + name);
            }
        }

        public boolean hasEndpoints()
        {
            return endpointIps.length > 0;
        }

        /** Whether {@code ip:port} is one of its endpoints now. */
        public boolean hasEndpoint(final int ip, final int port)
        {
            for (int i = 0; i < endpointIps.length; i++)
            {
                if (endpointIps[i] == ip && endpointPorts[i] == port)
                {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString()
        {
            final StringBuilder text = new StringBuilder(name).append(' ').append(Ipv4Address.format(clusterIp)).append(':')
                .append(port).append('/').append(protocol == 6 ? "TCP" : protocol == 17 ? "UDP" : Integer.toString(protocol))
                .append(" ->");
            for (int i = 0; i < endpointIps.length; i++)
            {
                text.append(' ').append(Ipv4Address.format(endpointIps[i])).append(':').append(endpointPorts[i]);
            }
            return text.toString();
        }
    }

    private final Ipv4Cidr serviceCidr;
    private final Long2ObjectHashMap<Frontend> byClusterIp = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Frontend> byNodePort = new Long2ObjectHashMap<>();
    private final List<Frontend> frontends;
    private final long version;
    private final long changedAtMs;

    private ServiceTable(final Ipv4Cidr serviceCidr, final List<Frontend> frontends, final long version, final long changedAtMs)
    {
        this.serviceCidr = serviceCidr;
        this.frontends = List.copyOf(frontends);
        this.version = version;
        this.changedAtMs = changedAtMs;
        for (final Frontend frontend : frontends)
        {
            if (byClusterIp.put(key(frontend.clusterIp(), frontend.protocol(), frontend.port()), frontend) != null)
            {
                throw new IllegalArgumentException("two Service ports at " + Ipv4Address.format(frontend.clusterIp()) + ":" +
                    frontend.port() + "/" + frontend.protocol());
            }
            if (frontend.nodePort() != 0 && byNodePort.put(nodePortKey(frontend.protocol(), frontend.nodePort()), frontend) != null)
            {
                throw new IllegalArgumentException("two Service ports on node port " + frontend.nodePort() + "/" + frontend.protocol());
            }
        }
    }

    /**
     * @param version     grows with every table compiled (the data plane reports which one it runs)
     * @param changedAtMs when the newest change it carries was made (epoch ms): what network programming
     *                    latency is measured from
     */
    public static ServiceTable of(final Ipv4Cidr serviceCidr, final Collection<Frontend> frontends, final long version,
        final long changedAtMs)
    {
        return new ServiceTable(serviceCidr, new ArrayList<>(frontends), version, changedAtMs);
    }

    public static ServiceTable empty(final Ipv4Cidr serviceCidr)
    {
        return new ServiceTable(serviceCidr, List.of(), 0, 0);
    }

    private static long key(final int ip, final int protocol, final int port)
    {
        return (long)ip << 32 | (protocol & 0xFFL) << 16 | (port & 0xFFFFL);
    }

    private static long nodePortKey(final int protocol, final int port)
    {
        return (protocol & 0xFFL) << 16 | (port & 0xFFFFL);
    }

    /** The frontend at {@code ip:port}, or null. */
    public Frontend frontend(final int ip, final int protocol, final int port)
    {
        return byClusterIp.get(key(ip, protocol, port));
    }

    /** The frontend on node port {@code port}, or null. */
    public Frontend nodePort(final int protocol, final int port)
    {
        return byNodePort.get(nodePortKey(protocol, port));
    }

    public boolean inServiceCidr(final int ip)
    {
        return serviceCidr.contains(ip);
    }

    public Ipv4Cidr serviceCidr()
    {
        return serviceCidr;
    }

    public List<Frontend> frontends()
    {
        return frontends;
    }

    public boolean hasNodePorts()
    {
        return !byNodePort.isEmpty();
    }

    public long version()
    {
        return version;
    }

    public long changedAtMs()
    {
        return changedAtMs;
    }

    /** {@code ns/name:port} of the frontend at {@code ip:port}, or "". */
    public String name(final int protocol, final int ip, final int port)
    {
        final Frontend frontend = frontend(ip, protocol, port);
        return frontend == null ? "" : frontend.name();
    }

    /** The protocol number of {@code TCP}, {@code UDP} (as Kubernetes spells them); -1 for anything else. */
    public static int protocolNumber(final String protocol)
    {
        switch (protocol.toUpperCase(Locale.ROOT))
        {
            case "TCP":
                return 6;
            case "UDP":
                return 17;
            default:
                return -1;
        }
    }
}
