package dev.podnet.agent;

import dev.podnet.packet.Ipv4Cidr;

import java.util.List;

/**
 * What the agent is told at start: the other nodes it routes to (static mode only; in cluster mode the
 * control plane's leases give the routes, and {@code peers} is empty) and the pods it creates (in both
 * modes). Nothing in the data plane depends on where routes and pods came from.
 *
 * @param peers other nodes: their pod CIDR is routed through the tunnel to their host and port
 * @param pods  names of the pods to create at start, in order
 */
public record StaticTopology(List<Peer> peers, List<String> pods)
{
    public StaticTopology
    {
        peers = List.copyOf(peers);
        pods = List.copyOf(pods);
    }

    /**
     * One other node, as {@code --peer NAME=CIDR@HOST:PORT} gives it.
     *
     * @param node its name
     * @param cidr its pod CIDR
     * @param host its tunnel host (name or address; resolved, and retried, by the tunnel)
     * @param port its tunnel UDP port
     */
    public record Peer(String node, Ipv4Cidr cidr, String host, int port)
    {
        @Override
        public String toString()
        {
            return node + "=" + cidr + "@" + host + ":" + port;
        }
    }
}
