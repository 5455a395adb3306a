package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Cidr;

/**
 * One change to a node's route or endpoint table. The sync layer sends a list of them as a single
 * command ({@link DataPlaneProxy#apply}); the data plane applies them in list order and reports each one
 * it could not make, so the sender knows exactly what is installed.
 */
public sealed interface TableChange
{
    /** Routes {@code cidr} through the tunnel to {@code node} at {@code host:port}, replacing its route if any. */
    record PutRoute(String node, Ipv4Cidr cidr, String host, int port) implements TableChange
    {
    }

    /** Withdraws the route to {@code cidr} (nothing to do when there is none). */
    record RemoveRoute(Ipv4Cidr cidr) implements TableChange
    {
    }

    /** Installs or replaces a remote pod's endpoint. */
    record PutEndpoint(Endpoint endpoint) implements TableChange
    {
    }

    /** Removes the endpoint of {@code ip} (nothing to do when there is none). */
    record RemoveEndpoint(int ip) implements TableChange
    {
    }

    /**
     * A change the data plane refused.
     *
     * @param index  its position in the list sent
     * @param reason why (the data plane's message)
     */
    record Refused(int index, String reason)
    {
    }
}
