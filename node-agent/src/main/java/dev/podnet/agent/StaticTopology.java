package dev.podnet.agent;

import dev.podnet.packet.Ipv4Cidr;

import dev.podnet.netem.ImpairmentPatch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the agent is told at start: the other nodes it routes to (static mode only; in cluster mode the
 * control plane's leases give the routes, and {@code peers} is empty) and the pods it creates (in both
 * modes), and the impairments of its links to other nodes ({@code --netem}, in both modes: a link to a node
 * not routed yet waits for its route). Nothing in the data plane depends on where routes, pods and
 * impairments came from.
 *
 * @param peers other nodes: their pod CIDR is routed through the tunnel to their host and port
 * @param pods  names of the pods to create at start, in order
 * @param links impairments of the links from this node, by receiving node
 */
public record StaticTopology(List<Peer> peers, List<String> pods, Map<String, ImpairmentPatch> links)
{
    public StaticTopology
    {
        peers = List.copyOf(peers);
        pods = List.copyOf(pods);
        links = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(links));
    }

    public StaticTopology(final List<Peer> peers, final List<String> pods)
    {
        this(peers, pods, Map.of());
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
