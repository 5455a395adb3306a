package dev.podnet.http;

import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.FdbEntry;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.TracerouteResult;

import java.util.List;

/**
 * What the API answers, as JSON: addresses as text (dotted IPv4, colon-separated hex MACs), times in
 * the unit their name says ({@code rttUs}, {@code ageMs}). Jackson writes the records' components in
 * declaration order.
 */
final class Views
{
    private Views()
    {
    }

    record ErrorBody(String error, String detail)
    {
    }

    /** An ICMP error or a timeout of a UDP exchange; {@code from} is "" for a timeout. */
    record UdpErrorBody(String error, String detail, String from)
    {
    }

    /**
     * A node of the cluster: {@code status} is {@code Ready}, {@code NotReady} or {@code Unreachable},
     * {@code reason} says why when not Ready; {@code address} is its cluster address, {@code api} and
     * {@code tunnel} its API and tunnel endpoints ({@code host:port}, null without a lease); {@code allocator}
     * whether the lease allocator (a cluster singleton) runs there, as the answering node sees it.
     */
    record Node(String name, String address, String api, String cidr, String gateway, String status, String reason,
                int pods, String tunnel, boolean allocator)
    {
    }

    /**
     * A pod: {@code netns} is a real pod's network namespace on its node, null for an emulated pod; its
     * namespace and labels after what every pod has.
     */
    record Pod(String name, String node, String ip, String mac, String netns, String namespace, java.util.Map<String, String> labels)
    {
        static Pod of(final PodInfo info)
        {
            return new Pod(info.name(), info.node(), Ipv4Address.format(info.ip()), MacAddress.format(info.mac()), info.netns(),
                info.namespace(), info.labels());
        }

        static Pod of(final Endpoint endpoint)
        {
            return of(endpoint, java.util.Map.of());
        }

        static Pod of(final Endpoint endpoint, final java.util.Map<String, String> labels)
        {
            return new Pod(endpoint.pod(), endpoint.node(), Ipv4Address.format(endpoint.ip()), MacAddress.format(endpoint.mac()),
                endpoint.netns(), endpoint.namespace(), labels);
        }
    }

    /**
     * A real pod just attached: what a CNI result needs besides the pod's line: the interface inside the
     * namespace, the node CIDR's prefix length, the gateway (the default route's next hop), the MTU and
     * the cluster DNS (a CNI result's {@code dns}).
     */
    record RealPod(String name, String node, String ip, String mac, String netns, String ifname, int prefixLength,
                   String gateway, int mtu, Dns dns)
    {
    }

    /** A pod's DNS settings, as a CNI result names them: {@code resolv.conf}'s nameserver, search and options lines. */
    record Dns(List<String> nameservers, List<String> search, List<String> options)
    {
        static Dns of(final dev.podnet.dns.ResolvConf conf)
        {
            return new Dns(List.of(dev.podnet.packet.Ipv4Address.format(conf.nameserver())), conf.search(),
                List.of("ndots:" + conf.ndots()));
        }
    }

    record Ping(String target, String targetIp, int sent, int received, List<PingReply> replies, List<PingError> errors)
    {
        static Ping of(final String target, final PingResult result)
        {
            return new Ping(target, Ipv4Address.format(result.target()), result.sent(), result.received(),
                result.replies().stream()
                    .map(r -> new PingReply(r.seq(), Ipv4Address.format(r.from()), r.ttl(), r.rttNanos() / 1_000))
                    .toList(),
                result.errors().stream()
                    .map(e -> new PingError(e.seq(), e.type(), address(e.from(), ""), e.mtu()))
                    .toList());
        }
    }

    record PingReply(int seq, String from, int ttl, long rttUs)
    {
    }

    record PingError(int seq, String type, String from, int mtu)
    {
    }

    record Traceroute(String target, String targetIp, boolean reached, List<Hop> hops)
    {
        static Traceroute of(final String target, final TracerouteResult result)
        {
            return new Traceroute(target, Ipv4Address.format(result.target()), result.reached(),
                result.hops().stream()
                    .map(h -> new Hop(h.ttl(), address(h.address(), "*"), h.rttNanos() / 1_000, h.kind()))
                    .toList());
        }
    }

    /** One traceroute hop: {@code address} is "*" when nothing answered. */
    record Hop(int ttl, String address, long rttUs, String kind)
    {
    }

    /** A UDP reply: {@code from} is {@code ip:port}, {@code reply} the payload as UTF-8. */
    record Udp(String from, String reply)
    {
    }

    /** A pod's ARP cache line; {@code mac} is "" while the entry is incomplete. */
    record Arp(String ip, String mac, String state, long ageMs)
    {
        static Arp of(final ArpEntry entry)
        {
            return new Arp(Ipv4Address.format(entry.ip()), entry.mac() == 0 ? "" : MacAddress.format(entry.mac()),
                entry.state(), entry.ageNanos() / 1_000_000);
        }
    }

    record Fdb(String mac, String port, boolean permanent, long ageMs)
    {
        static Fdb of(final FdbEntry entry)
        {
            return new Fdb(MacAddress.format(entry.mac()), entry.port(), entry.permanent(), entry.ageNanos() / 1_000_000);
        }
    }

    record RouteLine(String cidr, String node, String host, int port, String tunnel, long framesOut, long framesIn)
    {
        static RouteLine of(final Route route)
        {
            return new RouteLine(route.cidr().toString(), route.node(), route.host(), route.port(), route.tunnel(),
                route.framesOut(), route.framesIn());
        }
    }

    /** An endpoint table line; {@code pod} is null for an endpoint pushed without a name. */
    record EndpointLine(String ip, String mac, String node, String pod)
    {
        static EndpointLine of(final Endpoint endpoint)
        {
            return new EndpointLine(Ipv4Address.format(endpoint.ip()), MacAddress.format(endpoint.mac()), endpoint.node(),
                endpoint.pod());
        }
    }

    /**
     * A name lookup by a pod's resolver: the name asked, the server, the name that answered, the
     * records and the addresses; {@code error} NXDOMAIN, SERVFAIL, REFUSED or timeout when it failed.
     */
    record Lookup(String name, String server, String resolved, List<Record> answers, List<String> addresses, String error,
        List<String> tried)
    {
        static Lookup of(final String name, final dev.podnet.dns.StubResolver.Result result, final int server)
        {
            final List<String> addresses = new java.util.ArrayList<>();
            for (final int ip : result.addresses())
            {
                addresses.add(Ipv4Address.format(ip));
            }
            return new Lookup(name, Ipv4Address.format(server), result.ok() ? result.name() : null,
                result.answers().stream().map(a -> new Record(a.name(), recordType(a.type()), a.ttl(), a.data())).toList(),
                addresses, result.error(), result.tried());
        }

        private static String recordType(final int type)
        {
            switch (type)
            {
                case 1:
                    return "A";
                case 2:
                    return "NS";
                case 6:
                    return "SOA";
                case 12:
                    return "PTR";
                case 16:
                    return "TXT";
                case 33:
                    return "SRV";
                default:
                    return "TYPE" + type;
            }
        }
    }

    /** One DNS record as dig shows it. */
    record Record(String name, String type, int ttl, String data)
    {
    }

    /** One address and ports of a tracked connection's direction. */
    record Tuple(String src, String dst, int sport, int dport)
    {
    }

    /**
     * A tracked connection ({@code conntrack -L}): the tuple it began with, the one its replies carry,
     * whether it is NATed, the Service port that made it, and its counters.
     */
    record Connection(String protocol, String state, long timeout, boolean assured, boolean replied, Tuple original, Tuple reply,
        boolean dnat, boolean snat, String service, long packets, long bytes, String line)
    {
        static Connection of(final dev.podnet.conntrack.ConntrackEntry entry)
        {
            return new Connection(dev.podnet.packet.Ipv4Flyweight.protocolName(entry.protocol()).toLowerCase(java.util.Locale.ROOT),
                entry.state().isEmpty() ? null : entry.state(), entry.secondsLeft(), entry.assured(), entry.seenReply(),
                new Tuple(Ipv4Address.format(entry.originalSource()), Ipv4Address.format(entry.originalDestination()),
                    entry.originalSourcePort(), entry.originalDestinationPort()),
                new Tuple(Ipv4Address.format(entry.replySource()), Ipv4Address.format(entry.replyDestination()),
                    entry.replySourcePort(), entry.replyDestinationPort()),
                entry.destinationNat(), entry.sourceNat(), entry.service(), entry.originalPackets() + entry.replyPackets(),
                entry.originalBytes() + entry.replyBytes(), entry.line());
        }
    }

    /** A namespace: {@code status} is Active (podnet deletes at once, never Terminating). */
    record Namespace(String name, java.util.Map<String, String> labels, String status, long createdAt)
    {
        static Namespace of(final dev.podnet.controlplane.services.NamespaceInfo namespace)
        {
            return new Namespace(namespace.name(), namespace.labels(), "Active", namespace.createdAt());
        }
    }

    /** A Service port: {@code targetPort} is a number or a container port's name; {@code nodePort} 0 when none. */
    record ServicePort(String name, String protocol, int port, String targetPort, int nodePort)
    {
    }

    /**
     * A Service as kubectl shows it: {@code clusterIP} is {@code None} for a headless one; {@code endpoints}
     * the ready ones as {@code ip:port}.
     */
    record Service(String name, String namespace, String type, String clusterIP, List<ServicePort> ports,
        java.util.Map<String, String> selector, java.util.Map<String, String> labels, String sessionAffinity,
        int affinityTimeoutSeconds, long createdAt, List<String> endpoints)
    {
        static Service of(final dev.podnet.controlplane.services.ServiceInfo service,
            final dev.podnet.controlplane.services.ServiceEndpointsInfo endpoints)
        {
            final List<String> ready = new java.util.ArrayList<>();
            if (endpoints != null)
            {
                for (final dev.podnet.controlplane.services.EndpointAddressInfo address : endpoints.addresses())
                {
                    ready.addAll(ServiceApi.endpointPorts(service, address));
                }
            }
            return new Service(service.name(), service.namespace(), service.type(), service.clusterIp(),
                service.ports().stream().map(p -> new ServicePort(p.name(), p.protocol(), p.port(), p.targetPortText(), p.nodePort()))
                    .toList(),
                service.selector(), service.labels(), service.sessionAffinity(), service.affinityTimeoutSeconds(), service.createdAt(),
                ready);
        }
    }

    /**
     * One address of a Service's endpoints: {@code ports} as {@code ip:port/protocol}, one per Service port it
     * serves; {@code targetPorts} the port per Service port, in the Service's order, 0 where it does not serve it.
     */
    record EndpointAddress(String ip, String node, String pod, String hostname, List<String> ports, List<Integer> targetPorts)
    {
    }

    /** A Service's endpoints ({@code kubectl get endpoints}); {@code changedAt} 0 before the controller computed any. */
    record Endpoints(String name, String namespace, List<EndpointAddress> addresses, List<EndpointAddress> notReadyAddresses,
        long changedAt)
    {
        static Endpoints of(final dev.podnet.controlplane.services.ServiceInfo service,
            final dev.podnet.controlplane.services.ServiceEndpointsInfo endpoints)
        {
            if (endpoints == null)
            {
                return new Endpoints(service.name(), service.namespace(), List.of(), List.of(), 0);
            }
            return new Endpoints(service.name(), service.namespace(), addresses(service, endpoints.addresses()),
                addresses(service, endpoints.notReadyAddresses()), endpoints.changedAt());
        }

        private static List<EndpointAddress> addresses(final dev.podnet.controlplane.services.ServiceInfo service,
            final List<dev.podnet.controlplane.services.EndpointAddressInfo> addresses)
        {
            return addresses.stream().map(a -> new EndpointAddress(a.ip(), a.node(), a.pod(), a.hostname(),
                ServiceApi.endpointPorts(service, a), a.targetPorts())).toList();
        }
    }

    /** One object of an applied or deleted manifest: {@code outcome} created, configured, unchanged or deleted, else {@code error}. */
    record Applied(String kind, String namespace, String name, String outcome, List<String> warnings, String error)
    {
    }

    record AppliedAll(List<Applied> items)
    {
    }

    /** A manifest that failed part way: what was done before, and the object that failed (last). */
    record AppliedFailure(String error, String detail, List<Applied> items)
    {
    }

    private static String address(final int ip, final String none)
    {
        return ip == 0 ? none : Ipv4Address.format(ip);
    }
}
