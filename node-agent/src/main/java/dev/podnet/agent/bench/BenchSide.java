package dev.podnet.agent.bench;

import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.MacAddress;

/**
 * The two sides of the overlay benchmark: which node runs where, its pod CIDR and its one pod. Both
 * JVMs know this table, so each configures the other's route and endpoint statically, from the ports
 * alone: a pod's IP is its CIDR's {@code .2} (the first address host-local IPAM gives after the
 * gateway's {@code .1}) and its MAC {@link MacAddress#podMac(int)} of that IP.
 */
public enum BenchSide
{
    /** The parent JVM: the one that measures. */
    A("node-a", "10.244.1.0/24", "a-1"),
    /** The child JVM ({@code podnet bench-peer}): answers and counts. */
    B("node-b", "10.244.2.0/24", "b-1");

    private final String nodeName;
    private final Ipv4Cidr cidr;
    private final String podName;

    BenchSide(final String nodeName, final String cidr, final String podName)
    {
        this.nodeName = nodeName;
        this.cidr = Ipv4Cidr.parse(cidr);
        this.podName = podName;
    }

    public String nodeName()
    {
        return nodeName;
    }

    public Ipv4Cidr cidr()
    {
        return cidr;
    }

    public String podName()
    {
        return podName;
    }

    /** The pod's address: the CIDR's {@code .2}. */
    public int podIp()
    {
        return cidr.address(2);
    }

    public long podMac()
    {
        return MacAddress.podMac(podIp());
    }

    public BenchSide other()
    {
        return this == A ? B : A;
    }
}
