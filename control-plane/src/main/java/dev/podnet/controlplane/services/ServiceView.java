package dev.podnet.controlplane.services;

import java.util.Map;

/**
 * The Service objects one node knows at one moment: namespaces, Services and their endpoints, and
 * NetworkPolicies, by {@code namespace/name}. The sync layer compiles each new view into the node's
 * Service table, DNS zone and policy table.
 */
public record ServiceView(Map<String, NamespaceInfo> namespaces, Map<String, ServiceInfo> services,
    Map<String, ServiceEndpointsInfo> endpoints, Map<String, NetworkPolicyInfo> policies)
{
    public static final ServiceView EMPTY = new ServiceView(Map.of(), Map.of(), Map.of(), Map.of());

    /** Without NetworkPolicies. */
    public ServiceView(final Map<String, NamespaceInfo> namespaces, final Map<String, ServiceInfo> services,
        final Map<String, ServiceEndpointsInfo> endpoints)
    {
        this(namespaces, services, endpoints, Map.of());
    }
}
