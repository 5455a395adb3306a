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
 * @param namespace its namespace
 * @param labels    its labels
 * @param ports     its containers' declared ports
 * @param hostname  {@code spec.hostname}, or empty
 * @param subdomain {@code spec.subdomain}, or empty
 */
public record PodInfo(String name, String node, int ip, long mac, String namespace, Map<String, String> labels,
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

    /** A pod of {@code default} without labels. */
    public PodInfo(final String name, final String node, final int ip, final long mac)
    {
        this(name, node, ip, mac, PodSpec.DEFAULT_NAMESPACE, Map.of(), List.of(), "", "");
    }

    /** {@code namespace/name}. */
    public String key()
    {
        return PodSpec.key(namespace, name);
    }
}
