package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.agrona.collections.IntHashSet;

/**
 * Pod IP allocation inside one node's CIDR, the way the CNI {@code host-local} plugin does it:
 * <ul>
 *   <li>{@code .0} (network) and the broadcast address are never given; {@code .1} is the gateway;</li>
 *   <li>the search starts after the last address given and wraps around, so a freed address is not
 *       reused at once (a late packet for a deleted pod does not reach its successor);</li>
 *   <li>running out is a {@link DataPlaneException} of kind {@code UNAVAILABLE} that says how many are used.</li>
 * </ul>
 */
public final class HostLocalIpam
{
    private final Ipv4Cidr cidr;
    private final int first;
    private final int last;
    private final IntHashSet used = new IntHashSet();
    private int lastGiven;

    public HostLocalIpam(final Ipv4Cidr cidr)
    {
        if (cidr.prefixLength() > 30)
        {
            throw new IllegalArgumentException("pod CIDR " + cidr + " is too small: a /30 or larger is needed");
        }
        this.cidr = cidr;
        this.first = cidr.address(2);
        this.last = cidr.broadcast() - 1;
        this.lastGiven = cidr.address(1);
    }

    public Ipv4Cidr cidr()
    {
        return cidr;
    }

    public int gateway()
    {
        return cidr.address(1);
    }

    /** Number of addresses pods may have. */
    public int capacity()
    {
        return last - first + 1;
    }

    public int inUse()
    {
        return used.size();
    }

    public int allocate()
    {
        final int capacity = capacity();
        int candidate = lastGiven;
        for (int i = 0; i < capacity; i++)
        {
            candidate = candidate >= last || candidate < first ? first : candidate + 1;
            if (!used.contains(candidate))
            {
                used.add(candidate);
                lastGiven = candidate;
                return candidate;
            }
        }
        throw new DataPlaneException(
            DataPlaneException.Kind.UNAVAILABLE,
            "no free pod IP in " + cidr + ": all " + capacity + " addresses are in use");
    }

    /**
     * Moves the search past {@code ip} (when it is further on than the last address given): a node
     * restarted by its supervisor calls it with the addresses its previous life used, so its new pods
     * get fresh addresses, as pods recreated by Kubernetes do.
     */
    public void skipPast(final int ip)
    {
        if (ip >= first && ip <= last && Integer.compareUnsigned(ip, lastGiven) > 0)
        {
            lastGiven = ip;
        }
    }

    public void release(final int ip)
    {
        if (!used.remove(ip))
        {
            throw new IllegalArgumentException(Ipv4Address.format(ip) + " was not allocated from " + cidr);
        }
    }
}
