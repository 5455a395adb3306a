package dev.podnet.controlplane.services;

import java.util.List;

/**
 * The endpoints of one Service (schema {@code ServiceEndpointsRecord}), as the endpoints controller
 * computed them.
 *
 * @param namespace         the Service's namespace
 * @param name              its name
 * @param addresses         ready pods the selector matches
 * @param notReadyAddresses matching pods that are not ready (their node is unreachable or not Up)
 * @param changedAt         epoch ms of the change this version carries (what network programming latency is measured from)
 */
public record ServiceEndpointsInfo(
    String namespace, String name, List<EndpointAddressInfo> addresses, List<EndpointAddressInfo> notReadyAddresses, long changedAt)
    implements ServiceMessage
{
    public ServiceEndpointsInfo
    {
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        notReadyAddresses = notReadyAddresses == null ? List.of() : List.copyOf(notReadyAddresses);
    }

    public String key()
    {
        return namespace + "/" + name;
    }

    /** Whether {@code other} lists the same addresses (the time aside). */
    public boolean sameAddresses(final ServiceEndpointsInfo other)
    {
        return other != null && addresses.equals(other.addresses) && notReadyAddresses.equals(other.notReadyAddresses);
    }
}
