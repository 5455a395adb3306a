package dev.podnet.dns;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The records cluster DNS serves, compiled once from the replicated tables and then only read: the
 * data plane swaps a new zone in whole when Services, endpoints or namespaces change, the way
 * kube-proxy swaps its rules, and never walks Kubernetes objects per query.
 * <p>
 * What it holds, after the Kubernetes DNS specification (kubernetes/dns, docs/specification.md,
 * schema 1.0.1) with CoreDNS's choices where the specification leaves them open:
 * <ul>
 *   <li>{@code <zone>} (e.g. {@code cluster.local}): SOA and NS ({@code ns.dns.<zone>}, whose A record
 *       is the DNS Service's ClusterIP); {@code dns-version.<zone>} TXT {@value #SCHEMA_VERSION};</li>
 *   <li>a Service with a ClusterIP: {@code <svc>.<ns>.svc.<zone>} A, an SRV
 *       {@code _<port>._<proto>.<svc>.<ns>.svc.<zone>} per named port, and the PTR of the ClusterIP;</li>
 *   <li>a headless Service: {@code <svc>.<ns>.svc.<zone>} A for each ready endpoint (none: the name
 *       does not exist, NXDOMAIN), {@code <hostname>.<svc>.<ns>.svc.<zone>} A per endpoint, SRV per
 *       named port and endpoint pointing at those, and the endpoints' PTRs;</li>
 *   <li>every Service's ready endpoints also get the {@code <hostname>} A record and a PTR (CoreDNS
 *       answers them for ClusterIP Services too); an endpoint's hostname is its {@code hostname}
 *       field, else its address dashed ({@code 10-244-1-2}, CoreDNS's choice);</li>
 *   <li>{@code <a>-<b>-<c>-<d>.<ns>.pod.<zone>} A {@code a.b.c.d} for any address, in every namespace
 *       that exists (the specification's deprecated pod records; CoreDNS {@code pods insecure});</li>
 *   <li>empty non-terminals ({@code svc.<zone>}, {@code <ns>.svc.<zone>}, {@code _tcp.<svc>…}) exist,
 *       so a query for them is NODATA, not NXDOMAIN (RFC 8020).</li>
 * </ul>
 * Reverse names ({@code in-addr.arpa}) that no record holds are NXDOMAIN under an {@code in-addr.arpa}
 * SOA; names outside both zones have no upstream to go to (podnet's cluster has no way out) and are
 * REFUSED.
 * <p>
 * Lookups hash the lower-cased query name and compare bytes: no allocation per query.
 */
public final class DnsZone
{
    public static final String SCHEMA_VERSION = "1.0.1";
    public static final String DEFAULT_DOMAIN = "cluster.local";
    /** CoreDNS's kubernetes plugin default TTL. */
    public static final int TTL = 5;

    public static final int TYPE_A = 1;
    public static final int TYPE_NS = 2;
    public static final int TYPE_CNAME = 5;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_TXT = 16;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_SRV = 33;
    public static final int TYPE_OPT = 41;
    public static final int TYPE_IXFR = 251;
    public static final int TYPE_AXFR = 252;
    public static final int TYPE_ANY = 255;
    public static final int CLASS_IN = 1;
    public static final int CLASS_ANY = 255;

    private static final int[] NO_ADDRESSES = new int[0];
    private static final Srv[] NO_SRV = new Srv[0];

    /** An SRV record's data (RFC 2782). */
    public record Srv(int priority, int weight, int port, byte[] target)
    {
    }

    /** A zone this server is authoritative for: its apex and SOA. */
    static final class Apex
    {
        final byte[] name;
        final byte[] mname;
        final byte[] rname;
        final long serial;

        Apex(final String name, final long serial)
        {
            this.name = DnsName.toWire(name);
            this.mname = DnsName.toWire("ns.dns." + name);
            this.rname = DnsName.toWire("hostmaster." + name);
            this.serial = serial;
        }
    }

    /** One name of the zone with its records; names hashing alike are chained. */
    static final class Node
    {
        final byte[] wire;
        final Apex apex;
        Node next;
        int[] addresses = NO_ADDRESSES;
        Srv[] srv = NO_SRV;
        byte[] ptr;
        byte[] txt;
        byte[] ns;
        boolean soa;
        /** {@code <ns>.pod.<zone>}: its {@code a-b-c-d} children are synthesized. */
        boolean podNamespace;

        Node(final byte[] wire, final Apex apex)
        {
            this.wire = wire;
            this.apex = apex;
        }

        boolean hasRecords(final int type)
        {
            switch (type)
            {
                case TYPE_A:
                    return addresses.length > 0;
                case TYPE_SRV:
                    return srv.length > 0;
                case TYPE_PTR:
                    return ptr != null;
                case TYPE_TXT:
                    return txt != null;
                case TYPE_NS:
                    return ns != null;
                case TYPE_SOA:
                    return soa;
                case TYPE_ANY:
                    return addresses.length > 0 || srv.length > 0 || ptr != null || txt != null || ns != null || soa;
                default:
                    return false;
            }
        }
    }

    private final Long2ObjectHashMap<Node> nodes;
    private final Apex cluster;
    private final Apex reverse;
    private final int serviceCount;
    private final int recordCount;

    private DnsZone(final Long2ObjectHashMap<Node> nodes, final Apex cluster, final Apex reverse, final int serviceCount,
        final int recordCount)
    {
        this.nodes = nodes;
        this.cluster = cluster;
        this.reverse = reverse;
        this.serviceCount = serviceCount;
        this.recordCount = recordCount;
    }

    /** A zone with nothing but its apex: what a node serves before the first tables arrive. */
    public static DnsZone empty(final String domain, final int dnsIp)
    {
        return builder(domain, dnsIp).build(1);
    }

    public static Builder builder(final String domain, final int dnsIp)
    {
        return new Builder(domain, dnsIp);
    }

    /** The node of the name in {@code buffer[offset, offset + length)} (wire format, any case), or null. */
    Node find(final DirectBuffer buffer, final int offset, final int length)
    {
        Node node = nodes.get(DnsName.hash(buffer, offset, length));
        while (node != null && !DnsName.equalsIgnoreCase(buffer, offset, length, node.wire))
        {
            node = node.next;
        }
        return node;
    }

    /** The node of a compiled name (wire format, lower case), or null. */
    Node find(final byte[] wire)
    {
        Node node = nodes.get(DnsName.hash(wire));
        while (node != null && !Arrays.equals(node.wire, wire))
        {
            node = node.next;
        }
        return node;
    }

    /** The zone the name falls in ({@code <zone>} or {@code in-addr.arpa}), or null when it is outside both. */
    Apex apexOf(final DirectBuffer buffer, final int offset, final int length)
    {
        if (endsWith(buffer, offset, length, cluster.name))
        {
            return cluster;
        }
        return endsWith(buffer, offset, length, reverse.name) ? reverse : null;
    }

    Apex clusterApex()
    {
        return cluster;
    }

    /** Whether the wire name ends with {@code suffix} at a label boundary, ignoring case. */
    static boolean endsWith(final DirectBuffer buffer, final int offset, final int length, final byte[] suffix)
    {
        int position = offset;
        while (position < offset + length)
        {
            final int remaining = offset + length - position;
            if (remaining == suffix.length && DnsName.equalsIgnoreCase(buffer, position, remaining, suffix))
            {
                return true;
            }
            final int label = buffer.getByte(position) & 0xFF;
            if (label == 0)
            {
                return false;
            }
            position += 1 + label;
        }
        return false;
    }

    /** Services compiled in. */
    public int serviceCount()
    {
        return serviceCount;
    }

    /** Records compiled in (synthesized pod records not counted). */
    public int recordCount()
    {
        return recordCount;
    }

    public String domain()
    {
        return DnsName.toText(cluster.name);
    }

    /**
     * Collects a zone: namespaces, Services and their endpoints, in any order. Not thread-safe; the
     * zone it builds is immutable.
     */
    public static final class Builder
    {
        /** A Service port as DNS sees it. */
        public record Port(String name, String protocol, int port)
        {
        }

        private record ServiceEntry(String namespace, String name, int clusterIp, List<Port> ports, List<int[]> endpoints,
            List<String> hostnames)
        {
        }

        private final String domain;
        private final int dnsIp;
        private final List<String> namespaces = new ArrayList<>();
        private final Map<String, ServiceEntry> services = new LinkedHashMap<>();

        private Builder(final String domain, final int dnsIp)
        {
            this.domain = domain.toLowerCase(Locale.ROOT);
            this.dnsIp = dnsIp;
        }

        public Builder namespace(final String namespace)
        {
            namespaces.add(namespace.toLowerCase(Locale.ROOT));
            return this;
        }

        /**
         * A Service; {@code clusterIp} 0 makes it headless. Ports without a name get no SRV record.
         */
        public Builder service(final String namespace, final String name, final int clusterIp, final List<Port> ports)
        {
            services.put(namespace + "/" + name, new ServiceEntry(namespace.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT),
                clusterIp, List.copyOf(ports), new ArrayList<>(), new ArrayList<>()));
            return this;
        }

        /** A ready endpoint of a Service added before; {@code hostname} null: its address dashed. */
        public Builder endpoint(final String namespace, final String service, final int ip, final String hostname)
        {
            final ServiceEntry entry = services.get(namespace + "/" + service);
            if (entry == null)
            {
                throw new IllegalArgumentException("endpoint of unknown service " + namespace + "/" + service);
            }
            entry.endpoints().add(new int[] {ip});
            entry.hostnames().add(hostname == null || hostname.isEmpty() ? DnsName.dashed(ip) : hostname.toLowerCase(Locale.ROOT));
            return this;
        }

        /** The zone; {@code serial} goes into its SOA (it should grow with every build). */
        public DnsZone build(final long serial)
        {
            final Apex cluster = new Apex(domain, serial);
            final Apex reverse = new Apex("in-addr.arpa", serial);
            final Map<String, Node> byName = new LinkedHashMap<>();
            final int[] records = {0};
            final java.util.function.BiFunction<String, Apex, Node> node = (name, apex) ->
                byName.computeIfAbsent(name, n -> new Node(DnsName.toWire(n), apex));

            final Node apex = node.apply(domain, cluster);
            apex.soa = true;
            apex.ns = DnsName.toWire("ns.dns." + domain);
            node.apply("ns.dns." + domain, cluster).addresses = new int[] {dnsIp};
            node.apply("dns-version." + domain, cluster).txt = txt(SCHEMA_VERSION);
            node.apply("in-addr.arpa", reverse).soa = true;
            records[0] += 5;
            node.apply("svc." + domain, cluster);
            node.apply("pod." + domain, cluster);
            for (final String namespace : namespaces)
            {
                node.apply(namespace + ".svc." + domain, cluster);
                node.apply(namespace + ".pod." + domain, cluster).podNamespace = true;
            }

            final List<ServiceEntry> sorted = new ArrayList<>(services.values());
            sorted.sort(java.util.Comparator.comparing(ServiceEntry::namespace).thenComparing(ServiceEntry::name));
            for (final ServiceEntry service : sorted)
            {
                final String serviceName = service.name() + "." + service.namespace() + ".svc." + domain;
                final byte[] serviceWire = DnsName.toWire(serviceName);
                final boolean headless = service.clusterIp() == 0;
                final int count = service.endpoints().size();
                if (!headless)
                {
                    add(node.apply(serviceName, cluster), service.clusterIp());
                    final Node ptr = node.apply(DnsName.reverseName(service.clusterIp()), reverse);
                    if (ptr.ptr == null)
                    {
                        ptr.ptr = serviceWire;
                    }
                    records[0] += 2;
                }
                for (int i = 0; i < count; i++)
                {
                    final int ip = service.endpoints().get(i)[0];
                    final String host = service.hostnames().get(i) + "." + serviceName;
                    if (headless)
                    {
                        add(node.apply(serviceName, cluster), ip);
                        records[0]++;
                    }
                    add(node.apply(host, cluster), ip);
                    final Node ptr = node.apply(DnsName.reverseName(ip), reverse);
                    if (ptr.ptr == null)
                    {
                        ptr.ptr = DnsName.toWire(host);
                    }
                    records[0] += 2;
                }
                for (final Port port : service.ports())
                {
                    if (port.name() == null || port.name().isEmpty())
                    {
                        continue;
                    }
                    final Node srv = node.apply("_" + port.name().toLowerCase(Locale.ROOT) + "._" +
                        port.protocol().toLowerCase(Locale.ROOT) + "." + serviceName, cluster);
                    if (headless)
                    {
                        final int weight = count == 0 ? 0 : Math.max(1, 100 / count);
                        for (int i = 0; i < count; i++)
                        {
                            srv.srv = append(srv.srv, new Srv(0, weight, port.port(),
                                DnsName.toWire(service.hostnames().get(i) + "." + serviceName)));
                            records[0]++;
                        }
                    }
                    else
                    {
                        srv.srv = append(srv.srv, new Srv(0, 100, port.port(), serviceWire));
                        records[0]++;
                    }
                }
            }

            // empty non-terminals: every ancestor of a name, down to its zone's apex
            for (final Node existing : new ArrayList<>(byName.values()))
            {
                String name = DnsName.toText(existing.wire);
                final String apexText = DnsName.toText(existing.apex.name);
                while (!name.equals(apexText) && name.indexOf('.') < name.length() - 1)
                {
                    name = name.substring(name.indexOf('.') + 1);
                    final String bare = name.substring(0, name.length() - 1);
                    if (bare.isEmpty())
                    {
                        break;
                    }
                    node.apply(bare, existing.apex);
                }
            }

            final Long2ObjectHashMap<Node> nodes = new Long2ObjectHashMap<>();
            for (final Node each : byName.values())
            {
                final long hash = DnsName.hash(each.wire);
                each.next = nodes.get(hash);
                nodes.put(hash, each);
            }
            return new DnsZone(nodes, cluster, reverse, services.size(), records[0]);
        }

        private static void add(final Node node, final int ip)
        {
            for (final int existing : node.addresses)
            {
                if (existing == ip)
                {
                    return;
                }
            }
            node.addresses = Arrays.copyOf(node.addresses, node.addresses.length + 1);
            node.addresses[node.addresses.length - 1] = ip;
        }

        private static Srv[] append(final Srv[] records, final Srv record)
        {
            final Srv[] more = Arrays.copyOf(records, records.length + 1);
            more[records.length] = record;
            return more;
        }

        /** TXT data: one character-string. */
        private static byte[] txt(final String text)
        {
            final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            final byte[] data = new byte[bytes.length + 1];
            data[0] = (byte)bytes.length;
            System.arraycopy(bytes, 0, data, 1, bytes.length);
            return data;
        }
    }

    /** For tests and tools: the text of every name the zone holds. */
    public List<String> names()
    {
        final List<String> names = new ArrayList<>();
        for (final Node node : nodes.values())
        {
            for (Node each = node; each != null; each = each.next)
            {
                names.add(DnsName.toText(new UnsafeBuffer(each.wire), 0, each.wire.length));
            }
        }
        names.sort(null);
        return names;
    }
}
