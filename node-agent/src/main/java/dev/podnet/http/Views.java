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

    /** A pod; {@code netns} is a real pod's network namespace on its node, null for an emulated pod. */
    record Pod(String name, String node, String ip, String mac, String netns)
    {
        static Pod of(final PodInfo info)
        {
            return new Pod(info.name(), info.node(), Ipv4Address.format(info.ip()), MacAddress.format(info.mac()), info.netns());
        }

        static Pod of(final Endpoint endpoint)
        {
            return new Pod(endpoint.pod(), endpoint.node(), Ipv4Address.format(endpoint.ip()), MacAddress.format(endpoint.mac()),
                endpoint.netns());
        }
    }

    /**
     * A real pod just attached: what a CNI result needs besides the pod's line: the interface inside the
     * namespace, the node CIDR's prefix length, the gateway (the default route's next hop) and the MTU.
     */
    record RealPod(String name, String node, String ip, String mac, String netns, String ifname, int prefixLength,
                   String gateway, int mtu)
    {
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

    private static String address(final int ip, final String none)
    {
        return ip == 0 ? none : Ipv4Address.format(ip);
    }
}
