package dev.podnet.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.dataplane.ContainerPort;
import dev.podnet.dataplane.PodSpec;
import dev.podnet.packet.Ipv4Address;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes manifests as users write them — YAML or JSON, several documents per file ({@code ---}),
 * or a {@code v1 List} — parsed with Jackson's YAML module (SnakeYAML underneath) and validated once,
 * at the edge, into podnet's records ({@link KubeObject}).
 * <p>
 * What is understood: {@code v1 Namespace} (name, labels), {@code v1 Pod} (name, namespace, labels;
 * {@code spec.nodeName} places it; {@code spec.hostname}, {@code spec.subdomain} and the containers'
 * {@code ports} are used; the rest of a real pod spec is accepted and ignored, with a warning: every
 * emulated pod runs netexec), {@code v1 Service} (selector, type ClusterIP or NodePort, clusterIP
 * including {@code None}, ports with name, protocol, port, targetPort by number or name, nodePort,
 * sessionAffinity and its timeout; Kubernetes fields podnet does not emulate, such as
 * {@code externalTrafficPolicy}, are accepted with a warning). An unknown kind, an unknown field, or a
 * field of the wrong type or value is a {@link ManifestException} naming the document, the object and
 * the field; nothing is applied from a manifest with any error.
 */
public final class Manifests
{
    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder().build())
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .build();
    private static final int MAX_DOCUMENTS = 500;

    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");
    private static final Set<String> METADATA = Set.of("name", "namespace", "labels", "annotations");
    private static final Set<String> METADATA_IGNORED = Set.of("uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields", "selfLink");
    private static final Set<String> SERVICE_SPEC = Set.of("selector", "type", "clusterIP", "clusterIPs", "ports", "sessionAffinity",
        "sessionAffinityConfig");
    private static final Set<String> SERVICE_SPEC_IGNORED = Set.of("externalTrafficPolicy", "internalTrafficPolicy", "ipFamilies",
        "ipFamilyPolicy", "publishNotReadyAddresses", "externalIPs", "loadBalancerIP", "loadBalancerSourceRanges", "externalName",
        "healthCheckNodePort", "allocateLoadBalancerNodePorts", "loadBalancerClass", "trafficDistribution");
    private static final Set<String> SERVICE_PORT = Set.of("name", "protocol", "port", "targetPort", "nodePort", "appProtocol");
    private static final Set<String> CONTAINER_PORT = Set.of("name", "containerPort", "protocol", "hostPort", "hostIP");

    private Manifests()
    {
    }

    /**
     * Every object of a manifest, in order.
     *
     * @param defaultNamespace the namespace of objects that name none ({@code kubectl -n}); null: {@code default}
     * @param namespaceGiven   whether {@code defaultNamespace} was asked for explicitly: an object naming another
     *                         one is then an error, as kubectl makes it
     * @throws ManifestException naming the document and field of the first error
     */
    public static List<KubeObject> parse(final byte[] manifest, final String defaultNamespace, final boolean namespaceGiven)
    {
        final String namespace = defaultNamespace == null || defaultNamespace.isEmpty() ? PodSpec.DEFAULT_NAMESPACE : defaultNamespace;
        final List<KubeObject> objects = new ArrayList<>();
        int index = 0;
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(manifest))
        {
            while (documents.hasNextValue())
            {
                final JsonNode document = documents.nextValue();
                index++;
                if (index > MAX_DOCUMENTS)
                {
                    throw new ManifestException("more than " + MAX_DOCUMENTS + " documents in one manifest");
                }
                if (document == null || document.isNull() || document.isMissingNode() || (document.isTextual() && document.asText().isEmpty()))
                {
                    continue; // an empty document (a trailing ---)
                }
                final String where = "document " + index;
                if (!document.isObject())
                {
                    throw new ManifestException(where + ": expected an object with apiVersion and kind, got " + kind(document));
                }
                if ("List".equals(document.path("kind").asText()))
                {
                    final JsonNode items = document.path("items");
                    if (!items.isArray())
                    {
                        throw new ManifestException(where + " (List): items: expected an array, got " + kind(items));
                    }
                    for (int i = 0; i < items.size(); i++)
                    {
                        objects.add(object(items.get(i), where + ", item " + (i + 1), namespace, namespaceGiven));
                    }
                    continue;
                }
                objects.add(object(document, where, namespace, namespaceGiven));
            }
        }
        catch (final JsonProcessingException ex)
        {
            final String location = ex.getLocation() == null ? "" :
                " at line " + ex.getLocation().getLineNr() + ", column " + ex.getLocation().getColumnNr();
            throw new ManifestException("document " + Math.max(1, index + 1) + ": not valid YAML or JSON" + location + ": " +
                ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            throw new ManifestException("cannot read the manifest: " + ex.getMessage());
        }
        if (objects.isEmpty())
        {
            throw new ManifestException("no objects in the manifest");
        }
        return objects;
    }

    private static KubeObject object(final JsonNode node, final String where, final String namespace, final boolean namespaceGiven)
    {
        if (!node.isObject())
        {
            throw new ManifestException(where + ": expected an object with apiVersion and kind, got " + kind(node));
        }
        final String kind = node.path("kind").isTextual() ? node.path("kind").asText() : null;
        if (kind == null)
        {
            throw new ManifestException(where + ": kind: Required value (Namespace, Pod or Service)");
        }
        if (!Set.of("Namespace", "Pod", "Service").contains(kind))
        {
            throw new ManifestException(where + ": kind '" + kind + "' is not supported (podnet emulates v1 Namespace, Pod and " +
                "Service)");
        }
        final String apiVersion = node.path("apiVersion").asText("");
        if (!"v1".equals(apiVersion))
        {
            throw new ManifestException(where + " (" + kind + "): apiVersion: Unsupported value: \"" + apiVersion +
                "\": " + kind + " is in apiVersion v1");
        }
        final Fields fields = new Fields(where + " (" + kind + " " + node.path("metadata").path("name").asText("?") + ")");
        fields.only(node, "", TOP_LEVEL, Set.of());
        final JsonNode metadata = fields.object(node, "metadata", true);
        fields.only(metadata, "metadata", METADATA, METADATA_IGNORED);
        final String name = fields.string(metadata, "metadata.name", true);
        final String nameProblem = Names.dnsLabelProblem(name);
        if (nameProblem != null)
        {
            throw fields.error("metadata.name", "Invalid value: \"" + name + "\": " + nameProblem);
        }
        final Map<String, String> labels = fields.labels(metadata, "metadata.labels");
        switch (kind)
        {
            case "Namespace":
                if (metadata.has("namespace"))
                {
                    throw fields.error("metadata.namespace", "a Namespace has no namespace");
                }
                return new KubeObject.Namespace(new NamespaceInfo(name, labels, 0), fields.warnings());
            case "Pod":
                return pod(node, fields, name, objectNamespace(fields, metadata, namespace, namespaceGiven), labels);
            default:
                return service(node, fields, name, objectNamespace(fields, metadata, namespace, namespaceGiven), labels);
        }
    }

    private static String objectNamespace(final Fields fields, final JsonNode metadata, final String namespace,
        final boolean namespaceGiven)
    {
        final String own = fields.string(metadata, "metadata.namespace", false);
        if (own == null)
        {
            return namespace;
        }
        final String problem = Names.dnsLabelProblem(own);
        if (problem != null)
        {
            throw fields.error("metadata.namespace", "Invalid value: \"" + own + "\": " + problem);
        }
        if (namespaceGiven && !own.equals(namespace))
        {
            throw fields.error("metadata.namespace", "the namespace from the provided object \"" + own + "\" does not match the " +
                "namespace \"" + namespace + "\": leave the namespace out, or name the same one");
        }
        return own;
    }

    private static KubeObject pod(final JsonNode node, final Fields fields, final String name, final String namespace,
        final Map<String, String> labels)
    {
        final JsonNode spec = fields.object(node, "spec", false);
        String nodeName = null;
        String hostname = "";
        String subdomain = "";
        final List<ContainerPort> ports = new ArrayList<>();
        if (spec != null)
        {
            nodeName = fields.string(spec, "spec.nodeName", false);
            hostname = orEmpty(fields.string(spec, "spec.hostname", false));
            subdomain = orEmpty(fields.string(spec, "spec.subdomain", false));
            for (final String field : List.of("spec.hostname", "spec.subdomain"))
            {
                final String value = field.endsWith("hostname") ? hostname : subdomain;
                if (!value.isEmpty() && Names.dnsLabelProblem(value) != null)
                {
                    throw fields.error(field, "Invalid value: \"" + value + "\": " + Names.dnsLabelProblem(value));
                }
            }
            final JsonNode containers = spec.path("containers");
            if (!containers.isMissingNode() && !containers.isArray())
            {
                throw fields.error("spec.containers", "expected an array, got " + kind(containers));
            }
            final Set<String> portNames = new HashSet<>();
            for (int c = 0; c < containers.size(); c++)
            {
                final JsonNode container = containers.get(c);
                final String path = "spec.containers[" + c + "]";
                if (!container.isObject())
                {
                    throw fields.error(path, "expected an object, got " + kind(container));
                }
                final JsonNode declared = container.path("ports");
                if (!declared.isMissingNode() && !declared.isArray())
                {
                    throw fields.error(path + ".ports", "expected an array, got " + kind(declared));
                }
                for (int p = 0; p < declared.size(); p++)
                {
                    final String portPath = path + ".ports[" + p + "]";
                    final JsonNode port = declared.get(p);
                    fields.only(port, portPath, CONTAINER_PORT, Set.of());
                    final String portName = orEmpty(fields.string(port, portPath + ".name", false));
                    if (!portName.isEmpty())
                    {
                        final String problem = Names.portNameProblem(portName);
                        if (problem != null)
                        {
                            throw fields.error(portPath + ".name", "Invalid value: \"" + portName + "\": " + problem);
                        }
                        if (!portNames.add(portName))
                        {
                            throw fields.error(portPath + ".name", "Duplicate value: \"" + portName + "\"");
                        }
                    }
                    ports.add(new ContainerPort(portName, fields.integer(port, portPath + ".containerPort", true, 1, 65535, 0),
                        fields.protocol(port, portPath + ".protocol")));
                }
            }
            final List<String> ignored = new ArrayList<>();
            for (final Iterator<String> it = spec.fieldNames(); it.hasNext(); )
            {
                final String field = it.next();
                if (!Set.of("nodeName", "hostname", "subdomain", "containers").contains(field))
                {
                    ignored.add("spec." + field);
                }
            }
            if (containers.size() > 0)
            {
                ignored.add(0, "spec.containers (all but their ports)");
            }
            if (!ignored.isEmpty())
            {
                fields.warn("ignored, an emulated pod runs netexec (UDP 8081, HTTP 8080), echo and discard whatever its spec says: " + String.join(", ", ignored));
            }
        }
        if (nodeName != null && Names.dnsLabelProblem(nodeName) != null)
        {
            throw fields.error("spec.nodeName", "Invalid value: \"" + nodeName + "\": " + Names.dnsLabelProblem(nodeName));
        }
        return new KubeObject.Pod(new PodSpec(namespace, name, labels, ports, hostname, subdomain), nodeName, fields.warnings());
    }

    private static KubeObject service(final JsonNode node, final Fields fields, final String name, final String namespace,
        final Map<String, String> labels)
    {
        final JsonNode spec = fields.object(node, "spec", true);
        fields.only(spec, "spec", SERVICE_SPEC, SERVICE_SPEC_IGNORED);
        final String type = fields.string(spec, "spec.type", false);
        if (type != null && !type.equals(ServiceInfo.CLUSTER_IP) && !type.equals(ServiceInfo.NODE_PORT))
        {
            throw fields.error("spec.type", "Unsupported value: \"" + type + "\": supported values: \"ClusterIP\", \"NodePort\"" +
                (type.equals("LoadBalancer") || type.equals("ExternalName") ? " (podnet does not emulate " + type + ")" : ""));
        }
        String clusterIp = orEmpty(fields.string(spec, "spec.clusterIP", false));
        final JsonNode clusterIps = spec.path("clusterIPs");
        if (!clusterIps.isMissingNode())
        {
            if (!clusterIps.isArray() || clusterIps.size() > 1 || (clusterIps.size() == 1 && !clusterIps.get(0).isTextual()))
            {
                throw fields.error("spec.clusterIPs", "expected at most one address (podnet is IPv4 only), got " + clusterIps);
            }
            final String first = clusterIps.size() == 1 ? clusterIps.get(0).asText() : "";
            if (!clusterIp.isEmpty() && !first.isEmpty() && !first.equals(clusterIp))
            {
                throw fields.error("spec.clusterIPs", "Invalid value: must match spec.clusterIP \"" + clusterIp + "\"");
            }
            clusterIp = clusterIp.isEmpty() ? first : clusterIp;
        }
        if (!clusterIp.isEmpty() && !ServiceInfo.NONE.equals(clusterIp))
        {
            try
            {
                Ipv4Address.parse(clusterIp);
            }
            catch (final IllegalArgumentException ex)
            {
                throw fields.error("spec.clusterIP", "Invalid value: \"" + clusterIp + "\": must be a valid IP address, " +
                    "(e.g. 10.9.8.7) or 'None'");
            }
        }
        final boolean nodePortType = ServiceInfo.NODE_PORT.equals(type);
        final JsonNode portsNode = spec.path("ports");
        if (!portsNode.isMissingNode() && !portsNode.isArray())
        {
            throw fields.error("spec.ports", "expected an array, got " + kind(portsNode));
        }
        if (portsNode.size() == 0 && !ServiceInfo.NONE.equals(clusterIp))
        {
            throw fields.error("spec.ports", "Required value");
        }
        final List<ServicePortInfo> ports = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Set<String> numbers = new HashSet<>();
        for (int i = 0; i < portsNode.size(); i++)
        {
            final String path = "spec.ports[" + i + "]";
            final JsonNode port = portsNode.get(i);
            fields.only(port, path, SERVICE_PORT, Set.of("appProtocol"));
            final String portName = orEmpty(fields.string(port, path + ".name", false));
            if (portName.isEmpty() && portsNode.size() > 1)
            {
                throw fields.error(path + ".name", "Required value (a Service with several ports names each)");
            }
            if (!portName.isEmpty())
            {
                final String problem = Names.dnsLabelProblem(portName);
                if (problem != null)
                {
                    throw fields.error(path + ".name", "Invalid value: \"" + portName + "\": " + problem);
                }
                if (!names.add(portName))
                {
                    throw fields.error(path + ".name", "Duplicate value: \"" + portName + "\"");
                }
            }
            final String protocol = fields.protocol(port, path + ".protocol");
            final int number = fields.integer(port, path + ".port", true, 1, 65535, 0);
            if (!numbers.add(number + "/" + protocol))
            {
                throw fields.error(path, "Duplicate value: port " + number + "/" + protocol);
            }
            int targetPort = number;
            String targetPortName = "";
            final JsonNode target = port.path("targetPort");
            if (target.isTextual())
            {
                targetPortName = target.asText();
                final String problem = Names.portNameProblem(targetPortName);
                if (problem != null)
                {
                    throw fields.error(path + ".targetPort", "Invalid value: \"" + targetPortName + "\": " + problem);
                }
                targetPort = 0;
            }
            else if (!target.isMissingNode() && !target.isNull())
            {
                targetPort = fields.integer(port, path + ".targetPort", false, 1, 65535, number);
            }
            final int nodePort = fields.integer(port, path + ".nodePort", false, 1, 65535, 0);
            if (nodePort != 0 && !nodePortType)
            {
                throw fields.error(path + ".nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
            }
            ports.add(new ServicePortInfo(portName, protocol, number, targetPort, targetPortName, nodePort));
        }
        final String affinity = fields.string(spec, "spec.sessionAffinity", false);
        if (affinity != null && !affinity.equals(ServiceInfo.AFFINITY_NONE) && !affinity.equals(ServiceInfo.AFFINITY_CLIENT_IP))
        {
            throw fields.error("spec.sessionAffinity", "Unsupported value: \"" + affinity + "\": supported values: \"ClientIP\", \"None\"");
        }
        int timeout = 0;
        final JsonNode config = fields.object(spec, "sessionAffinityConfig", false);
        if (config != null)
        {
            if (!ServiceInfo.AFFINITY_CLIENT_IP.equals(affinity))
            {
                throw fields.error("spec.sessionAffinityConfig", "Invalid value: must not be set when sessionAffinity is None");
            }
            fields.only(config, "spec.sessionAffinityConfig", Set.of("clientIP"), Set.of());
            final JsonNode clientIp = fields.object(config, "clientIP", false);
            if (clientIp != null)
            {
                fields.only(clientIp, "spec.sessionAffinityConfig.clientIP", Set.of("timeoutSeconds"), Set.of());
                timeout = fields.integer(clientIp, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", false, 1, 86400, 0);
            }
        }
        final Map<String, String> selector = fields.labels(spec, "spec.selector");
        if (ServiceInfo.NONE.equals(clusterIp) && nodePortType)
        {
            throw fields.error("spec.clusterIP", "Invalid value: \"None\": may not be set to 'None' for NodePort services");
        }
        return new KubeObject.Service(new ServiceInfo(namespace, name, labels, selector, type == null ? ServiceInfo.CLUSTER_IP : type,
            clusterIp, ports, affinity, timeout, 0, 0), fields.warnings());
    }

    private static String orEmpty(final String value)
    {
        return value == null ? "" : value;
    }

    static String kind(final JsonNode node)
    {
        if (node == null || node.isMissingNode())
        {
            return "nothing";
        }
        if (node.isTextual())
        {
            return "a string (\"" + node.asText() + "\")";
        }
        if (node.isNumber())
        {
            return "a number (" + node.asText() + ")";
        }
        if (node.isBoolean())
        {
            return "a boolean";
        }
        if (node.isArray())
        {
            return "an array";
        }
        return node.isObject() ? "an object" : "null";
    }

    /** Field checks of one document, with its warnings. */
    private static final class Fields
    {
        private final String where;
        private final List<String> warnings = new ArrayList<>();

        Fields(final String where)
        {
            this.where = where;
        }

        ManifestException error(final String path, final String message)
        {
            return new ManifestException(where + ": " + path + ": " + message);
        }

        void warn(final String warning)
        {
            warnings.add(warning);
        }

        List<String> warnings()
        {
            return List.copyOf(warnings);
        }

        /** Only {@code known} fields (and {@code ignored} ones, with a warning); anything else is an unknown field. */
        void only(final JsonNode node, final String path, final Set<String> known, final Set<String> ignored)
        {
            if (!node.isObject())
            {
                throw error(path.isEmpty() ? "(document)" : path, "expected an object, got " + kind(node));
            }
            for (final Iterator<String> it = node.fieldNames(); it.hasNext(); )
            {
                final String field = it.next();
                final String full = path.isEmpty() ? field : path + "." + field;
                if (ignored.contains(field) || (path.equals("metadata") && METADATA_IGNORED.contains(field)) ||
                    (path.isEmpty() && field.equals("status")))
                {
                    if (!field.equals("status") && !METADATA_IGNORED.contains(field) && !field.equals("appProtocol"))
                    {
                        warn(full + ": ignored (podnet does not emulate it)");
                    }
                    continue;
                }
                if (!known.contains(field))
                {
                    throw error(full, "unknown field");
                }
            }
        }

        JsonNode object(final JsonNode parent, final String field, final boolean required)
        {
            final JsonNode node = parent.path(field.contains(".") ? field.substring(field.lastIndexOf('.') + 1) : field);
            if (node.isMissingNode() || node.isNull())
            {
                if (required)
                {
                    throw error(field, "Required value");
                }
                return null;
            }
            if (!node.isObject())
            {
                throw error(field, "expected an object, got " + kind(node));
            }
            return node;
        }

        String string(final JsonNode parent, final String path, final boolean required)
        {
            final JsonNode node = parent.path(path.substring(path.lastIndexOf('.') + 1));
            if (node.isMissingNode() || node.isNull() || (node.isTextual() && node.asText().isEmpty()))
            {
                if (required)
                {
                    throw error(path, "Required value");
                }
                return null;
            }
            if (!node.isTextual())
            {
                throw error(path, "expected a string, got " + kind(node));
            }
            return node.asText();
        }

        int integer(final JsonNode parent, final String path, final boolean required, final int min, final int max,
            final int otherwise)
        {
            final JsonNode node = parent.path(path.substring(path.lastIndexOf('.') + 1));
            if (node.isMissingNode() || node.isNull())
            {
                if (required)
                {
                    throw error(path, "Required value");
                }
                return otherwise;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min || node.asInt() > max)
            {
                throw error(path, "must be an integer " + min + ".." + max + ", got " + kind(node));
            }
            return node.asInt();
        }

        String protocol(final JsonNode parent, final String path)
        {
            final String protocol = string(parent, path, false);
            if (protocol == null)
            {
                return "TCP";
            }
            if (!protocol.equals("TCP") && !protocol.equals("UDP"))
            {
                throw error(path, "Unsupported value: \"" + protocol + "\": supported values: \"TCP\", \"UDP\"");
            }
            return protocol;
        }

        Map<String, String> labels(final JsonNode parent, final String path)
        {
            final JsonNode node = parent.path(path.substring(path.lastIndexOf('.') + 1));
            if (node.isMissingNode() || node.isNull())
            {
                return Map.of();
            }
            if (!node.isObject())
            {
                throw error(path, "expected a map of strings, got " + kind(node));
            }
            final Map<String, String> labels = new LinkedHashMap<>();
            for (final Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); )
            {
                final Map.Entry<String, JsonNode> entry = it.next();
                final String keyProblem = Names.labelKeyProblem(entry.getKey());
                if (keyProblem != null)
                {
                    throw error(path, "Invalid value: \"" + entry.getKey() + "\": " + keyProblem);
                }
                if (!entry.getValue().isTextual())
                {
                    throw error(path + "." + entry.getKey(), "expected a string, got " + kind(entry.getValue()) +
                        " (quote numbers and booleans in YAML)");
                }
                final String valueProblem = Names.labelValueProblem(entry.getValue().asText());
                if (valueProblem != null)
                {
                    throw error(path + "." + entry.getKey(), "Invalid value: \"" + entry.getValue().asText() + "\": " + valueProblem);
                }
                labels.put(entry.getKey(), entry.getValue().asText());
            }
            return labels;
        }
    }
}
