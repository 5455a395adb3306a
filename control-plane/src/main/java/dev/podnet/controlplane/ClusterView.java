package dev.podnet.controlplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one node's control plane knows at one moment: membership, every lease, every pod. The sync
 * layer turns each new view into data-plane commands by comparing it with the previous one.
 *
 * @param self      this node's name
 * @param ready     whether this node holds a lease (and so may host pods)
 * @param reason    why not, when not ready
 * @param lease     this node's lease, or null
 * @param members   cluster members by node name
 * @param leases    every lease by node name (released ones included)
 * @param endpoints every pod by IP
 * @param allocator the node where the lease allocator (a cluster singleton) runs, or null
 */
public record ClusterView(
    String self,
    boolean ready,
    String reason,
    LeaseInfo lease,
    Map<String, MemberView> members,
    Map<String, LeaseInfo> leases,
    Map<String, EndpointInfo> endpoints,
    String allocator)
{
    /** Leases of other nodes that are reachable members: where routes should point. */
    public List<LeaseInfo> routableLeases()
    {
        final List<LeaseInfo> result = new ArrayList<>();
        for (final LeaseInfo lease : leases.values())
        {
            final MemberView member = members.get(lease.node());
            if (!lease.node().equals(self) && !lease.isReleased() && member != null && member.routable())
            {
                result.add(lease);
            }
        }
        return result;
    }

    /**
     * Pods on other routable nodes whose address lies inside their node's lease (an entry claiming an
     * address outside it is ignored).
     */
    public List<EndpointInfo> routableEndpoints()
    {
        final List<EndpointInfo> result = new ArrayList<>();
        for (final LeaseInfo lease : routableLeases())
        {
            final int network = Cidrs.network(lease.cidr());
            final int mask = Cidrs.mask(Cidrs.prefix(lease.cidr()));
            for (final EndpointInfo endpoint : endpoints.values())
            {
                if (endpoint.node().equals(lease.node()) && (Cidrs.address(endpoint.ip()) & mask) == network)
                {
                    result.add(endpoint);
                }
            }
        }
        return result;
    }
}
