package dev.podnet.dataplane;

import dev.podnet.dns.DnsResponder;
import dev.podnet.dns.DnsZone;

/**
 * The cluster DNS Service as each node serves it to its own pods: queries to the DNS ClusterIP on
 * port 53 are answered by the node's router from the zone compiled from its replicated tables, the
 * way NodeLocal DNSCache answers on every node for the kube-dns Service address (no packet leaves the
 * node, no endpoint is picked). Data-plane thread only; a new zone is swapped in by a command.
 */
final class ClusterDns
{
    static final int PORT = 53;

    private final int address;
    private final DnsResponder responder = new DnsResponder();
    private DnsZone zone;

    ClusterDns(final int address, final String domain)
    {
        this.address = address;
        this.zone = DnsZone.empty(domain, address);
    }

    int address()
    {
        return address;
    }

    DnsZone zone()
    {
        return zone;
    }

    void zone(final DnsZone zone)
    {
        this.zone = zone;
    }

    DnsResponder responder()
    {
        return responder;
    }
}
