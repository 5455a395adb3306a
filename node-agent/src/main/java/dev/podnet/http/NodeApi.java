package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.PodSpec;
import dev.podnet.dns.DnsZone;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.TracerouteResult;
import dev.podnet.pod.UdpExchange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This node's view: its pods (and the remote ones it knows by name), what they can do (ping,
 * traceroute, a UDP exchange), and its tables (ARP, FDB, routes, endpoints, drops).
 * <p>
 * Requests are checked here, before they reach the data plane, with messages that name the field;
 * what only the data plane can know (no such pod, name taken, no free address) comes back as a
 * {@link dev.podnet.dataplane.DataPlaneException} that {@link ApiServer} maps to a status.
 */
final class NodeApi
{
    /** Longest a ping or traceroute may be asked to run: an API thread waits for it. */
    static final Duration MAX_RUN_TIME = Duration.ofMinutes(10);
    static final int MAX_TIMEOUT_MS = 60_000;
    static final int MAX_INTERVAL_MS = 60_000;
    static final int MAX_HOPS = 64;
    /** Largest UDP payload in one IPv4 datagram: 65535 - 20 (IPv4) - 8 (UDP). */
    static final int MAX_UDP_PAYLOAD = 65_507;
    private final DataPlaneProxy proxy;
    private final String nodeName;
    /** Bound for commands and table reads, which the data plane answers within a duty cycle. */
    private final Duration quick;

    /** Finds the pod a name (in a namespace) or an address means; 404 when none. */
    @FunctionalInterface
    interface PodLookup
    {
        Endpoint find(String namespace, String name) throws InterruptedException;
    }

    /** A host name as resolvers take it (RFC 1123 labels, any case, an optional final dot). */
    static final java.util.regex.Pattern HOSTNAME =
        java.util.regex.Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.?");

    /** How long a name lookup may take: the resolver's timeouts (5 s × 2 attempts × 4 candidates) and then some. */
    static final Duration RESOLVE_BOUND = Duration.ofSeconds(45);

    private final PodLookup lookup;
    private final TcpApi tcp;

    /** A node on its own (static mode): pod names are resolved among the endpoints its data plane has. */
    NodeApi(final DataPlaneProxy proxy, final String nodeName, final Duration commandTimeout)
    {
        this.proxy = proxy;
        this.nodeName = nodeName;
        this.quick = commandTimeout;
        this.lookup = this::findPod;
        this.tcp = new TcpApi(proxy, this::resolveTarget, commandTimeout);
    }

    /** A node of a cluster: pod names are resolved by {@code lookup}, from the cluster's table. */
    NodeApi(final DataPlaneProxy proxy, final String nodeName, final Duration commandTimeout, final PodLookup lookup)
    {
        this.proxy = proxy;
        this.nodeName = nodeName;
        this.quick = commandTimeout;
        this.lookup = lookup;
        this.tcp = new TcpApi(proxy, this::resolveTarget, commandTimeout);
    }

    /** What this node's pods do over TCP (curl, tcp-perf, sockets). */
    TcpApi tcp()
    {
        return tcp;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/api/v1/pods", this::listPods)
            .add("POST", "/api/v1/pods", this::createPod)
            .add("POST", "/api/v1/namespaces/{namespace}/pods", this::createPod);
        for (final String pods : new String[] {"/api/v1/pods", "/api/v1/namespaces/{namespace}/pods"})
        {
            dispatcher
                .add("GET", pods + "/{name}", this::getPod)
                .add("DELETE", pods + "/{name}", this::deletePod)
                .add("PUT", pods + "/{name}/labels", this::relabel)
                .add("POST", pods + "/{name}/ping", this::ping)
                .add("POST", pods + "/{name}/traceroute", this::traceroute)
                .add("POST", pods + "/{name}/udp", this::udp)
                .add("POST", pods + "/{name}/nslookup", this::nslookup)
                .add("GET", pods + "/{name}/arp", this::arp);
        }
        dispatcher
            .add("GET", "/api/v1/nodes/{node}/conntrack", this::conntrack)
            .add("GET", "/api/v1/conntrack", this::conntrack)
            .add("GET", "/api/v1/fdb", this::fdb)
            .add("GET", "/api/v1/routes", this::routes)
            .add("GET", "/api/v1/endpoints", this::endpoints)
            .add("GET", "/api/v1/drops", this::drops);
        tcp.register(dispatcher);
    }

    ApiResponse listPods(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Await.await(proxy.endpoints(), quick, "listing pods").stream()
            .filter(endpoint -> endpoint.pod() != null)
            .map(Views.Pod::of)
            .toList());
    }

    ApiResponse createPod(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("name", "node", "netns", "ifname", "labels", "ports", "hostname", "subdomain");
        final String node = body.optionalString("node");
        if (node != null && !node.equals(nodeName))
        {
            throw ApiException.badRequest("field 'node': '" + node + "' is not this node (" + nodeName +
                "); a node in static mode hosts only its own pods");
        }
        return createPod(request.namespace(), body.requiredString("name"), body);
    }

    /**
     * Creates pod {@code name} of {@code namespace} here: emulated, with its labels, declared ports, hostname
     * and subdomain; or real when {@code body} has {@code netns} ({@code true}: a namespace named after the
     * pod; a name; a path) with an optional {@code ifname} (default {@code eth0}).
     */
    ApiResponse createPod(final String namespace, final String name, final JsonBody body) throws InterruptedException
    {
        final String netns = body.optionalTrueOrString("netns", name);
        final String ifname = body.optionalString("ifname");
        final java.util.Map<String, String> labels = body.optionalLabels("labels");
        if (netns == null)
        {
            if (ifname != null)
            {
                throw ApiException.badRequest("field 'ifname' is only for a real pod (with 'netns')");
            }
            final PodSpec spec = new PodSpec(namespace, name, labels, ports(body), body.optionalString("hostname"),
                body.optionalString("subdomain"));
            final PodInfo pod = Await.await(proxy.createPod(spec), quick, "creating pod '" + name + "'");
            return ApiResponse.created(Views.Pod.of(pod));
        }
        if (!PodSpec.DEFAULT_NAMESPACE.equals(namespace))
        {
            throw ApiException.badRequest("field 'netns': a real pod lives in namespace default (this one asked for " + namespace + ")");
        }
        PodInfo pod = proxy.realPods().attach(name, netns, ifname);
        if (!labels.isEmpty())
        {
            pod = Await.await(proxy.relabelPod(name, labels), quick, "labelling pod '" + name + "'");
        }
        final NodeConfig config = proxy.config();
        return ApiResponse.created(new Views.RealPod(pod.name(), pod.node(), Ipv4Address.format(pod.ip()),
            dev.podnet.packet.MacAddress.format(pod.mac()), pod.netns(), ifname == null ? "eth0" : ifname,
            config.podCidr().prefixLength(), Ipv4Address.format(config.podCidr().address(1)), config.pod().mtu(),
            Views.Dns.of(dev.podnet.dns.ResolvConf.forPod(config.services().dnsIp(), PodSpec.DEFAULT_NAMESPACE,
                config.services().clusterDomain()))));
    }

    /** A pod's declared container ports: {@code [{name, port, protocol}]} (what a named targetPort resolves to). */
    static java.util.List<dev.podnet.dataplane.ContainerPort> ports(final JsonBody body)
    {
        final com.fasterxml.jackson.databind.JsonNode ports = body.optionalArray("ports");
        final java.util.List<dev.podnet.dataplane.ContainerPort> result = new java.util.ArrayList<>();
        if (ports == null)
        {
            return result;
        }
        for (int i = 0; i < ports.size(); i++)
        {
            final com.fasterxml.jackson.databind.JsonNode port = ports.get(i);
            final String name = JsonBody.text("ports", i, port, "name");
            final com.fasterxml.jackson.databind.JsonNode number = port.get("port");
            if (number == null || !number.isIntegralNumber() || number.intValue() < 1 || number.intValue() > 65535)
            {
                throw ApiException.badRequest("field 'ports[" + i + "].port': expected an integer 1..65535");
            }
            final String protocol = port.has("protocol") ? JsonBody.text("ports", i, port, "protocol") : "TCP";
            if (!protocol.equals("TCP") && !protocol.equals("UDP"))
            {
                throw ApiException.badRequest("field 'ports[" + i + "].protocol': '" + protocol + "' (expected: TCP or UDP)");
            }
            result.add(new dev.podnet.dataplane.ContainerPort(name, number.intValue(), protocol));
        }
        return result;
    }

    ApiResponse getPod(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Views.Pod.of(lookup.find(request.namespace(), request.param("name"))));
    }

    ApiResponse deletePod(final ApiRequest request) throws InterruptedException
    {
        final String pod = podKey(request);
        Await.await(proxy.deletePod(pod), quick, "deleting pod '" + pod + "'");
        return ApiResponse.noContent();
    }

    /** New labels for a pod ({@code {labels}}): what Services select it follows. */
    ApiResponse relabel(final ApiRequest request) throws InterruptedException
    {
        final java.util.Map<String, String> labels = request.json("labels").optionalLabels("labels");
        final PodInfo pod = Await.await(proxy.relabelPod(podKey(request), labels), quick, "labelling pod '" + podKey(request) + "'");
        return ApiResponse.ok(Views.Pod.of(pod));
    }

    /** {@code nslookup}: a name resolved by the pod's own resolver, answers as text records. */
    ApiResponse nslookup(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("name", "type");
        final String name = body.requiredString("name");
        final String typeName = body.optionalString("type");
        final int type = recordType(typeName == null ? (ClusterDirectory.looksLikeIp(name) ? "PTR" : "A") : typeName);
        final String asked = type == DnsZone.TYPE_PTR && ClusterDirectory.looksLikeIp(name) ?
            dev.podnet.dns.DnsName.reverseName(ClusterDirectory.parseIp(name, "name")) + "." : name;
        final StubResolver.Result result = resolve(request, asked, type);
        return ApiResponse.ok(Views.Lookup.of(name, result, proxy.config().services().dnsIp()));
    }

    private static int recordType(final String type)
    {
        switch (type.toUpperCase(java.util.Locale.ROOT))
        {
            case "A":
                return DnsZone.TYPE_A;
            case "SRV":
                return DnsZone.TYPE_SRV;
            case "PTR":
                return DnsZone.TYPE_PTR;
            case "TXT":
                return DnsZone.TYPE_TXT;
            case "SOA":
                return DnsZone.TYPE_SOA;
            case "NS":
                return DnsZone.TYPE_NS;
            case "AAAA":
                return DnsZone.TYPE_AAAA;
            case "ANY":
                return DnsZone.TYPE_ANY;
            default:
                throw ApiException.badRequest("field 'type': '" + type + "' (expected: A, AAAA, SRV, PTR, TXT, SOA, NS or ANY)");
        }
    }

    /** The pod's stub resolver at work, bounded. */
    private StubResolver.Result resolve(final ApiRequest request, final String name, final int type) throws InterruptedException
    {
        try
        {
            return Await.await(proxy.resolve(podKey(request), name, type), RESOLVE_BOUND, "resolving '" + name + "'");
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest("'" + name + "' is not a domain name: " + ex.getMessage());
        }
    }

    /** The tracked connections of this node, as {@code conntrack -L} lists them. */
    ApiResponse conntrack(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Await.await(proxy.connections(), quick, "reading the connection-tracking table").stream()
            .map(Views.Connection::of)
            .toList());
    }

    /** The data plane's key of the request's pod: {@code namespace/name}. */
    static String podKey(final ApiRequest request)
    {
        return PodSpec.key(request.namespace(), request.param("name"));
    }

    ApiResponse ping(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("target", "count", "size", "dontFragment", "timeoutMs", "intervalMs", "ttl");
        final String target = body.requiredString("target");
        final int count = body.optionalInt("count", 3, 1, PingRequest.MAX_COUNT);
        final int size = body.optionalInt("size", PingRequest.DEFAULT_SIZE, 0, PingRequest.MAX_SIZE);
        final boolean dontFragment = body.optionalBoolean("dontFragment", false);
        final int timeoutMs = body.optionalInt("timeoutMs", 2_000, 1, MAX_TIMEOUT_MS);
        final int intervalMs = body.optionalInt("intervalMs", 200, 0, MAX_INTERVAL_MS);
        final int ttl = body.optionalInt("ttl", 64, 1, 255);
        final Duration runTime = Duration.ofMillis((long)(count - 1) * intervalMs + timeoutMs);
        requireRunTime(runTime, "count × intervalMs + timeoutMs");

        final int ip = resolveTarget(request, target);
        final PingRequest ping = new PingRequest(
            ip, count, Duration.ofMillis(intervalMs), size, dontFragment, Duration.ofMillis(timeoutMs), ttl);
        final PingResult result = Await.await(
            proxy.ping(podKey(request), ping), runTime.plus(Await.GRACE), "ping " + target);
        return ApiResponse.ok(Views.Ping.of(target, result));
    }

    ApiResponse traceroute(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("target", "maxHops", "timeoutMs");
        final String target = body.requiredString("target");
        final int maxHops = body.optionalInt("maxHops", 16, 1, MAX_HOPS);
        final int timeoutMs = body.optionalInt("timeoutMs", 1_000, 1, MAX_TIMEOUT_MS);
        final Duration runTime = Duration.ofMillis((long)maxHops * timeoutMs);
        requireRunTime(runTime, "maxHops × timeoutMs");

        final int ip = resolveTarget(request, target);
        final TracerouteResult result = Await.await(
            proxy.traceroute(podKey(request), ip, maxHops, Duration.ofMillis(timeoutMs)),
            runTime.plus(Await.GRACE), "traceroute " + target);
        return ApiResponse.ok(Views.Traceroute.of(target, result));
    }

    ApiResponse udp(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("target", "port", "payload", "timeoutMs");
        final String target = body.requiredString("target");
        final int port = body.requiredInt("port", 1, 65535);
        final byte[] payload = body.requiredString("payload").getBytes(StandardCharsets.UTF_8);
        final int timeoutMs = body.optionalInt("timeoutMs", 2_000, 1, MAX_TIMEOUT_MS);
        if (payload.length > MAX_UDP_PAYLOAD)
        {
            throw ApiException.badRequest("field 'payload': " + payload.length + " bytes (UTF-8) is more than the " +
                MAX_UDP_PAYLOAD + " bytes one UDP datagram carries");
        }

        final int ip = resolveTarget(request, target);
        final Duration timeout = Duration.ofMillis(timeoutMs);
        final UdpExchange exchange = Await.await(
            proxy.udp(podKey(request), ip, port, payload, timeout), timeout.plus(Await.GRACE),
            "UDP exchange with " + target + ":" + port);
        final String destination = Ipv4Address.format(ip) + ":" + port;
        if (exchange.ok())
        {
            return ApiResponse.ok(new Views.Udp(
                Ipv4Address.format(exchange.fromIp()) + ":" + exchange.fromPort(), exchange.replyText()));
        }
        if ("timeout".equals(exchange.error()))
        {
            return ApiResponse.json(504, new Views.UdpErrorBody(
                "timeout", "no reply from " + destination + " within " + timeoutMs + " ms", ""));
        }
        final String from = exchange.fromIp() == 0 ? "" : Ipv4Address.format(exchange.fromIp());
        return ApiResponse.json(502, new Views.UdpErrorBody(exchange.error(),
            (from.isEmpty() ? "" : from + " reported ") + exchange.error() + " for " + destination, from));
    }

    ApiResponse arp(final ApiRequest request) throws InterruptedException
    {
        final String name = podKey(request);
        return ApiResponse.ok(Await.await(proxy.arp(name), quick, "reading the ARP cache of '" + name + "'").stream()
            .map(Views.Arp::of)
            .toList());
    }

    ApiResponse fdb(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Await.await(proxy.fdb(), quick, "reading the FDB").stream().map(Views.Fdb::of).toList());
    }

    ApiResponse routes(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Await.await(proxy.routes(), quick, "reading the routes").stream()
            .map(Views.RouteLine::of)
            .toList());
    }

    ApiResponse endpoints(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(Await.await(proxy.endpoints(), quick, "reading the endpoints").stream()
            .map(Views.EndpointLine::of)
            .toList());
    }

    ApiResponse drops(final ApiRequest request)
    {
        final Map<String, Long> drops = new TreeMap<>(proxy.drops());
        return ApiResponse.ok(drops);
    }

    private static void requireRunTime(final Duration runTime, final String what)
    {
        if (runTime.compareTo(MAX_RUN_TIME) > 0)
        {
            throw ApiException.badRequest(what + " is " + runTime.toSeconds() + " s, more than the " +
                MAX_RUN_TIME.toSeconds() + " s one request may run");
        }
    }

    /**
     * A {@code target}: an IPv4 address as is; a pod of the source pod's namespace by its name; anything
     * else a name the source pod's own resolver looks up, as a real pod would (its search path and
     * ndots: {@code web}, {@code web.prod}, {@code web.prod.svc.cluster.local}).
     */
    private int resolveTarget(final ApiRequest request, final String target) throws InterruptedException
    {
        return resolveTarget(request, target, "target");
    }

    /** As {@link #resolveTarget(ApiRequest, String)}, naming {@code field} in what a bad target is told. */
    int resolveTarget(final ApiRequest request, final String target, final String field) throws InterruptedException
    {
        if (ClusterDirectory.looksLikeIp(target))
        {
            return ClusterDirectory.parseIp(target, field);
        }
        if (NodeConfig.isDnsLabel(target))
        {
            try
            {
                return lookup.find(request.namespace(), target).ip();
            }
            catch (final ApiException ex)
            {
                if (ex.status() != 404)
                {
                    throw ex;
                }
            }
        }
        if (!HOSTNAME.matcher(target).matches())
        {
            throw ApiException.badRequest("field '" + field + "': '" + target + "' is neither an IPv4 address, nor a pod name, nor a " +
                "host name (letters, digits, '-' and '.', as resolv.conf takes them)");
        }
        final StubResolver.Result result = resolve(request, target, DnsZone.TYPE_A);
        if (!result.ok() || result.addresses().length == 0)
        {
            throw ApiException.notFound("field '" + field + "': no pod '" + target + "' in namespace " + request.namespace() +
                ", and pod " + request.param("name") + "'s resolver could not resolve it: " +
                result.error() + " (tried " + String.join(", ", result.tried()) + ")");
        }
        return result.addresses()[0];
    }

    /** A pod by name: this node's own, else the one remote endpoint with that name. */
    private Endpoint findPod(final String namespace, final String name) throws InterruptedException
    {
        final List<Endpoint> named = Await.await(proxy.endpoints(), quick, "looking up pod '" + name + "'").stream()
            .filter(endpoint -> name.equals(endpoint.pod()) && namespace.equals(endpoint.namespace()))
            .toList();
        if (named.isEmpty())
        {
            throw ApiException.notFound("no pod '" + name + "' in namespace " + namespace + " on node " + nodeName +
                " or among its endpoints");
        }
        for (final Endpoint endpoint : named)
        {
            if (nodeName.equals(endpoint.node()))
            {
                return endpoint;
            }
        }
        if (named.size() > 1)
        {
            throw ApiException.badRequest("pod name '" + name + "' is ambiguous: it runs on nodes " +
                named.stream().map(Endpoint::node).toList() + "; give its IP instead");
        }
        return named.get(0);
    }
}
