package dev.podnet.it;

import dev.podnet.diag.LoopbackPorts;

/**
 * The port bases of a {@code podnet demo} (or {@code podnet bench idle}) of {@code nodes} nodes: node i takes each base
 * plus i - 1. The API and cluster blocks are both TCP and must not overlap; all three lie outside the ephemeral range.
 */
record DemoPorts(int api, int cluster, int tunnel)
{
    static DemoPorts pick(final int nodes)
    {
        final int api = LoopbackPorts.consecutiveFree(nodes, false);
        int cluster;
        do
        {
            cluster = LoopbackPorts.consecutiveFree(nodes, false);
        }
        while (cluster < api + nodes && api < cluster + nodes);
        return new DemoPorts(api, cluster, LoopbackPorts.consecutiveFree(nodes, true));
    }
}
