package dev.podnet.controlplane;

/**
 * One node's CIDR lease (replicated value; schema {@code Lease} in {@code proto/controlplane.proto}).
 *
 * @param node        the owner
 * @param cidr        the leased pod CIDR
 * @param tunnelHost  where the owner's tunnel listens (as other nodes reach it)
 * @param tunnelPort  its tunnel UDP port
 * @param apiPort     its HTTP API port
 * @param incarnation the owner's incarnation that last asked for it
 * @param releasedAt  0 while the owner is a member, else when it left (epoch ms): reclaimed after the grace period
 * @param holder      the cluster address ({@code host:port}) of the life of the node it was granted to, "" if unknown
 * @param holderUid   that life's Akka uid (another life at the same address has another), 0 if unknown
 */
public record LeaseInfo(
    String node, String cidr, String tunnelHost, int tunnelPort, int apiPort, long incarnation, long releasedAt,
    String holder, long holderUid)
    implements ControlPlaneMessage
{
    public LeaseInfo
    {
        holder = holder == null ? "" : holder;
    }

    /** A lease without its holder's identity (tables read back from a data plane, tests). */
    public LeaseInfo(
        final String node, final String cidr, final String tunnelHost, final int tunnelPort, final int apiPort, final long incarnation,
        final long releasedAt)
    {
        this(node, cidr, tunnelHost, tunnelPort, apiPort, incarnation, releasedAt, "", 0);
    }

    public LeaseInfo released(final long atMillis)
    {
        return new LeaseInfo(node, cidr, tunnelHost, tunnelPort, apiPort, incarnation, atMillis, holder, holderUid);
    }

    public boolean isReleased()
    {
        return releasedAt != 0;
    }
}
