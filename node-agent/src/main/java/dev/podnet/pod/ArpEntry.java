package dev.podnet.pod;

/**
 * One line of a pod's ARP cache, as {@code ip neigh} shows it.
 *
 * @param ip       neighbour address
 * @param mac      its MAC, or 0 while incomplete
 * @param state    {@code REACHABLE}, {@code STALE} or {@code INCOMPLETE}
 * @param ageNanos time since the entry was last confirmed (or since resolution started)
 */
public record ArpEntry(int ip, long mac, String state, long ageNanos)
{
}
