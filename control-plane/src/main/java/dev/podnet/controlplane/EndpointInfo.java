package dev.podnet.controlplane;

/**
 * One pod in the replicated endpoint table (schema {@code EndpointRecord} in {@code proto/controlplane.proto}).
 * Only its own node writes it; replicas resolve conflicts by {@link #clock()}.
 *
 * @param ip          the pod's address, dotted
 * @param mac         its MAC as a 48-bit integer
 * @param node        the node it runs on
 * @param pod         its name
 * @param incarnation the writing node's incarnation (epoch ms at its start)
 * @param version     the writer's counter within the incarnation
 * @param publishedAt when the writer wrote this version (epoch ms; 0 when not yet published): for the
 *                    propagation lag other nodes measure (same host or synchronised clocks)
 * @param netns       a real pod's network namespace on its node; null for an emulated pod
 */
public record EndpointInfo(String ip, long mac, String node, String pod, long incarnation, long version, long publishedAt,
                           String netns)
    implements ControlPlaneMessage
{
    /** An emulated pod. */
    public EndpointInfo(
        final String ip, final long mac, final String node, final String pod, final long incarnation, final long version,
        final long publishedAt)
    {
        this(ip, mac, node, pod, incarnation, version, publishedAt, null);
    }

    /** Versions per incarnation the clock can order. */
    static final long VERSIONS = 1_000_000L;

    /**
     * The LWW timestamp: a later incarnation always wins, then a later version. Epoch milliseconds ×
     * 10^6 stays below {@code Long.MAX_VALUE} until the year 2262.
     */
    public long clock()
    {
        return incarnation * VERSIONS + Math.min(version, VERSIONS - 1);
    }
}
