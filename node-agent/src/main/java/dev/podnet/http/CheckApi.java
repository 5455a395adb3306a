package dev.podnet.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.http.ConnectivityCheck.Pair;
import dev.podnet.http.ConnectivityCheck.Target;
import dev.podnet.packet.Ipv4Address;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/v1/check}: every pod to every pod, the way {@code pingall} does it in Mininet and the
 * network conformance tests do it in Kubernetes ({@link ConnectivityCheck}). The agent asked splits the
 * pods by node and has each node's agent check from its own pods, all at once
 * ({@code POST /api/v1/nodes/{node}/check}, {@code {sources, targets, timeoutMs}}); a node that does
 * not answer fails its pods' pairs with the reason. {@code GET /api/v1/check} shows the last result.
 */
final class CheckApi
{
    static final int DEFAULT_TIMEOUT_MS = 2_000;
    static final int MAX_TIMEOUT_MS = 10_000;
    static final int MAX_PODS = 4_096;

    /** A failed pair. */
    record Failure(String from, String to, String error)
    {
    }

    /**
     * A check's outcome: {@code pods} in matrix order, {@code matrix} every pair, {@code failed} the failed
     * ones; {@code node} is the agent that ran it.
     */
    record Result(String node, String startedAt, long durationMs, List<String> pods, int pairs, int ok,
                  List<Failure> failed, List<Pair> matrix, List<String> services)
    {
    }

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final ClusterApi cluster;
    private final ConnectivityCheck check;
    private final Forwarder forwarder;
    private final String self;
    private volatile Result last;

    CheckApi(final ClusterApi cluster, final DataPlaneProxy proxy, final Forwarder forwarder, final String self)
    {
        this.cluster = cluster;
        this.check = new ConnectivityCheck(proxy);
        this.forwarder = forwarder;
        this.self = self;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("POST", "/api/v1/check", this::checkAll)
            .add("GET", "/api/v1/check", this::lastResult)
            .add("POST", "/api/v1/nodes/{node}/check", request -> cluster.onNode(request, this::checkFromHere));
    }

    private ApiResponse lastResult(final ApiRequest request)
    {
        final Result result = last;
        if (result == null)
        {
            throw ApiException.notFound("no connectivity check has run on node " + self + " yet (POST /api/v1/check)");
        }
        return ApiResponse.ok(result);
    }

    private ApiResponse checkAll(final ApiRequest request) throws Exception
    {
        final int timeoutMs = request.body().length == 0 ? DEFAULT_TIMEOUT_MS :
            request.json("timeoutMs").optionalInt("timeoutMs", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
        final Duration timeout = Duration.ofMillis(timeoutMs);
        final ClusterDirectory directory = cluster.directory();
        final List<Target> targets = new ArrayList<>();
        final Map<String, List<Target>> sourcesByNode = new LinkedHashMap<>();
        final java.util.Set<String> realPodIps = new java.util.HashSet<>();
        for (final Endpoint pod : directory.pods())
        {
            final Target target = new Target(pod.reference(), Ipv4Address.format(pod.ip()), pod.netns());
            targets.add(target);
            if (target.real())
            {
                realPodIps.add(target.ip());
            }
            sourcesByNode.computeIfAbsent(pod.node(), node -> new ArrayList<>()).add(target);
        }
        final int podCount = targets.size();
        targets.addAll(serviceTargets(cluster.services(), realPodIps));
        final Instant startedAt = Instant.now();
        final long start = System.nanoTime();
        final Duration bound = ConnectivityCheck.bound(targets.size(), timeout);

        final List<CompletableFuture<List<Pair>>> perNode = new ArrayList<>();
        for (final Map.Entry<String, List<Target>> entry : sourcesByNode.entrySet())
        {
            perNode.add(checkFrom(directory, entry.getKey(), entry.getValue(), targets, timeoutMs, bound));
        }
        final List<Pair> pairs = new ArrayList<>();
        for (final CompletableFuture<List<Pair>> future : perNode)
        {
            pairs.addAll(Await.await(future, bound.plus(Await.GRACE), "the connectivity check"));
        }

        final List<Failure> failed = pairs.stream()
            .filter(pair -> !pair.ok())
            .map(pair -> new Failure(pair.from(), pair.to(), pair.error()))
            .toList();
        final Result result = new Result(self, startedAt.toString(), (System.nanoTime() - start) / 1_000_000,
            targets.subList(0, podCount).stream().map(Target::name).toList(), pairs.size(), pairs.size() - failed.size(), failed, pairs,
            targets.subList(podCount, targets.size()).stream().map(Target::name).toList());
        last = result;
        return ApiResponse.ok(result);
    }

    /**
     * The Services a pod can check: a ClusterIP, a UDP port onto netexec's 8081 and ready endpoints
     * (named {@code name.namespace}, as a pod of another namespace would reach them). A Service that selects a
     * real pod ({@code realPodIps}) is left out: that pod runs what its user runs, not netexec.
     */
    static List<Target> serviceTargets(final dev.podnet.controlplane.services.ServiceView view, final java.util.Set<String> realPodIps)
    {
        final List<Target> services = new ArrayList<>();
        for (final dev.podnet.controlplane.services.ServiceInfo service : view.services().values())
        {
            final dev.podnet.controlplane.services.ServiceEndpointsInfo endpoints = view.endpoints().get(service.key());
            if (service.headless() || service.clusterIp().isEmpty() || endpoints == null || endpoints.addresses().isEmpty() ||
                endpoints.addresses().stream().anyMatch(address -> realPodIps.contains(address.ip())))
            {
                continue;
            }
            for (int i = 0; i < service.ports().size(); i++)
            {
                final int index = i;
                final List<String> expected = endpoints.addresses().stream()
                    .filter(address -> index < address.targetPorts().size() && address.targetPorts().get(index) == 8081)
                    .map(dev.podnet.controlplane.services.EndpointAddressInfo::pod)
                    .toList();
                if ("UDP".equals(service.ports().get(i).protocol()) && expected.size() == endpoints.addresses().size())
                {
                    services.add(new Target(service.name() + "." + service.namespace() + ":" + service.ports().get(i).port(),
                        service.clusterIp(), null, service.ports().get(i).port(), expected));
                    break;
                }
            }
        }
        return services;
    }

    /** Pairs from {@code sources} (pods of {@code node}): here, or by that node's agent; never a failed future. */
    private CompletableFuture<List<Pair>> checkFrom(
        final ClusterDirectory directory, final String node, final List<Target> sources, final List<Target> targets,
        final int timeoutMs, final Duration bound)
    {
        if (node.equals(self))
        {
            return check.run(sources, targets, Duration.ofMillis(timeoutMs))
                .exceptionally(failure -> allFailed(sources, targets, "check failed on node " + node + ": " + failure));
        }
        final String api;
        final byte[] body;
        try
        {
            api = directory.apiAddress(node);
            body = mapper.writeValueAsBytes(Map.of(
                "sources", sources.stream().map(Target::name).toList(),
                "targets", targets,
                "timeoutMs", timeoutMs));
        }
        catch (final ApiException | IOException ex)
        {
            return CompletableFuture.completedFuture(allFailed(sources, targets, "node " + node + ": " + ex.getMessage()));
        }
        return forwarder.postAsync(node, api, "/api/v1/nodes/" + node + "/check", body, bound)
            .thenApply(response -> pairs(node, response, sources, targets))
            .exceptionally(failure -> allFailed(sources, targets,
                Forwarder.unreachable(node, api, failure.getCause() == null ? failure : failure.getCause()).getMessage()));
    }

    private List<Pair> pairs(
        final String node, final HttpResponse<byte[]> response, final List<Target> sources, final List<Target> targets)
    {
        try
        {
            final JsonNode json = mapper.readTree(response.body());
            if (response.statusCode() != 200)
            {
                return allFailed(sources, targets, "node " + node + " answered " + response.statusCode() + ": " +
                    json.path("detail").asText(""));
            }
            final List<Pair> pairs = new ArrayList<>();
            for (final JsonNode pair : json)
            {
                pairs.add(mapper.treeToValue(pair, Pair.class));
            }
            return pairs;
        }
        catch (final IOException ex)
        {
            return allFailed(sources, targets, "node " + node + " answered what is not a check result: " + ex.getMessage());
        }
    }

    private static List<Pair> allFailed(final List<Target> sources, final List<Target> targets, final String error)
    {
        final List<Pair> pairs = new ArrayList<>();
        for (final Target source : sources)
        {
            for (final Target target : targets)
            {
                if (!target.name().equals(source.name()))
                {
                    pairs.add(new Pair(source.name(), target.name(), false, 0, error));
                }
            }
        }
        return pairs;
    }

    /** {@code POST /api/v1/nodes/{self}/check}: pairs from this node's pods named in {@code sources}. */
    private ApiResponse checkFromHere(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("sources", "targets", "timeoutMs");
        final int timeoutMs = body.optionalInt("timeoutMs", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
        final JsonNode sourceNames = body.optionalArray("sources");
        final JsonNode targetNodes = body.optionalArray("targets");
        if (sourceNames == null || targetNodes == null)
        {
            throw ApiException.badRequest("fields 'sources' (pod names) and 'targets' ([{name, ip, netns?}]) are required");
        }
        if (sourceNames.size() > MAX_PODS || targetNodes.size() > MAX_PODS)
        {
            throw ApiException.badRequest("at most " + MAX_PODS + " sources and targets");
        }
        final List<Target> targets = new ArrayList<>();
        for (int i = 0; i < targetNodes.size(); i++)
        {
            final JsonNode node = targetNodes.get(i);
            final String name = JsonBody.text("targets", i, node, "name");
            final String ip = JsonBody.text("targets", i, node, "ip");
            final JsonNode netns = node.get("netns");
            final int port = node.path("port").asInt(0);
            final List<String> expected = new ArrayList<>();
            node.path("expected").forEach(pod -> expected.add(pod.asText()));
            if (port < 0 || port > 65535)
            {
                throw ApiException.badRequest("field 'targets[" + i + "].port': " + port + " outside 0..65535");
            }
            targets.add(new Target(name, Ipv4Address.format(ClusterDirectory.parseIp(ip, "targets[" + i + "].ip")),
                netns == null || !netns.isTextual() ? null : netns.textValue(), port, expected));
        }
        final List<Target> sources = new ArrayList<>();
        for (int i = 0; i < sourceNames.size(); i++)
        {
            final String name = JsonBody.text("sources", i, sourceNames.get(i));
            final Target source = targets.stream().filter(target -> target.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.badRequest("source pod '" + name + "' is not among the targets"));
            sources.add(source);
        }
        final Duration timeout = Duration.ofMillis(timeoutMs);
        return ApiResponse.ok(Await.await(check.run(sources, targets, timeout),
            ConnectivityCheck.bound(targets.size(), timeout), "checking from " + sources.size() + " pods"));
    }
}
