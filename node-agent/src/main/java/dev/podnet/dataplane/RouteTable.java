package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Cidr;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where other nodes' pods are: routes (remote pod CIDR to node) and the endpoint table (remote pod
 * IP to MAC). Both are written only by data-plane commands; lookups on the forwarding path scan a
 * small array (one entry per node) and a primitive map, and allocate nothing.
 */
final class RouteTable
{
    /** A route as the forwarding path sees it. */
    static final class Entry
    {
        final Ipv4Cidr cidr;
        final int network;
        final int mask;
        final String node;
        final String host;
        final int port;

        Entry(final Ipv4Cidr cidr, final String node, final String host, final int port)
        {
            this.cidr = cidr;
            this.network = cidr.network();
            this.mask = cidr.mask();
            this.node = node;
            this.host = host;
            this.port = port;
        }
    }

    private Entry[] entries = new Entry[0];
    private final Int2ObjectHashMap<Endpoint> endpoints = new Int2ObjectHashMap<>();

    /** The route whose CIDR holds {@code ip} (longest prefix first), or null. */
    Entry lookup(final int ip)
    {
        Entry best = null;
        for (final Entry entry : entries)
        {
            if ((ip & entry.mask) == entry.network && (best == null || entry.cidr.prefixLength() > best.cidr.prefixLength()))
            {
                best = entry;
            }
        }
        return best;
    }

    /** The route of the node whose tunnel address is {@code tunnelAddress}, or null. */
    Entry byTunnelAddress(final int tunnelAddress)
    {
        for (final Entry entry : entries)
        {
            if (entry.network == tunnelAddress)
            {
                return entry;
            }
        }
        return null;
    }

    Endpoint endpoint(final int ip)
    {
        return endpoints.get(ip);
    }

    /** Adds or replaces the route for {@code cidr}; returns the route it replaced, or null. */
    Entry put(final Ipv4Cidr cidr, final String node, final String host, final int port)
    {
        final Entry replaced = remove(cidr);
        final Entry[] grown = Arrays.copyOf(entries, entries.length + 1);
        grown[entries.length] = new Entry(cidr, node, host, port);
        entries = grown;
        return replaced;
    }

    Entry remove(final Ipv4Cidr cidr)
    {
        for (int i = 0; i < entries.length; i++)
        {
            if (entries[i].cidr.equals(cidr))
            {
                final Entry removed = entries[i];
                final Entry[] shrunk = new Entry[entries.length - 1];
                System.arraycopy(entries, 0, shrunk, 0, i);
                System.arraycopy(entries, i + 1, shrunk, i, entries.length - i - 1);
                entries = shrunk;
                return removed;
            }
        }
        return null;
    }

    /** Whether another route overlaps {@code cidr}. */
    boolean overlaps(final Ipv4Cidr cidr)
    {
        for (final Entry entry : entries)
        {
            final int shorter = Math.min(entry.cidr.prefixLength(), cidr.prefixLength());
            final int mask = shorter == 0 ? 0 : -1 << (32 - shorter);
            if (!entry.cidr.equals(cidr) && (entry.network & mask) == (cidr.network() & mask))
            {
                return true;
            }
        }
        return false;
    }

    void putEndpoint(final Endpoint endpoint)
    {
        endpoints.put(endpoint.ip(), endpoint);
    }

    Endpoint removeEndpoint(final int ip)
    {
        return endpoints.remove(ip);
    }

    Entry[] entries()
    {
        return entries;
    }

    List<Endpoint> endpoints()
    {
        return new ArrayList<>(endpoints.values());
    }
}
