package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Cidr;

/**
 * One line of a node's route table, as {@code ip route} would show it: traffic for {@code cidr}
 * goes through the tunnel to {@code node}, whose tunnel address is the network address of its
 * lease ({@code 10.244.3.0} for {@code 10.244.3.0/24}), as flannel's VXLAN backend does it.
 *
 * @param cidr     the remote node's pod CIDR
 * @param node     the remote node's name
 * @param host     its underlay host (name or address)
 * @param port     its tunnel UDP port
 * @param tunnel   tunnel state: {@code connected}, {@code idle} (connected, then quiet: its publication closed after the
 *                 idle time, and the next frame brings it back), {@code connecting}, {@code resolving ...}
 * @param framesOut frames sent to it
 * @param framesIn  frames received from it
 */
public record Route(Ipv4Cidr cidr, String node, String host, int port, String tunnel, long framesOut, long framesIn)
{
    public int tunnelAddress()
    {
        return cidr.network();
    }

    /** Whether the tunnel carries frames: {@link #isHealthy(String)} of its state. */
    public boolean tunnelHealthy()
    {
        return isHealthy(tunnel);
    }

    /**
     * Whether a tunnel state is a healthy one: {@code connected}, or {@code idle} (quiet, not broken: a frame to it waits
     * for its publication to come back). A tunnel may go idle at any moment nothing is sent through it, so a check for
     * a healthy tunnel must never ask for {@code connected} alone.
     */
    public static boolean isHealthy(final String tunnelState)
    {
        return "connected".equals(tunnelState) || "idle".equals(tunnelState);
    }
}
