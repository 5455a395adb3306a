package dev.podnet.http;

import dev.podnet.controlplane.services.LabelSelectorInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;
import dev.podnet.controlplane.services.ServiceControl;
import dev.podnet.controlplane.services.ServiceRegistry;
import dev.podnet.k8s.KubeObject;
import dev.podnet.k8s.Manifests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NetworkPolicies in Kubernetes' paths (group {@code networking.k8s.io}, version {@code v1}):
 * <ul>
 *   <li>{@code GET /apis/networking.k8s.io/v1/networkpolicies}: every namespace's;</li>
 *   <li>{@code GET/POST /apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies}: a namespace's, or a
 *       new one from a manifest (YAML or JSON; 409 when it exists: apply changes it);</li>
 *   <li>{@code GET/DELETE /apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/{name}};</li>
 *   <li>{@code GET /api/v1/policy/explain?from=NS/POD&to=NS/POD[&port=P][&protocol=TCP|UDP|SCTP|ICMP]}: whether policy
 *       allows a new connection and why ({@code podnetctl policy explain}), judged by the same compiler and
 *       evaluator the nodes run, for every pod at once.</li>
 * </ul>
 * They are stored by the service registry like Services ({@code POST /api/v1/apply} takes them too) and
 * shown in Kubernetes' own shape: {@code spec.podSelector}, {@code policyTypes} as defaulted,
 * {@code ingress[].from[]}, {@code egress[].to[]}, {@code ports[]}.
 */
final class PolicyApi
{
    static final String PREFIX = "/apis/networking.k8s.io/v1";

    private final ClusterApi cluster;
    private final ServiceControl services;

    PolicyApi(final ClusterApi cluster, final ServiceControl services)
    {
        this.cluster = cluster;
        this.services = services;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", PREFIX + "/networkpolicies", request -> ApiResponse.ok(views(null)))
            .add("GET", PREFIX + "/namespaces/{namespace}/networkpolicies", request -> ApiResponse.ok(views(request.namespace())))
            .add("POST", PREFIX + "/namespaces/{namespace}/networkpolicies", this::create)
            .add("GET", PREFIX + "/namespaces/{namespace}/networkpolicies/{name}", request -> ApiResponse.ok(view(policy(request))))
            .add("DELETE", PREFIX + "/namespaces/{namespace}/networkpolicies/{name}", this::delete)
            .add("GET", "/api/v1/policy/explain", this::explain);
    }

    private NetworkPolicyInfo policy(final ApiRequest request)
    {
        final NetworkPolicyInfo policy = services.view().policies().get(request.namespace() + "/" + request.param("name"));
        if (policy == null)
        {
            throw ApiException.notFound("networkpolicies.networking.k8s.io \"" + request.param("name") + "\" not found in namespace " +
                request.namespace());
        }
        return policy;
    }

    private List<Map<String, Object>> views(final String namespace)
    {
        final List<Map<String, Object>> result = new ArrayList<>();
        for (final NetworkPolicyInfo policy : services.view().policies().values())
        {
            if (namespace == null || namespace.equals(policy.namespace()))
            {
                result.add(view(policy));
            }
        }
        return result;
    }

    private ApiResponse create(final ApiRequest request) throws InterruptedException
    {
        final List<KubeObject> objects = Manifests.parse(request.body(), request.namespace(), true);
        if (objects.size() != 1 || !(objects.get(0) instanceof KubeObject.NetworkPolicy policy))
        {
            throw ApiException.badRequest("expected one networking.k8s.io/v1 NetworkPolicy object (YAML or JSON)");
        }
        final ServiceRegistry.RegistryReply reply = ServiceApi.ask(services.applyPolicy(policy.policy()), "creating " +
            policy.reference());
        if (!reply.ok())
        {
            throw ServiceApi.refused(reply);
        }
        if (!"created".equals(reply.outcome()))
        {
            throw new ApiException(409, "conflict", "networkpolicies.networking.k8s.io \"" + policy.name() + "\" already exists (use " +
                "apply to change it)");
        }
        return ApiResponse.created(view(policy.policy()));
    }

    private ApiResponse delete(final ApiRequest request) throws InterruptedException
    {
        final ServiceRegistry.RegistryReply reply = ServiceApi.ask(services.deletePolicy(request.namespace(), request.param("name")),
            "deleting networkpolicy " + request.param("name"));
        if (!reply.ok())
        {
            throw ServiceApi.refused(reply);
        }
        return ApiResponse.noContent();
    }

    /** The verdict on one pair, and why. */
    record Explanation(String from, String to, String protocol, int port, boolean allowed, String verdict, List<String> reasons)
    {
    }

    private ApiResponse explain(final ApiRequest request) throws InterruptedException
    {
        final dev.podnet.dataplane.Endpoint from = pod(request, "from");
        final dev.podnet.dataplane.Endpoint to = pod(request, "to");
        final String protocol = request.query("protocol") == null ? "TCP" : request.query("protocol").toUpperCase(java.util.Locale.ROOT);
        final int number = protocol.equals("ICMP") ? dev.podnet.policy.PolicyTable.PROTOCOL_ICMP :
            dev.podnet.policy.PolicyTable.protocolNumber(protocol);
        if (number < 0)
        {
            throw ApiException.badRequest("query parameter 'protocol': '" + protocol + "': expected TCP, UDP, SCTP or ICMP");
        }
        int port = 0;
        final String portText = request.query("port");
        if (portText != null && number != dev.podnet.policy.PolicyTable.PROTOCOL_ICMP)
        {
            try
            {
                port = Integer.parseInt(portText);
            }
            catch (final NumberFormatException ex)
            {
                port = -1;
            }
            if (port < 1 || port > 65535)
            {
                throw ApiException.badRequest("query parameter 'port': '" + portText + "': expected 1..65535");
            }
        }
        else if (number != dev.podnet.policy.PolicyTable.PROTOCOL_ICMP)
        {
            port = protocol.equals("UDP") ? 8081 : 8080; // netexec's
        }
        final dev.podnet.policy.PolicyTable table = cluster.clusterPolicies();
        final int verdict = table.judge(from.ip(), to.ip(), number, port);
        final String fromName = from.namespace() + "/" + from.pod();
        final String toName = to.namespace() + "/" + to.pod();
        return ApiResponse.ok(new Explanation(fromName, toName, protocol, port,
            verdict == dev.podnet.policy.PolicyTable.ALLOWED,
            verdict == dev.podnet.policy.PolicyTable.ALLOWED ? "allowed" : verdict == dev.podnet.policy.PolicyTable.DENIED_EGRESS ?
                "denied (egress)" : "denied (ingress)",
            table.explain(from.ip(), fromName, to.ip(), toName, number, port)));
    }

    /** The pod a query parameter names: {@code namespace/name}, an address, or a name in {@code ?namespace=} (default). */
    private dev.podnet.dataplane.Endpoint pod(final ApiRequest request, final String parameter) throws InterruptedException
    {
        final String value = request.query(parameter);
        if (value == null || value.isEmpty())
        {
            throw ApiException.badRequest("query parameter '" + parameter + "' is required: a pod, NAMESPACE/NAME or NAME in default");
        }
        return cluster.directory().pod(request.query("namespace") == null ? "default" : request.query("namespace"), value);
    }

    /** A policy in Kubernetes' shape (metadata flattened to name, namespace, labels, createdAt, as the other views). */
    static Map<String, Object> view(final NetworkPolicyInfo policy)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", policy.name());
        view.put("namespace", policy.namespace());
        view.put("labels", policy.labels());
        view.put("podSelector", selector(policy.podSelector()));
        final List<String> types = new ArrayList<>();
        if (policy.ingress())
        {
            types.add("Ingress");
        }
        if (policy.egress())
        {
            types.add("Egress");
        }
        view.put("policyTypes", types);
        view.put("ingress", rules(policy.ingressRules(), "from"));
        view.put("egress", rules(policy.egressRules(), "to"));
        view.put("createdAt", policy.createdAt());
        return view;
    }

    private static List<Map<String, Object>> rules(final List<NetworkPolicyInfo.Rule> rules, final String peersField)
    {
        final List<Map<String, Object>> result = new ArrayList<>();
        for (final NetworkPolicyInfo.Rule rule : rules)
        {
            final Map<String, Object> view = new LinkedHashMap<>();
            final List<Map<String, Object>> peers = new ArrayList<>();
            for (final NetworkPolicyInfo.Peer peer : rule.peers())
            {
                final Map<String, Object> peerView = new LinkedHashMap<>();
                if (peer.ipBlock())
                {
                    final Map<String, Object> block = new LinkedHashMap<>();
                    block.put("cidr", peer.cidr());
                    if (!peer.except().isEmpty())
                    {
                        block.put("except", peer.except());
                    }
                    peerView.put("ipBlock", block);
                }
                if (peer.podSelector() != null)
                {
                    peerView.put("podSelector", selector(peer.podSelector()));
                }
                if (peer.namespaceSelector() != null)
                {
                    peerView.put("namespaceSelector", selector(peer.namespaceSelector()));
                }
                peers.add(peerView);
            }
            if (!peers.isEmpty())
            {
                view.put(peersField, peers);
            }
            final List<Map<String, Object>> ports = new ArrayList<>();
            for (final NetworkPolicyInfo.Port port : rule.ports())
            {
                final Map<String, Object> portView = new LinkedHashMap<>();
                portView.put("protocol", port.protocol());
                if (!port.name().isEmpty())
                {
                    portView.put("port", port.name());
                }
                else if (port.port() != 0)
                {
                    portView.put("port", port.port());
                }
                if (port.endPort() != 0)
                {
                    portView.put("endPort", port.endPort());
                }
                ports.add(portView);
            }
            if (!ports.isEmpty())
            {
                view.put("ports", ports);
            }
            result.add(view);
        }
        return result;
    }

    private static Map<String, Object> selector(final LabelSelectorInfo selector)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        if (!selector.matchLabels().isEmpty())
        {
            view.put("matchLabels", selector.matchLabels());
        }
        if (!selector.matchExpressions().isEmpty())
        {
            final List<Map<String, Object>> expressions = new ArrayList<>();
            for (final LabelSelectorInfo.Requirement requirement : selector.matchExpressions())
            {
                final Map<String, Object> expression = new LinkedHashMap<>();
                expression.put("key", requirement.key());
                expression.put("operator", requirement.operator());
                if (!requirement.values().isEmpty())
                {
                    expression.put("values", requirement.values());
                }
                expressions.add(expression);
            }
            view.put("matchExpressions", expressions);
        }
        return view;
    }
}
