package dev.podnet.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.controlplane.services.EndpointAddressInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.ServiceControl;
import dev.podnet.controlplane.services.ServiceEndpointsInfo;
import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.controlplane.services.ServiceRegistry;
import dev.podnet.controlplane.services.ServiceView;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.PodSpec;
import dev.podnet.k8s.KubeObject;
import dev.podnet.k8s.Manifests;
import dev.podnet.k8s.Names;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kubernetes objects of the cluster API: namespaces, Services and their endpoints, and
 * {@code apply}/{@code delete} of manifests, in Kubernetes' paths.
 * <ul>
 *   <li>{@code GET/POST /api/v1/namespaces}, {@code GET/DELETE /api/v1/namespaces/{ns}} (a namespace's
 *       pods and Services go with it);</li>
 *   <li>{@code GET /api/v1/services}, {@code GET/POST /api/v1/namespaces/{ns}/services},
 *       {@code GET/DELETE /api/v1/namespaces/{ns}/services/{name}};</li>
 *   <li>{@code GET /api/v1/service-endpoints} (every namespace's), {@code GET /api/v1/namespaces/{ns}/endpoints[/{name}]}
 *       ({@code /api/v1/endpoints} stays what it was before Services: the answering node's endpoint table);</li>
 *   <li>{@code POST /api/v1/apply} and {@code POST /api/v1/delete}: a manifest (YAML or JSON, several
 *       documents), {@code ?namespace=} for objects that name none. Every document is parsed and
 *       validated before anything is changed; then each object is applied in order.</li>
 * </ul>
 * Namespaces and Services go to the service registry (a cluster singleton) through this node's
 * control plane; pods to the node that runs them, as the rest of the cluster API does.
 */
final class ServiceApi
{
    private static final Duration REGISTRY_BOUND = ServiceControl.ASK_TIMEOUT.plus(Await.GRACE);

    private final ClusterApi cluster;
    private final ServiceControl services;

    ServiceApi(final ClusterApi cluster, final ServiceControl services)
    {
        this.cluster = cluster;
        this.services = services;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/api/v1/namespaces", request -> ApiResponse.ok(view().namespaces().values().stream()
                .map(Views.Namespace::of).toList()))
            .add("POST", "/api/v1/namespaces", this::createNamespace)
            .add("GET", "/api/v1/namespaces/{namespace}", request -> ApiResponse.ok(Views.Namespace.of(namespace(request.namespace()))))
            .add("DELETE", "/api/v1/namespaces/{namespace}", this::deleteNamespace)
            .add("GET", "/api/v1/services", request -> ApiResponse.ok(serviceViews(null)))
            .add("GET", "/api/v1/namespaces/{namespace}/services", request -> ApiResponse.ok(serviceViews(request.namespace())))
            .add("POST", "/api/v1/namespaces/{namespace}/services", this::createService)
            .add("GET", "/api/v1/namespaces/{namespace}/services/{name}", request -> ApiResponse.ok(serviceView(service(request))))
            .add("DELETE", "/api/v1/namespaces/{namespace}/services/{name}", this::deleteService)
            .add("GET", "/api/v1/service-endpoints", request -> ApiResponse.ok(endpointViews(null)))
            .add("GET", "/api/v1/namespaces/{namespace}/endpoints", request -> ApiResponse.ok(endpointViews(request.namespace())))
            .add("GET", "/api/v1/namespaces/{namespace}/endpoints/{name}", request ->
                ApiResponse.ok(endpointView(service(request))))
            .add("POST", "/api/v1/apply", request -> manifest(request, false))
            .add("POST", "/api/v1/delete", request -> manifest(request, true));
    }

    private ServiceView view()
    {
        return services.view();
    }

    private NamespaceInfo namespace(final String name)
    {
        final NamespaceInfo namespace = view().namespaces().get(name);
        if (namespace == null)
        {
            throw ApiException.notFound("namespaces \"" + name + "\" not found");
        }
        return namespace;
    }

    private ServiceInfo service(final ApiRequest request)
    {
        final ServiceInfo service = view().services().get(request.namespace() + "/" + request.param("name"));
        if (service == null)
        {
            throw ApiException.notFound("services \"" + request.param("name") + "\" not found in namespace " + request.namespace());
        }
        return service;
    }

    private List<Views.Service> serviceViews(final String namespace)
    {
        final List<Views.Service> result = new ArrayList<>();
        for (final ServiceInfo service : view().services().values())
        {
            if (namespace == null || namespace.equals(service.namespace()))
            {
                result.add(serviceView(service));
            }
        }
        return result;
    }

    private Views.Service serviceView(final ServiceInfo service)
    {
        return Views.Service.of(service, view().endpoints().get(service.key()));
    }

    private List<Views.Endpoints> endpointViews(final String namespace)
    {
        final List<Views.Endpoints> result = new ArrayList<>();
        for (final ServiceInfo service : view().services().values())
        {
            if (namespace == null || namespace.equals(service.namespace()))
            {
                result.add(endpointView(service));
            }
        }
        return result;
    }

    private Views.Endpoints endpointView(final ServiceInfo service)
    {
        return Views.Endpoints.of(service, view().endpoints().get(service.key()));
    }

    // ---------------------------------------------------------------- changes

    private static ServiceRegistry.RegistryReply ask(final java.util.concurrent.CompletionStage<ServiceRegistry.RegistryReply> reply,
        final String what) throws InterruptedException
    {
        try
        {
            return reply.toCompletableFuture().get(REGISTRY_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new ApiException(503, "unavailable", what + ": the service registry did not answer in time (" +
                (ex.getCause() == null ? ex : ex.getCause()).getClass().getSimpleName() + "): retry");
        }
    }

    /** The registry's refusal as the API's error. */
    private static ApiException refused(final ServiceRegistry.RegistryReply reply)
    {
        final String error = switch (reply.status())
        {
            case 400 -> "bad-request";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 409 -> "conflict";
            case 422 -> "invalid";
            default -> "unavailable";
        };
        return new ApiException(reply.status(), error, reply.error());
    }

    private ApiResponse createNamespace(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("name", "labels");
        final String name = body.requiredString("name");
        final String problem = Names.dnsLabelProblem(name);
        if (problem != null)
        {
            throw ApiException.badRequest("field 'name': '" + name + "': " + problem);
        }
        final ServiceRegistry.RegistryReply reply = ask(services.applyNamespace(new NamespaceInfo(name, body.optionalLabels("labels"), 0)),
            "creating namespace " + name);
        if (!reply.ok())
        {
            throw refused(reply);
        }
        if ("unchanged".equals(reply.outcome()))
        {
            throw new ApiException(409, "conflict", "namespaces \"" + name + "\" already exists");
        }
        return ApiResponse.created(Views.Namespace.of(reply.namespace()));
    }

    private ApiResponse deleteNamespace(final ApiRequest request) throws Exception
    {
        final String name = request.namespace();
        namespace(name);
        if (NamespaceInfo.BUILT_IN.contains(name))
        {
            throw new ApiException(403, "forbidden", "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted");
        }
        for (final Endpoint pod : cluster.directory().podsIn(name))
        {
            try
            {
                deletePod(request, pod.namespace(), pod.pod());
            }
            catch (final ApiException ex)
            {
                if (ex.status() != 404)
                {
                    throw ex; // a pod deleted a moment ago may still be listed: it is gone all the same
                }
            }
        }
        final ServiceRegistry.RegistryReply reply = ask(services.deleteNamespace(name), "deleting namespace " + name);
        if (!reply.ok())
        {
            throw refused(reply);
        }
        return ApiResponse.noContent();
    }

    private ApiResponse createService(final ApiRequest request) throws InterruptedException
    {
        final List<KubeObject> objects = Manifests.parse(request.body(), request.namespace(), true);
        if (objects.size() != 1 || !(objects.get(0) instanceof KubeObject.Service service))
        {
            throw ApiException.badRequest("expected one v1 Service object (YAML or JSON)");
        }
        final ServiceRegistry.RegistryReply reply = ask(services.applyService(service.service()), "creating " + service.reference());
        if (!reply.ok())
        {
            throw refused(reply);
        }
        if (!"created".equals(reply.outcome()))
        {
            throw new ApiException(409, "conflict", "services \"" + service.name() + "\" already exists (use apply to change it)");
        }
        return ApiResponse.created(Views.Service.of(reply.service(), null));
    }

    private ApiResponse deleteService(final ApiRequest request) throws InterruptedException
    {
        final ServiceRegistry.RegistryReply reply = ask(services.deleteService(request.namespace(), request.param("name")),
            "deleting service " + request.param("name"));
        if (!reply.ok())
        {
            throw refused(reply);
        }
        return ApiResponse.noContent();
    }

    // ---------------------------------------------------------------- manifests

    /** {@code apply -f} or {@code delete -f}: every object in order; the first failure stops the rest. */
    private ApiResponse manifest(final ApiRequest request, final boolean delete) throws Exception
    {
        final String given = request.query("namespace");
        if (given != null && Names.dnsLabelProblem(given) != null)
        {
            throw ApiException.badRequest("query parameter 'namespace': '" + given + "': " + Names.dnsLabelProblem(given));
        }
        final List<KubeObject> objects = Manifests.parse(request.body(), given, given != null);
        final List<Views.Applied> done = new ArrayList<>();
        for (final KubeObject object : delete ? reversed(objects) : objects)
        {
            try
            {
                done.add(delete ? delete(request, object) : apply(request, object));
            }
            catch (final ApiException ex)
            {
                done.add(new Views.Applied(object.kind(), object.namespace(), object.name(), null, object.warnings(), ex.getMessage()));
                return ApiResponse.json(ex.status(), new Views.AppliedFailure(ex.error(), object.reference() + ": " + ex.getMessage(),
                    done));
            }
        }
        return ApiResponse.ok(new Views.AppliedAll(done));
    }

    /** Objects are deleted in the reverse order of the file (a namespace after what is in it), as people write them. */
    private static List<KubeObject> reversed(final List<KubeObject> objects)
    {
        final List<KubeObject> result = new ArrayList<>(objects);
        java.util.Collections.reverse(result);
        return result;
    }

    private Views.Applied apply(final ApiRequest request, final KubeObject object) throws Exception
    {
        final String outcome;
        if (object instanceof KubeObject.Namespace namespace)
        {
            outcome = registry(services.applyNamespace(namespace.info()), object);
        }
        else if (object instanceof KubeObject.Service service)
        {
            outcome = registry(services.applyService(service.service()), object);
        }
        else
        {
            outcome = applyPod(request, (KubeObject.Pod)object);
        }
        return new Views.Applied(object.kind(), object.namespace(), object.name(), outcome, object.warnings(), null);
    }

    private String registry(final java.util.concurrent.CompletionStage<ServiceRegistry.RegistryReply> call, final KubeObject object)
        throws InterruptedException
    {
        final ServiceRegistry.RegistryReply reply = ask(call, object.reference());
        if (!reply.ok())
        {
            throw refused(reply);
        }
        return reply.outcome();
    }

    /**
     * A pod: created where {@code spec.nodeName} says (else placed) when it does not exist; given new
     * labels when only those changed; refused when the rest differs (a pod's spec is immutable in
     * Kubernetes too, but for its labels).
     */
    private String applyPod(final ApiRequest request, final KubeObject.Pod pod) throws Exception
    {
        final PodSpec spec = pod.spec();
        final ClusterDirectory directory = cluster.directory();
        final List<Endpoint> existing = directory.podsNamed(spec.namespace(), spec.name());
        if (existing.isEmpty())
        {
            final ObjectNode body = request.mapper().createObjectNode();
            body.put("name", spec.name());
            if (pod.nodeName() != null)
            {
                body.put("node", pod.nodeName());
            }
            final ObjectNode labels = body.putObject("labels");
            spec.labels().forEach(labels::put);
            final com.fasterxml.jackson.databind.node.ArrayNode ports = body.putArray("ports");
            spec.ports().forEach(port -> ports.addObject().put("name", port.name()).put("port", port.port())
                .put("protocol", port.protocol()));
            body.put("hostname", spec.hostname());
            body.put("subdomain", spec.subdomain());
            final ApiResponse created = cluster.createPod(request.to("POST", "/api/v1/namespaces/" + spec.namespace() + "/pods",
                request.mapper().writeValueAsBytes(body)).withParam("namespace", spec.namespace()));
            if (created.status() >= 300)
            {
                throw forwardedFailure(created);
            }
            return "created";
        }
        final Endpoint current = existing.get(0);
        if (pod.nodeName() != null && !pod.nodeName().equals(current.node()))
        {
            throw new ApiException(422, "invalid", "Pod \"" + spec.name() + "\" is invalid: spec.nodeName: Forbidden: pod updates may " +
                "not change fields other than labels (it runs on " + current.node() + ")");
        }
        if (directory.labels(current).equals(spec.labels()))
        {
            return "unchanged";
        }
        final ObjectNode body = request.mapper().createObjectNode();
        final ObjectNode labels = body.putObject("labels");
        spec.labels().forEach(labels::put);
        final ApiResponse relabelled = cluster.onPodOf(current, request.to("PUT", "/api/v1/namespaces/" + spec.namespace() + "/pods/" +
            spec.name() + "/labels", request.mapper().writeValueAsBytes(body)), cluster.local()::relabel);
        if (relabelled.status() >= 300)
        {
            throw forwardedFailure(relabelled);
        }
        return "configured";
    }

    private Views.Applied delete(final ApiRequest request, final KubeObject object) throws Exception
    {
        if (object instanceof KubeObject.Namespace)
        {
            deleteNamespace(request.to("DELETE", "/api/v1/namespaces/" + object.name(), new byte[0])
                .withParam("namespace", object.name()));
        }
        else if (object instanceof KubeObject.Service)
        {
            registry(services.deleteService(object.namespace(), object.name()), object);
        }
        else
        {
            deletePod(request, object.namespace(), object.name());
        }
        return new Views.Applied(object.kind(), object.namespace(), object.name(), "deleted", List.of(), null);
    }

    private void deletePod(final ApiRequest request, final String namespace, final String name) throws Exception
    {
        final Endpoint pod = cluster.directory().pod(namespace, name);
        final ApiResponse deleted = cluster.onPodOf(pod, request.to("DELETE", "/api/v1/namespaces/" + namespace + "/pods/" + name,
            new byte[0]), cluster.local()::deletePod);
        if (deleted.status() >= 300)
        {
            throw forwardedFailure(deleted);
        }
    }

    /** A failure another agent answered (or this one's pod routes), as an exception with its status. */
    private static ApiException forwardedFailure(final ApiResponse response)
    {
        String detail = "status " + response.status();
        if (response.json() instanceof Views.ErrorBody error)
        {
            detail = error.detail();
        }
        else if (response.bytes() != null)
        {
            detail = new String(response.bytes(), java.nio.charset.StandardCharsets.UTF_8);
            try
            {
                final com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    response.bytes());
                if (json != null && json.has("detail"))
                {
                    detail = json.get("detail").asText();
                }
            }
            catch (final java.io.IOException ex)
            {
                // keep the raw text
            }
        }
        return new ApiException(response.status(), response.status() == 404 ? "not-found" : "conflict", detail);
    }

    /** The ports an endpoint serves, by the Service's ports. */
    static List<String> endpointPorts(final ServiceInfo service, final EndpointAddressInfo address)
    {
        final List<String> ports = new ArrayList<>();
        for (int i = 0; i < service.ports().size() && i < address.targetPorts().size(); i++)
        {
            final ServicePortInfo port = service.ports().get(i);
            if (address.targetPorts().get(i) != 0)
            {
                ports.add(address.ip() + ":" + address.targetPorts().get(i) + "/" + port.protocol());
            }
        }
        return ports;
    }
}
