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
 */
public record LeaseInfo(
    String node, String cidr, String tunnelHost, int tunnelPort, int apiPort, long incarnation, long releasedAt)
    implements ControlPlaneMessage
{
    public LeaseInfo released(final long atMillis)
    {
        return new LeaseInfo(node, cidr, tunnelHost, tunnelPort, apiPort, incarnation, atMillis);
    }

    public boolean isReleased()
    {
        return releasedAt != 0;
    }
}
