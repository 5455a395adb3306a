package dev.podnet.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.services.ServiceView;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The API of the whole cluster, served by every agent in cluster mode: nodes and pods as the control
 * plane knows them, and every operation on a pod or a node's tables carried out by the agent of the
 * node that owns it — this one, or another one the request is forwarded to ({@link Forwarder}).
 * <ul>
 *   <li>{@code GET /api/v1/nodes}, {@code GET /api/v1/nodes/{name}}: members and lease holders, with
 *       status {@code Ready}, {@code NotReady} or {@code Unreachable} and the reason;</li>
 *   <li>{@code GET /api/v1/nodes/{name}/fdb|routes|endpoints|drops}: that node's tables;</li>
 *   <li>{@code GET/POST /api/v1/pods}, {@code GET/DELETE /api/v1/pods/{name}},
 *       {@code POST /api/v1/pods/{name}/ping|traceroute|udp|http|tcp-perf}, {@code GET /api/v1/pods/{name}/arp|sockets}: any pod,
 *       by name or IP. A new pod goes to the node asked for, else to the Ready node with the fewest pods.</li>
 * </ul>
 * Registered before {@link NodeApi}, whose routes of the same paths it shadows (the node-local
 * {@code /api/v1/fdb}, {@code /routes}, {@code /endpoints}, {@code /drops} stay).
 */
final class ClusterApi implements AutoCloseable
{
    /** Marks a request another agent forwarded; its value is that agent's node name. */
    static final String FORWARDED_HEADER = "X-Podnet-Forwarded";
    /** Bound for a forwarded read or command: the other agent answers within its own bounds. */
    static final Duration FORWARD_QUICK = ApiServer.COMMAND_TIMEOUT.plus(Await.GRACE);
    /** Bound for a forwarded ping or traceroute, which may run as long as one request may. */
    /** How long a pod's creation waits to hear of its namespace (a few gossip rounds). */
    static final Duration NAMESPACE_WAIT = Duration.ofSeconds(3);
    static final Duration FORWARD_LONG = NodeApi.MAX_RUN_TIME.plus(Await.GRACE).plus(Await.GRACE);

    private final DataPlaneProxy proxy;
    private final String self;
    private final Supplier<ClusterView> view;
    private final NodeApi local;
    private final Forwarder forwarder;
    private final Duration quick;
    private final Prober prober;
    private final Supplier<ServiceView> services;

    ClusterApi(
        final DataPlaneProxy proxy, final String self, final Supplier<ClusterView> view, final Forwarder forwarder,
        final Duration commandTimeout)
    {
        this(proxy, self, view, () -> ServiceView.EMPTY, forwarder, commandTimeout);
    }

    /** @param services the Service objects this node knows (namespaces a pod may be created in) */
    ClusterApi(
        final DataPlaneProxy proxy, final String self, final Supplier<ClusterView> view, final Supplier<ServiceView> services,
        final Forwarder forwarder, final Duration commandTimeout)
    {
        this.proxy = proxy;
        this.self = self;
        this.view = view;
        this.services = services;
        // what this node does for its own pods, resolving targets from the cluster's table
        this.local = new NodeApi(proxy, self, commandTimeout, (namespace, name) -> directory().pod(namespace, name));
        this.forwarder = forwarder;
        this.quick = commandTimeout;
        this.prober = new Prober(proxy, this, self);
    }

    /** The Service objects this node knows. */
    dev.podnet.controlplane.services.ServiceView services()
    {
        return services.get();
    }

    /** This node's own routes, registered after these (whose paths they shadow). */
    NodeApi local()
    {
        return local;
    }

    /** Stops what runs in the background (probing). */
    @Override
    public void close()
    {
        prober.close();
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/api/v1/nodes", request -> ApiResponse.ok(directory().nodes()))
            .add("GET", "/api/v1/nodes/{node}", request -> ApiResponse.ok(directory().node(request.param("node"))))
            .add("GET", "/api/v1/nodes/{node}/fdb", request -> onNode(request, local::fdb))
            .add("GET", "/api/v1/nodes/{node}/routes", request -> onNode(request, local::routes))
            .add("GET", "/api/v1/nodes/{node}/endpoints", request -> onNode(request, local::endpoints))
            .add("GET", "/api/v1/nodes/{node}/drops", request -> onNode(request, local::drops))
            .add("GET", "/api/v1/nodes/{node}/conntrack", request -> onNode(request, local::conntrack))
            .add("GET", "/api/v1/pods", request -> pods(directory(), directory().pods()))
            .add("POST", "/api/v1/pods", this::createPod)
            .add("GET", "/api/v1/namespaces/{namespace}/pods", request ->
            {
                final ClusterDirectory directory = directory();
                return pods(directory, directory.podsIn(request.namespace()));
            })
            .add("POST", "/api/v1/namespaces/{namespace}/pods", this::createPod);
        for (final String pods : new String[] {"/api/v1/pods", "/api/v1/namespaces/{namespace}/pods"})
        {
            dispatcher
                .add("GET", pods + "/{name}", request ->
                {
                    final ClusterDirectory directory = directory();
                    final Endpoint pod = directory.pod(request.namespace(), request.param("name"));
                    return ApiResponse.ok(Views.Pod.of(pod, directory.labels(pod)));
                })
                .add("DELETE", pods + "/{name}", request -> onPod(request, FORWARD_QUICK, local::deletePod))
                .add("PUT", pods + "/{name}/labels", request -> onPod(request, FORWARD_QUICK, local::relabel))
                .add("POST", pods + "/{name}/ping", request -> onPod(request, FORWARD_LONG, local::ping))
                .add("POST", pods + "/{name}/traceroute", request -> onPod(request, FORWARD_LONG, local::traceroute))
                .add("POST", pods + "/{name}/udp", request -> onPod(request, FORWARD_LONG, local::udp))
                .add("POST", pods + "/{name}/nslookup", request -> onPod(request, FORWARD_LONG, local::nslookup))
                .add("GET", pods + "/{name}/arp", request -> onPod(request, FORWARD_QUICK, local::arp))
                .add("POST", pods + "/{name}/http", request -> onPod(request, FORWARD_LONG, local.tcp()::http))
                .add("POST", pods + "/{name}/tcp-perf", request -> onPod(request, FORWARD_LONG, local.tcp()::perf))
                .add("GET", pods + "/{name}/sockets", request -> onPod(request, FORWARD_QUICK, local.tcp()::sockets));
        }
        new CheckApi(this, proxy, forwarder, self).register(dispatcher);
        new CaptureApi(this, proxy, forwarder, self).register(dispatcher);
        new ProbeApi(this, prober).register(dispatcher);
        new LinksApi(proxy, self, quick, this).register(dispatcher);
        new TraceApi(proxy, self, quick, this, forwarder).register(dispatcher);
    }

    private static ApiResponse pods(final ClusterDirectory directory, final List<Endpoint> pods)
    {
        return ApiResponse.ok(pods.stream().map(pod -> Views.Pod.of(pod, directory.labels(pod))).toList());
    }

    /** The cluster now: the control plane's last view with this node's pods from its data plane. */
    ClusterDirectory directory() throws InterruptedException
    {
        final List<PodInfo> pods = Await.await(proxy.pods(), quick, "listing this node's pods");
        return new ClusterDirectory(self, view.get(), pods);
    }

    /** What another node answered a GET asked of every node at once: the body of its 200, else why there is none. */
    record NodeAnswer(String node, byte[] body, String error)
    {
    }

    /**
     * {@code GET pathOf(node)} on every other node's agent, all at once, each bounded by {@link #FORWARD_QUICK}: the
     * answers in node order (a node without an API address, or one that does not answer 200, with why).
     */
    List<NodeAnswer> askOthers(final java.util.function.Function<String, String> pathOf) throws InterruptedException
    {
        final List<String> names = new java.util.ArrayList<>();
        final List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<byte[]>>> pending = new java.util.ArrayList<>();
        final List<NodeAnswer> answers = new java.util.ArrayList<>();
        for (final Views.Node node : directory().nodes())
        {
            if (node.name().equals(self))
            {
                continue;
            }
            if (node.api() == null)
            {
                answers.add(new NodeAnswer(node.name(), null, "no API address (no lease)"));
                continue;
            }
            names.add(node.name());
            pending.add(forwarder.getAsync(node.api(), pathOf.apply(node.name()), FORWARD_QUICK));
        }
        for (int i = 0; i < names.size(); i++)
        {
            try
            {
                final java.net.http.HttpResponse<byte[]> response =
                    pending.get(i).get(FORWARD_QUICK.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                answers.add(response.statusCode() == 200 ? new NodeAnswer(names.get(i), response.body(), null) :
                    new NodeAnswer(names.get(i), null, "HTTP " + response.statusCode() + ": " +
                        new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
            }
            catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
            {
                final Throwable cause = ex instanceof java.util.concurrent.ExecutionException ? ex.getCause() : ex;
                answers.add(new NodeAnswer(names.get(i), null,
                    cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
            }
        }
        return answers;
    }

    /** A node's table: this node's from its data plane, another's from its agent. */
    ApiResponse onNode(final ApiRequest request, final Dispatcher.Handler handler) throws Exception
    {
        final String node = request.param("node");
        if (node.equals(self))
        {
            return handler.handle(request);
        }
        final ClusterDirectory directory = directory();
        directory.node(node); // 404 for a node nobody knows
        if (request.forwarded())
        {
            throw misdirected(request, "node " + node);
        }
        return forwarder.forward(node, directory.apiAddress(node), request, FORWARD_QUICK);
    }

    /** {@code handler} for {@code pod} (found already) on its node: here, or forwarded to its agent. */
    ApiResponse onPodOf(final Endpoint pod, final ApiRequest request, final Dispatcher.Handler handler) throws Exception
    {
        if (pod.node().equals(self))
        {
            return handler.handle(request.withParam("name", pod.pod()).withParam("namespace", pod.namespace()));
        }
        return forwarder.forward(pod.node(), directory().apiAddress(pod.node()), request, FORWARD_QUICK);
    }

    /** An operation on a pod: carried out here when the pod is this node's, else by its node's agent. */
    private ApiResponse onPod(final ApiRequest request, final Duration bound, final Dispatcher.Handler handler)
        throws Exception
    {
        final ClusterDirectory directory = directory();
        final Endpoint pod = directory.pod(request.namespace(), request.param("name"));
        if (pod.node().equals(self))
        {
            return handler.handle(request.withParam("name", pod.pod()).withParam("namespace", pod.namespace()));
        }
        if (request.forwarded())
        {
            throw misdirected(request, "pod " + pod.pod());
        }
        return forwarder.forward(pod.node(), directory.apiAddress(pod.node()), request, bound);
    }

    ApiResponse createPod(final ApiRequest request) throws Exception
    {
        final JsonBody body = request.json("name", "node", "netns", "ifname", "labels", "ports", "hostname", "subdomain");
        final String name = body.requiredString("name");
        final boolean real = body.optionalTrueOrString("netns", name) != null;
        // a real pod's namespace is on the machine of the agent asked, unless another node is named
        final String node = body.optionalString("node") != null ? body.optionalString("node") : real ? self : null;
        body.optionalLabels("labels");
        NodeApi.ports(body);
        if (!NodeConfig.isDnsLabel(name))
        {
            throw ApiException.badRequest("field 'name': '" + name + "' is not a DNS-1123 label (lower-case letters, " +
                "digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
        final String namespace = request.namespace();
        if (!namespaceExists(namespace))
        {
            throw ApiException.notFound("namespaces \"" + namespace + "\" not found");
        }
        final ClusterDirectory directory = directory();
        final List<Endpoint> taken = directory.podsNamed(namespace, name);
        if (!taken.isEmpty())
        {
            throw new ApiException(409, "conflict", "pod '" + name + "' already exists in namespace " + namespace + " on node " +
                taken.get(0).node());
        }
        final Views.Node target = node == null ? place(directory) : directory.node(node);
        if (!ClusterDirectory.READY.equals(target.status()))
        {
            throw new ApiException(503, "unavailable", "node " + target.name() + " cannot host pods: it is " +
                target.status() + " (" + target.reason() + ")");
        }
        if (target.name().equals(self))
        {
            return local.createPod(request.namespace(), name, body);
        }
        if (request.forwarded())
        {
            throw misdirected(request, "node " + target.name());
        }
        final ObjectNode forwarded = (ObjectNode)request.mapper().readTree(request.body());
        forwarded.put("node", target.name());
        return forwarder.forward(target.name(), target.api(), request.withBody(request.mapper().writeValueAsBytes(forwarded)),
            FORWARD_QUICK);
    }

    /**
     * Whether {@code namespace} exists as this node sees it, waiting a moment for one it does not see yet:
     * the registry confirms a namespace once a majority has it, this node may hear of it a gossip round
     * later (an {@code apply} of a namespace and its pods must not trip over that).
     */
    private boolean namespaceExists(final String namespace) throws InterruptedException
    {
        final long deadline = System.nanoTime() + NAMESPACE_WAIT.toNanos();
        while (true)
        {
            final ServiceView known = services.get();
            if (known.namespaces().isEmpty() || known.namespaces().containsKey(namespace))
            {
                return true; // empty: no Service objects known yet (static mode, or before the first view)
            }
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** Where a pod goes when nobody said: the Ready node with the fewest pods, this one on a tie. */
    private Views.Node place(final ClusterDirectory directory)
    {
        final Map<String, Integer> counts = directory.podsPerNode();
        return directory.nodes().stream()
            .filter(node -> ClusterDirectory.READY.equals(node.status()))
            .min(Comparator.<Views.Node>comparingInt(node -> counts.getOrDefault(node.name(), 0))
                .thenComparing(node -> !node.name().equals(self))
                .thenComparing(Views.Node::name))
            .orElseThrow(() -> new ApiException(503, "unavailable", "no node is Ready to host a pod"));
    }

    /** A forwarded request for something this node does not own (the views of the two agents differ). */
    private ApiException misdirected(final ApiRequest request, final String what)
    {
        return new ApiException(409, "conflict", what + " is not on node " + self +
            " (the forwarding agent's view differs from this one's; retry)");
    }
}
