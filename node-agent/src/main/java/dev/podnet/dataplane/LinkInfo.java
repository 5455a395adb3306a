package dev.podnet.dataplane;

import dev.podnet.netem.Impairment;
import dev.podnet.netem.LinkStats;

/**
 * One direction of a link between two nodes and what is done to it: the impairment set on it and what
 * that impairment did so far.
 *
 * @param from       the sending node (this one)
 * @param to         the receiving node
 * @param peer       the receiving node's tunnel address, or 0 while there is no route to it (the impairment waits)
 * @param impairment what the link does to frames
 * @param stats      what it did
 */
public record LinkInfo(String from, String to, int peer, Impairment impairment, LinkStats stats)
{
}
