package dev.podnet.netem;

/**
 * What a link's impairment has done so far.
 *
 * @param offered     frames handed to the link
 * @param sent        frames it passed on (duplicates included)
 * @param sentBytes   bytes of those
 * @param lost        frames lost (random or Gilbert-Elliott loss)
 * @param duplicated  extra copies made
 * @param corrupted   frames with a bit flipped
 * @param reordered   frames sent ahead of delayed ones
 * @param queueFull   frames dropped because the link held {@code limit} frames already
 * @param partitioned frames dropped by a partition
 * @param linkDown    frames dropped while a flapping link was down
 * @param queued      frames in the link now
 */
public record LinkStats(
    long offered, long sent, long sentBytes, long lost, long duplicated, long corrupted, long reordered, long queueFull,
    long partitioned, long linkDown, int queued)
{
}
