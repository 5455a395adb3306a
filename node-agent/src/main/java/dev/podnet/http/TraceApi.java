package dev.podnet.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.podnet.dataplane.DataPlaneException;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.PodSpec;
import dev.podnet.dns.DnsZone;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.pod.PingRequest;
import dev.podnet.trace.Hop;
import dev.podnet.trace.TraceFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/v1/trace}: a packet's walk, hop by hop, across nodes ({@code podnetctl trace}), as Antrea's
 * Traceflow or {@code ovs-appctl ofproto/trace} show it, but from the data plane's own stages reporting on the
 * real packet ({@link dev.podnet.trace.Tracer}).
 * <p>
 * The agent of the source pod's node arms a trace for the next packet the pod sends to the target (of the protocol
 * and port asked), then, unless {@code live}, has the pod send one: an ICMP echo request, a UDP datagram to the
 * port, or a TCP connect check (the handshake, then a reset) — a real ping, UDP call or connection of the pod's
 * stack, so the answer comes back traced as well. It waits for the answer (or {@code timeoutMs}), then gathers
 * what every node observed under the trace id ({@code GET /api/v1/nodes/{node}/traces/{id}}) and merges it by
 * time. With {@code live} it injects nothing and follows the next matching packet the pod sends by itself.
 * <p>
 * The target: a pod ({@code name} in the source pod's namespace, {@code ns/name}), an IPv4 address (a ClusterIP
 * too), or a name the source pod's own resolver looks up ({@code web.shop}: a Service), as {@code ping} takes it.
 * Through a Service the packet reaches whichever endpoint the Service stage chose: the trace says which.
 * <p>
 * The answer: every observation in order ({@code hops}), whether the packet reached the target and the reply came
 * back, and a drop explained in one line.
 */
final class TraceApi
{
    static final int DEFAULT_TIMEOUT_MS = 1_000;
    static final int DEFAULT_LIVE_TIMEOUT_MS = 10_000;
    static final int MAX_TIMEOUT_MS = 60_000;
    /** How long after the answer (or the first observation of a live packet) stragglers are waited for. */
    static final Duration SETTLE = Duration.ofMillis(150);
    private static final String POD = "pod ";
    private static final TypeReference<List<Hop>> HOPS = new TypeReference<>()
    {
    };

    /** One observation as the API shows it; {@code sinceStartUs} counts from the first. */
    record HopView(String node, String component, String action, String detail, String headers, String headersAfter,
                   long timeMicros, long sinceStartUs)
    {
    }

    /**
     * A trace: what was asked, every observation, whether the packet was {@code delivered} and the reply came back
     * ({@code replied}), the {@code verdict} in one line and, when it was dropped, the {@code drop} in one line.
     */
    record Result(String id, String from, String to, String toIp, String protocol, Integer port, boolean live,
                  boolean delivered, boolean replied, String deliveredTo, String tcp, String verdict, String drop, List<HopView> hops,
                  List<String> unanswered)
    {
    }

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final DataPlaneProxy proxy;
    private final String self;
    private final Duration quick;
    private final ClusterApi cluster;
    private final Forwarder forwarder;

    TraceApi(final DataPlaneProxy proxy, final String self, final Duration quick, final ClusterApi cluster, final Forwarder forwarder)
    {
        this.proxy = proxy;
        this.self = self;
        this.quick = quick;
        this.cluster = cluster;
        this.forwarder = forwarder;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("POST", "/api/v1/trace", this::trace)
            .add("GET", "/api/v1/traces/{id}", this::hopsHere);
        if (cluster != null)
        {
            dispatcher.add("GET", "/api/v1/nodes/{node}/traces/{id}", request -> cluster.onNode(request, this::hopsHere));
        }
    }

    private ApiResponse hopsHere(final ApiRequest request)
    {
        return ApiResponse.ok(proxy.traceHops(parseId(request.param("id"))));
    }

    private static int parseId(final String text)
    {
        try
        {
            return (int)Long.parseLong(text, 16);
        }
        catch (final NumberFormatException ex)
        {
            throw ApiException.badRequest("trace id '" + text + "' is not hexadecimal (e.g. 5f3a09c1)");
        }
    }

    private ApiResponse trace(final ApiRequest request) throws Exception
    {
        final JsonBody body = request.json("from", "to", "protocol", "port", "size", "live", "timeoutMs");
        final String from = body.requiredString("from");
        final String to = body.requiredString("to");
        final String protocol = body.optionalString("protocol") == null ? "icmp" :
            body.optionalString("protocol").toLowerCase(Locale.ROOT);
        final boolean live = body.optionalBoolean("live", false);
        final int timeoutMs = body.optionalInt("timeoutMs", live ? DEFAULT_LIVE_TIMEOUT_MS : DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
        final int protocolNumber;
        switch (protocol)
        {
            case "icmp":
                protocolNumber = Ipv4Flyweight.PROTOCOL_ICMP;
                break;
            case "udp":
                protocolNumber = Ipv4Flyweight.PROTOCOL_UDP;
                break;
            case "tcp":
                protocolNumber = Ipv4Flyweight.PROTOCOL_TCP;
                break;
            default:
                throw ApiException.badRequest("field 'protocol': '" + protocol + "' (expected: icmp, udp or tcp)");
        }
        final Integer port = protocolNumber == Ipv4Flyweight.PROTOCOL_ICMP ? null :
            (Integer)body.requiredInt("port", 1, 65535);
        if (protocolNumber == Ipv4Flyweight.PROTOCOL_ICMP && body.optionalInt("port", 0, 0, 65535) != 0)
        {
            throw ApiException.badRequest("field 'port': ICMP has no ports");
        }
        final int size = body.optionalInt("size", PingRequest.DEFAULT_SIZE, 0, 1400);

        final List<Endpoint> pods = pods();
        final Endpoint source = find(pods, PodSpec.DEFAULT_NAMESPACE, from, "from");
        if (source == null)
        {
            throw ApiException.notFound("field 'from': no pod '" + from + "'");
        }
        if (cluster != null && !source.node().equals(self))
        {
            if (request.forwarded())
            {
                throw new ApiException(409, "conflict", "pod " + source.pod() + " is not on node " + self + " (retry)");
            }
            final ClusterDirectory directory = cluster.directory();
            return forwarder.forward(source.node(), directory.apiAddress(source.node()), request,
                Duration.ofMillis(timeoutMs).plus(ClusterApi.FORWARD_QUICK));
        }
        if (!source.node().equals(self))
        {
            throw ApiException.notFound("pod '" + from + "' is not on node " + self + " (static mode: only its own pods)");
        }
        final int targetIp = targetIp(pods, source, to);
        final Endpoint target = pods.stream().filter(pod -> pod.ip() == targetIp).findFirst().orElse(null);

        final int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        final Duration timeout = Duration.ofMillis(timeoutMs);
        Await.await(proxy.armTrace(key(source), id, new TraceFilter(source.ip(), targetIp, protocolNumber, port == null ? 0 : port),
            timeout), quick, "arming the trace");
        String tcp = null;
        if (live)
        {
            awaitLive(id, timeout);
        }
        else
        {
            final CompletableFuture<?> injected;
            switch (protocolNumber)
            {
                case Ipv4Flyweight.PROTOCOL_ICMP:
                    injected = proxy.ping(key(source), new PingRequest(targetIp, 1, Duration.ZERO, size, false, timeout, 64));
                    break;
                case Ipv4Flyweight.PROTOCOL_UDP:
                    injected = proxy.udp(key(source), targetIp, port, payload(size), timeout);
                    break;
                default:
                    injected = proxy.tcpHandshake(key(source), targetIp, port, timeout);
                    break;
            }
            try
            {
                final Object outcome = injected.get(timeoutMs + Await.GRACE.toMillis(), TimeUnit.MILLISECONDS);
                tcp = protocolNumber == Ipv4Flyweight.PROTOCOL_TCP ? (String)outcome : null;
            }
            catch (final ExecutionException ex)
            {
                if (ex.getCause() instanceof DataPlaneException refused)
                {
                    // nothing was sent (a real pod: its kernel sends its packets, not the data plane)
                    Await.await(proxy.disarmTrace(id), quick, "disarming the trace");
                    throw new DataPlaneException(refused.kind(), refused.getMessage() +
                        "; to trace what it sends by itself, use live: true");
                }
                // else the trace says what happened to the packet; the tool's own failure adds nothing
            }
            catch (final TimeoutException ex)
            {
                // the trace says what happened to the packet
            }
            Thread.sleep(SETTLE.toMillis());
        }
        final List<String> unanswered = new ArrayList<>();
        final List<Hop> hops = gather(id, unanswered);
        return ApiResponse.ok(result(id, source, to, targetIp, target, protocol, port, live, tcp, hops, unanswered));
    }

    /** Waits for the live packet's first observation (else 504), then for what follows it. */
    private void awaitLive(final int id, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (proxy.traceHops(id).isEmpty())
        {
            if (System.nanoTime() > deadline)
            {
                Await.await(proxy.disarmTrace(id), quick, "disarming the trace");
                throw new ApiException(504, "timeout", "no matching packet within " + timeout.toMillis() + " ms");
            }
            Thread.sleep(10);
        }
        Thread.sleep(SETTLE.toMillis() + 500);
    }

    private static byte[] payload(final int size)
    {
        final byte[] payload = new byte[size];
        final byte[] text = "podnet trace ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++)
        {
            payload[i] = text[i % text.length];
        }
        return payload;
    }

    private List<Endpoint> pods() throws InterruptedException
    {
        return cluster != null ? cluster.directory().pods() : Await.await(proxy.endpoints(), quick, "listing pods");
    }

    /**
     * The pod {@code reference} names: its IPv4 address, {@code ns/name}, or a name in {@code namespace}; null when
     * none; 400 when a name is ambiguous.
     */
    private static Endpoint find(final List<Endpoint> pods, final String namespace, final String reference, final String field)
    {
        final boolean ip = ClusterDirectory.looksLikeIp(reference);
        final int address = ip ? ClusterDirectory.parseIp(reference, field) : 0;
        final int slash = reference.indexOf('/');
        final String podNamespace = slash > 0 ? reference.substring(0, slash) : namespace;
        final String name = slash > 0 ? reference.substring(slash + 1) : reference;
        final List<Endpoint> found = pods.stream()
            .filter(pod -> pod.pod() != null && (ip ? pod.ip() == address : name.equals(pod.pod()) && podNamespace.equals(pod.namespace())))
            .toList();
        if (found.size() > 1)
        {
            throw ApiException.badRequest("field '" + field + "': pod name '" + reference + "' is ambiguous; give its IP");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * The address {@code to} names from {@code source}: an IPv4 address, a pod ({@code ns/name}, or a name in the
     * source pod's namespace), else a name the source pod's resolver looks up (a Service's).
     */
    private int targetIp(final List<Endpoint> pods, final Endpoint source, final String to) throws InterruptedException
    {
        if (ClusterDirectory.looksLikeIp(to))
        {
            return ClusterDirectory.parseIp(to, "to");
        }
        final Endpoint pod = find(pods, source.namespace(), to, "to");
        if (pod != null)
        {
            return pod.ip();
        }
        if (to.indexOf('/') > 0 || !NodeApi.HOSTNAME.matcher(to).matches())
        {
            throw ApiException.notFound("field 'to': no pod '" + to + "'");
        }
        final StubResolver.Result resolved;
        try
        {
            resolved = Await.await(proxy.resolve(key(source), to, DnsZone.TYPE_A), NodeApi.RESOLVE_BOUND, "resolving '" + to + "'");
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest("field 'to': '" + to + "' is not a domain name: " + ex.getMessage());
        }
        if (!resolved.ok() || resolved.addresses().length == 0)
        {
            throw ApiException.notFound("field 'to': no pod '" + to + "' in namespace " + source.namespace() + ", and pod " +
                key(source) + "'s resolver could not resolve it: " + resolved.error() + " (tried " +
                String.join(", ", resolved.tried()) + ")");
        }
        return resolved.addresses()[0];
    }

    /** A pod as the data plane and its traces name it: {@code name} in default, {@code ns/name} elsewhere. */
    private static String key(final Endpoint pod)
    {
        return PodSpec.DEFAULT_NAMESPACE.equals(pod.namespace()) ? pod.pod() : pod.namespace() + "/" + pod.pod();
    }

    /** This node's observations and every other node's, by time. */
    private List<Hop> gather(final int id, final List<String> unanswered) throws InterruptedException
    {
        final List<Hop> hops = new ArrayList<>(proxy.traceHops(id));
        if (cluster != null)
        {
            for (final ClusterApi.NodeAnswer answer :
                cluster.askOthers(node -> "/api/v1/nodes/" + node + "/traces/" + Integer.toHexString(id)))
            {
                try
                {
                    if (answer.error() != null)
                    {
                        unanswered.add(answer.node() + ": " + answer.error());
                    }
                    else
                    {
                        hops.addAll(mapper.readValue(answer.body(), HOPS));
                    }
                }
                catch (final IOException ex)
                {
                    unanswered.add(answer.node() + ": unreadable answer: " + ex.getMessage());
                }
            }
        }
        hops.sort(Comparator.comparingLong(Hop::timeMicros).thenComparing(Hop::node).thenComparingLong(Hop::seq));
        return hops;
    }

    /** Whether the pod that received hop {@code i} dropped it next as not its own (a flooded frame). */
    private static boolean notForIt(final List<Hop> hops, final int i)
    {
        final Hop received = hops.get(i);
        for (int j = i + 1; j < hops.size(); j++)
        {
            final Hop next = hops.get(j);
            if (next.node().equals(received.node()) && next.component().equals(received.component()))
            {
                return next.dropped() && next.detail().startsWith("not-for-host");
            }
        }
        return false;
    }

    private static Result result(
        final int id, final Endpoint source, final String to, final int targetIp, final Endpoint target, final String protocol,
        final Integer port, final boolean live, final String tcp, final List<Hop> hops, final List<String> unanswered)
    {
        final long start = hops.isEmpty() ? 0 : hops.get(0).timeMicros();
        final List<HopView> views = hops.stream().map(hop -> new HopView(hop.node(), hop.component(), hop.action(), hop.detail(),
            hop.headers(), hop.headersAfter(), hop.timeMicros(), hop.timeMicros() - start)).toList();
        final String sourceName = key(source);
        final String sourceComponent = POD + sourceName;
        // not a pod's address (a ClusterIP): whichever pod the packet reached (the endpoint the Service stage chose)
        final String targetComponent = target == null || target.pod() == null ? null : POD + key(target);
        int deliveredAt = -1;
        int repliedAt = -1;
        Hop drop = null;
        for (int i = 0; i < hops.size(); i++)
        {
            final Hop hop = hops.get(i);
            final boolean received = "received".equals(hop.action());
            final boolean atTarget = received && (targetComponent != null ? hop.component().equals(targetComponent) :
                hop.component().startsWith(POD) && !hop.component().equals(sourceComponent) && !notForIt(hops, i));
            final boolean routerItself = "answered".equals(hop.action()) && hop.detail().startsWith("an echo request to its own");
            if (deliveredAt < 0 && (atTarget || routerItself))
            {
                deliveredAt = i;
            }
            if (i > 0 && repliedAt < 0 && received && hop.component().equals(sourceComponent))
            {
                repliedAt = i;
            }
            if (drop == null && hop.dropped() && !hop.detail().startsWith("not-for-host"))
            {
                drop = hop;
            }
        }
        final boolean delivered = deliveredAt >= 0;
        final boolean replied = repliedAt >= 0;
        final String deliveredTo = delivered && hops.get(deliveredAt).component().startsWith(POD) ?
            hops.get(deliveredAt).component().substring(POD.length()) : null;
        final String dropLine = drop == null ? null : drop.node() + " " + drop.component() + ": " + drop.detail();
        final String targetName = targetComponent != null ? key(target) :
            deliveredTo != null ? deliveredTo + " (through " + Ipv4Address.format(targetIp) + ")" : Ipv4Address.format(targetIp);
        String verdict;
        if (hops.isEmpty())
        {
            verdict = live ? "no matching packet was seen" : "the packet was never seen leaving " + sourceName;
        }
        else if (delivered && replied)
        {
            verdict = "delivered to " + targetName + "; the answer came back to " + sourceName;
        }
        else if (delivered)
        {
            verdict = "delivered to " + targetName + (drop != null ? "; then dropped at " + dropLine : "; no answer came back");
        }
        else if (drop != null)
        {
            verdict = "dropped at " + dropLine + (replied ? "; " + sourceName + " got the error back" : "");
        }
        else
        {
            final Hop last = hops.get(hops.size() - 1);
            verdict = "not delivered: last seen at " + last.node() + " " + last.component() + " (" + last.action() + ")";
        }
        if (tcp != null)
        {
            verdict += "; TCP: " + tcp;
        }
        return new Result(Integer.toHexString(id), sourceName, to, Ipv4Address.format(targetIp), protocol, port, live,
            delivered, replied, deliveredTo, tcp, verdict, dropLine, views, unanswered);
    }
}
