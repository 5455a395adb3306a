package dev.podnet.agent.bench;

/**
 * What the raw Aeron sender did in a throughput run.
 *
 * @param offered       messages the publication accepted
 * @param backPressured offers refused (back-pressure or admin action) and retried
 * @param size          message length in bytes
 * @param durationNanos how long it offered
 */
public record FloodResult(long offered, long backPressured, int size, long durationNanos)
{
}
