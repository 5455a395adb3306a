package dev.podnet.http;

import java.util.List;

/**
 * The node as {@code GET /api/v1/node} shows it; {@code GET /readyz} answers by {@link #ready()}.
 *
 * @param name    the node's name
 * @param mode    {@code static} (pod CIDR and peers configured) or {@code cluster} (leased by the control plane)
 * @param cidr    the node's pod CIDR, or null while it has none (cluster mode, waiting for the lease)
 * @param ready   whether the node serves pods: it has its CIDR, its data plane runs and its start-up pods exist
 * @param reason  why not, when not ready; null when ready
 * @param members the cluster members as this node last saw them, sorted by name (empty in static mode, and
 *                before the lease)
 */
public record NodeStatus(String name, String mode, String cidr, boolean ready, String reason, List<Member> members)
{
    public static final String STATIC = "static";
    public static final String CLUSTER = "cluster";

    public NodeStatus
    {
        members = List.copyOf(members);
    }

    /**
     * One cluster member.
     *
     * @param node      its node name
     * @param address   its cluster address, {@code host:port}
     * @param status    Akka's member status: {@code Joining}, {@code WeaklyUp}, {@code Up}, {@code Leaving},
     *                  {@code Exiting}, {@code Down}
     * @param reachable whether this node's failure detector hears it
     */
    public record Member(String node, String address, String status, boolean reachable)
    {
    }

    public static NodeStatus ready(final String name, final String mode, final String cidr)
    {
        return new NodeStatus(name, mode, cidr, true, null, List.of());
    }

    public static NodeStatus notReady(final String name, final String mode, final String cidr, final String reason)
    {
        return new NodeStatus(name, mode, cidr, false, reason, List.of());
    }

    public NodeStatus withMembers(final List<Member> members)
    {
        return new NodeStatus(name, mode, cidr, ready, reason, members);
    }
}
