package dev.podnet.dataplane;

import java.util.List;
import java.util.Map;

/**
 * A pod as the outside world sees it.
 *
 * @param name      its name
 * @param node      the node it runs on
 * @param ip        its address
 * @param mac       its MAC ({@code 0a:58:} + the address bytes)
 * @param netns     for a real pod, its network namespace (a name under {@code /run/netns}, or a path); null
 *                  for an emulated pod
 * @param namespace its Kubernetes namespace
 * @param labels    its labels
 * @param ports     its containers' declared ports
 * @param hostname  {@code spec.hostname}, or empty
 * @param subdomain {@code spec.subdomain}, or empty
 */
public record PodInfo(String name, String node, int ip, long mac, String netns, String namespace, Map<String, String> labels,
    List<ContainerPort> ports, String hostname, String subdomain)
{
    public PodInfo
    {
        namespace = namespace == null ? PodSpec.DEFAULT_NAMESPACE : namespace;
        labels = labels == null ? Map.of() : labels;
        ports = ports == null ? List.of() : ports;
        hostname = hostname == null ? "" : hostname;
        subdomain = subdomain == null ? "" : subdomain;
    }

    /** An emulated pod of {@code default} without labels. */
    public PodInfo(final String name, final String node, final int ip, final long mac)
    {
        this(name, node, ip, mac, null);
    }

    /** A pod of {@code default} without labels; {@code netns} null for an emulated one. */
    public PodInfo(final String name, final String node, final int ip, final long mac, final String netns)
    {
        this(name, node, ip, mac, netns, PodSpec.DEFAULT_NAMESPACE, Map.of(), List.of(), "", "");
    }

    /** Whether it is a real pod (a network namespace whose eth0 is a TAP device on the node's bridge). */
    public boolean real()
    {
        return netns != null;
    }

    /** {@code namespace/name}. */
    public String key()
    {
        return PodSpec.key(namespace, name);
    }
}
