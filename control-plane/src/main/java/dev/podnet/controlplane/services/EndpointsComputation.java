package dev.podnet.controlplane.services;

import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the endpoints controller computes, as a pure function: the endpoints of one Service from the
 * pods, as Kubernetes' EndpointSlice controller does.
 * <ul>
 *   <li>the pods of the Service's namespace whose labels include every entry of its selector (a
 *       Service without a selector has no managed endpoints: null);</li>
 *   <li>ready ones in {@code addresses}, the others in {@code notReadyAddresses};</li>
 *   <li>per Service port, the port each pod serves it on: a numeric targetPort as is, a named one
 *       resolved on the pod's declared container ports (name and protocol); a pod without that port
 *       name is no endpoint of that Service port (0);</li>
 *   <li>an endpoint's hostname is the pod's {@code spec.hostname} when its {@code spec.subdomain} is
 *       the Service's name.</li>
 * </ul>
 */
public final class EndpointsComputation
{
    private EndpointsComputation()
    {
    }

    /** The endpoints of {@code service}, or null when it has no selector. */
    public static ServiceEndpointsInfo compute(
        final ServiceInfo service, final Collection<EndpointInfo> pods, final Predicate<EndpointInfo> ready, final long changedAt)
    {
        if (service.selector().isEmpty())
        {
            return null;
        }
        final List<EndpointAddressInfo> addresses = new ArrayList<>();
        final List<EndpointAddressInfo> notReady = new ArrayList<>();
        for (final EndpointInfo pod : pods)
        {
            if (!pod.namespace().equals(service.namespace()) || !service.selects(pod.labels()))
            {
                continue;
            }
            final List<Integer> targetPorts = new ArrayList<>(service.ports().size());
            for (final ServicePortInfo port : service.ports())
            {
                targetPorts.add(resolve(port, pod));
            }
            final String hostname = !pod.hostname().isEmpty() && pod.subdomain().equals(service.name()) ? pod.hostname() : "";
            (ready.test(pod) ? addresses : notReady).add(new EndpointAddressInfo(pod.ip(), pod.node(), pod.pod(), hostname, targetPorts));
        }
        final Comparator<EndpointAddressInfo> byAddress = Comparator.comparingLong(address -> ipValue(address.ip()));
        addresses.sort(byAddress);
        notReady.sort(byAddress);
        return new ServiceEndpointsInfo(service.namespace(), service.name(), addresses, notReady, changedAt);
    }

    /** The port {@code pod} serves {@code port} on, 0 when a named targetPort does not resolve on it. */
    static int resolve(final ServicePortInfo port, final EndpointInfo pod)
    {
        if (port.targetPortName().isEmpty())
        {
            return port.targetPort() == 0 ? port.port() : port.targetPort();
        }
        for (final PodPortInfo declared : pod.ports())
        {
            if (declared.name().equals(port.targetPortName()) && declared.protocol().equals(port.protocol()))
            {
                return declared.port();
            }
        }
        return 0;
    }

    private static long ipValue(final String ip)
    {
        return dev.podnet.controlplane.Cidrs.address(ip) & 0xFFFF_FFFFL;
    }
}
