package dev.podnet.dataplane;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pod is created with: where it lives in the cluster's names and what selects it.
 *
 * @param namespace its namespace ({@code default} when none was given)
 * @param name      its name, unique in its namespace (a DNS-1123 label)
 * @param labels    its labels (what Service selectors match)
 * @param ports     its containers' declared ports
 * @param hostname  {@code spec.hostname}, or empty
 * @param subdomain {@code spec.subdomain} (a headless Service publishing {@code hostname}), or empty
 */
public record PodSpec(String namespace, String name, Map<String, String> labels, List<ContainerPort> ports, String hostname,
    String subdomain)
{
    public static final String DEFAULT_NAMESPACE = "default";

    public PodSpec
    {
        namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        ports = ports == null ? List.of() : List.copyOf(ports);
        hostname = hostname == null ? "" : hostname;
        subdomain = subdomain == null ? "" : subdomain;
    }

    public PodSpec(final String namespace, final String name, final Map<String, String> labels, final List<ContainerPort> ports)
    {
        this(namespace, name, labels, ports, "", "");
    }

    public PodSpec withLabels(final Map<String, String> newLabels)
    {
        return new PodSpec(namespace, name, newLabels, ports, hostname, subdomain);
    }

    public static PodSpec named(final String name)
    {
        return new PodSpec(DEFAULT_NAMESPACE, name, Map.of(), List.of());
    }

    /** {@code namespace/name}: a pod's key on its node and in the cluster. */
    public String key()
    {
        return key(namespace, name);
    }

    public static String key(final String namespace, final String name)
    {
        return namespace + "/" + name;
    }

    /**
     * The key a reference means: {@code ns/name} as is, a bare {@code name} in {@code default} (calls
     * without a namespace keep working on {@code default}).
     */
    public static String keyOf(final String reference)
    {
        return reference.indexOf('/') >= 0 ? reference : key(DEFAULT_NAMESPACE, reference);
    }
}
