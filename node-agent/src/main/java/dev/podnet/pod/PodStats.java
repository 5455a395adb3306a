package dev.podnet.pod;

/**
 * A pod's counters.
 *
 * @param name             the pod
 * @param framesIn         frames its NIC received
 * @param framesOut        frames its NIC sent
 * @param discardDatagrams datagrams its discard service (UDP 9) counted
 * @param discardBytes     payload bytes of those
 * @param discardLastNanos the data plane's clock when the last of those arrived (throughput from the node's own time)
 */
public record PodStats(String name, long framesIn, long framesOut, long discardDatagrams, long discardBytes, long discardLastNanos)
{
}
