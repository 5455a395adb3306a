package dev.podnet.controlplane.services;

import java.util.Map;

/**
 * The Service objects one node knows at one moment: namespaces, Services and their endpoints by
 * {@code namespace/name}. The sync layer compiles each new view into the node's Service table and
 * DNS zone.
 */
public record ServiceView(Map<String, NamespaceInfo> namespaces, Map<String, ServiceInfo> services,
    Map<String, ServiceEndpointsInfo> endpoints)
{
    public static final ServiceView EMPTY = new ServiceView(Map.of(), Map.of(), Map.of());
}
