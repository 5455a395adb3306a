package dev.podnet.dataplane;

/**
 * A pod as the outside world sees it.
 *
 * @param name  its name
 * @param node  the node it runs on
 * @param ip    its address
 * @param mac   its MAC ({@code 0a:58:} + the address bytes)
 * @param netns for a real pod, its network namespace (a name under {@code /run/netns}, or a path); null
 *              for an emulated pod
 */
public record PodInfo(String name, String node, int ip, long mac, String netns)
{
    /** An emulated pod. */
    public PodInfo(final String name, final String node, final int ip, final long mac)
    {
        this(name, node, ip, mac, null);
    }

    /** Whether it is a real pod (a network namespace whose eth0 is a TAP device on the node's bridge). */
    public boolean real()
    {
        return netns != null;
    }
}
