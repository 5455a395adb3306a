package dev.podnet.dataplane;

/**
 * One line of the bridge's forwarding database, as {@code bridge fdb show} tells it.
 *
 * @param mac       learnt MAC
 * @param port      port name (pod name, or {@code gateway})
 * @param permanent the gateway's own MAC, which never ages
 * @param ageNanos  time since a frame from this MAC was last seen
 */
public record FdbEntry(long mac, String port, boolean permanent, long ageNanos)
{
}
