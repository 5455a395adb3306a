package dev.podnet.controlplane.services;

import java.util.List;

/**
 * One address of a Service's endpoints (schema {@code EndpointAddressRecord}).
 *
 * @param ip          the pod's address, dotted
 * @param node        its node
 * @param pod         its name
 * @param hostname    its hostname in the Service's DNS, or empty (then its address, dashed)
 * @param targetPorts per Service port, in their order, the port this pod serves it on; 0 where a named
 *                    targetPort does not resolve on this pod
 */
public record EndpointAddressInfo(String ip, String node, String pod, String hostname, List<Integer> targetPorts)
{
    public EndpointAddressInfo
    {
        hostname = hostname == null ? "" : hostname;
        targetPorts = targetPorts == null ? List.of() : List.copyOf(targetPorts);
    }
}
