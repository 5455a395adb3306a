package dev.podnet.controlplane.services;

import java.util.Map;
import java.util.TreeMap;

/**
 * A namespace (schema {@code NamespaceRecord}).
 *
 * @param name      its name
 * @param labels    its labels: {@value #NAME_LABEL} is always its name, as Kubernetes sets it
 * @param createdAt epoch ms
 */
public record NamespaceInfo(String name, Map<String, String> labels, long createdAt) implements ServiceMessage
{
    /** The label Kubernetes puts on every namespace (since 1.22), so policies can select namespaces by name. */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";
    /** Namespaces every cluster has from the start, and that cannot be deleted. */
    public static final java.util.List<String> BUILT_IN = java.util.List.of("default", "kube-system", "kube-public", "kube-node-lease");

    public NamespaceInfo
    {
        final Map<String, String> all = new TreeMap<>(labels == null ? Map.of() : labels);
        all.put(NAME_LABEL, name);
        labels = java.util.Collections.unmodifiableMap(all);
    }
}
