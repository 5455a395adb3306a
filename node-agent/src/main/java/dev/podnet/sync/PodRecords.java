package dev.podnet.sync;

import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;
import dev.podnet.dataplane.ContainerPort;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.packet.Ipv4Address;

import java.util.ArrayList;
import java.util.List;

/** A node's pod as the control plane publishes it: address, MAC, namespace, labels, declared ports. */
final class PodRecords
{
    private PodRecords()
    {
    }

    static EndpointInfo toRecord(final PodInfo pod)
    {
        final List<PodPortInfo> ports = new ArrayList<>(pod.ports().size());
        for (final ContainerPort port : pod.ports())
        {
            ports.add(new PodPortInfo(port.name(), port.port(), port.protocol()));
        }
        return new EndpointInfo(Ipv4Address.format(pod.ip()), pod.mac(), pod.node(), pod.name(), 0, 0, 0, pod.netns(), pod.namespace(),
            pod.labels(), ports, pod.hostname(), pod.subdomain());
    }
}
