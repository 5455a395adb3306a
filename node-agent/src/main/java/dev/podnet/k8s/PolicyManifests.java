package dev.podnet.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.controlplane.services.LabelSelectorInfo;
import dev.podnet.controlplane.services.NetworkPolicyInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code networking.k8s.io/v1 NetworkPolicy} manifests, validated as the API server's
 * {@code ValidateNetworkPolicy} does and defaulted as {@code SetDefaults_NetworkPolicySpec} does
 * (policyTypes: Ingress, plus Egress when {@code spec.egress} has rules). Errors use apimachinery's
 * words ({@code Required value}, {@code Invalid value: ...}, {@code Unsupported value: ...},
 * {@code Forbidden: ...}) and name the field by its path ({@code spec.ingress[0].from[1].ipBlock.except[0]}).
 * An ipBlock's CIDR may have host bits set, as Kubernetes accepts it; it is stored as its network.
 */
final class PolicyManifests
{
    static final String API_VERSION = "networking.k8s.io/v1";
    private static final Set<String> SPEC = Set.of("podSelector", "policyTypes", "ingress", "egress");
    private static final Set<String> SELECTOR = Set.of("matchLabels", "matchExpressions");
    private static final Set<String> REQUIREMENT = Set.of("key", "operator", "values");
    private static final Set<String> PEER = Set.of("podSelector", "namespaceSelector", "ipBlock");
    private static final Set<String> IP_BLOCK = Set.of("cidr", "except");
    private static final Set<String> PORT = Set.of("protocol", "port", "endPort");
    private static final String INGRESS = "Ingress";
    private static final String EGRESS = "Egress";

    private PolicyManifests()
    {
    }

    static NetworkPolicyInfo policy(final JsonNode node, final Manifests.Fields fields, final String name, final String namespace,
        final Map<String, String> labels)
    {
        final JsonNode spec = fields.object(node, "spec", true);
        fields.only(spec, "spec", SPEC, Set.of());
        final JsonNode podSelectorNode = spec.path("podSelector");
        if (podSelectorNode.isMissingNode() || podSelectorNode.isNull())
        {
            throw fields.error("spec.podSelector", "Required value ({} selects every pod of the namespace)");
        }
        final LabelSelectorInfo podSelector = selector(fields, podSelectorNode, "spec.podSelector");
        final List<NetworkPolicyInfo.Rule> ingress = rules(fields, spec, "spec.ingress", "from");
        final List<NetworkPolicyInfo.Rule> egress = rules(fields, spec, "spec.egress", "to");
        boolean ingressType = false;
        boolean egressType = false;
        final JsonNode types = spec.path("policyTypes");
        if (types.isMissingNode() || types.isNull() || (types.isArray() && types.size() == 0))
        {
            ingressType = true; // Kubernetes' defaulting: Ingress always, Egress when there are egress rules
            egressType = !egress.isEmpty();
        }
        else
        {
            if (!types.isArray())
            {
                throw fields.error("spec.policyTypes", "expected an array, got " + Manifests.kind(types));
            }
            if (types.size() > 2)
            {
                throw fields.error("spec.policyTypes", "Invalid value: " + types + ": may not specify more than two policyTypes");
            }
            for (int i = 0; i < types.size(); i++)
            {
                final JsonNode type = types.get(i);
                final String value = type.isTextual() ? type.asText() : type.toString();
                if (INGRESS.equals(value))
                {
                    ingressType = true;
                }
                else if (EGRESS.equals(value))
                {
                    egressType = true;
                }
                else
                {
                    throw fields.error("spec.policyTypes[" + i + "]", "Unsupported value: \"" + value + "\": supported values: \"Egress\", " +
                        "\"Ingress\"");
                }
            }
        }
        if (!ingressType && !ingress.isEmpty())
        {
            fields.warn("spec.ingress: has no effect, policyTypes does not include Ingress");
        }
        if (!egressType && !egress.isEmpty())
        {
            fields.warn("spec.egress: has no effect, policyTypes does not include Egress");
        }
        return new NetworkPolicyInfo(namespace, name, labels, podSelector, ingressType, egressType, ingress, egress, 0, 0);
    }

    private static List<NetworkPolicyInfo.Rule> rules(final Manifests.Fields fields, final JsonNode spec, final String path,
        final String peersField)
    {
        final JsonNode node = spec.path(path.substring(path.indexOf('.') + 1));
        final List<NetworkPolicyInfo.Rule> rules = new ArrayList<>();
        if (node.isMissingNode() || node.isNull())
        {
            return rules;
        }
        if (!node.isArray())
        {
            throw fields.error(path, "expected an array, got " + Manifests.kind(node));
        }
        for (int i = 0; i < node.size(); i++)
        {
            final String rulePath = path + "[" + i + "]";
            final JsonNode rule = node.get(i);
            fields.only(rule, rulePath, Set.of(peersField, "ports"), Set.of());
            final List<NetworkPolicyInfo.Peer> peers = new ArrayList<>();
            final JsonNode peerNodes = array(fields, rule, rulePath + "." + peersField);
            for (int p = 0; p < peerNodes.size(); p++)
            {
                peers.add(peer(fields, peerNodes.get(p), rulePath + "." + peersField + "[" + p + "]"));
            }
            final List<NetworkPolicyInfo.Port> ports = new ArrayList<>();
            final JsonNode portNodes = array(fields, rule, rulePath + ".ports");
            for (int p = 0; p < portNodes.size(); p++)
            {
                ports.add(port(fields, portNodes.get(p), rulePath + ".ports[" + p + "]"));
            }
            rules.add(new NetworkPolicyInfo.Rule(peers, ports));
        }
        return rules;
    }

    private static JsonNode array(final Manifests.Fields fields, final JsonNode parent, final String path)
    {
        final JsonNode node = parent.path(path.substring(path.lastIndexOf('.') + 1));
        if (node.isMissingNode() || node.isNull())
        {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (!node.isArray())
        {
            throw fields.error(path, "expected an array, got " + Manifests.kind(node));
        }
        return node;
    }

    private static NetworkPolicyInfo.Peer peer(final Manifests.Fields fields, final JsonNode peer, final String path)
    {
        fields.only(peer, path, PEER, Set.of());
        final JsonNode pods = peer.path("podSelector");
        final JsonNode namespaces = peer.path("namespaceSelector");
        final JsonNode block = peer.path("ipBlock");
        final boolean hasPods = !pods.isMissingNode() && !pods.isNull();
        final boolean hasNamespaces = !namespaces.isMissingNode() && !namespaces.isNull();
        final boolean hasBlock = !block.isMissingNode() && !block.isNull();
        if (!hasPods && !hasNamespaces && !hasBlock)
        {
            throw fields.error(path, "Required value: must specify a peer");
        }
        if (hasBlock && (hasPods || hasNamespaces))
        {
            throw fields.error(path, "Forbidden: may not specify both ipBlock and another peer");
        }
        if (hasBlock)
        {
            return ipBlock(fields, block, path + ".ipBlock");
        }
        return NetworkPolicyInfo.Peer.pods(hasPods ? selector(fields, pods, path + ".podSelector") : null,
            hasNamespaces ? selector(fields, namespaces, path + ".namespaceSelector") : null);
    }

    private static NetworkPolicyInfo.Peer ipBlock(final Manifests.Fields fields, final JsonNode block, final String path)
    {
        fields.only(block, path, IP_BLOCK, Set.of());
        final String cidrText = fields.string(block, path + ".cidr", true);
        final Ipv4Cidr cidr = cidr(fields, cidrText, path + ".cidr");
        final List<String> except = new ArrayList<>();
        final JsonNode exceptNodes = array(fields, block, path + ".except");
        for (int i = 0; i < exceptNodes.size(); i++)
        {
            final String exceptPath = path + ".except[" + i + "]";
            final JsonNode node = exceptNodes.get(i);
            if (!node.isTextual())
            {
                throw fields.error(exceptPath, "expected a string, got " + Manifests.kind(node));
            }
            final Ipv4Cidr inside = cidr(fields, node.asText(), exceptPath);
            if (!cidr.contains(inside.network()) || inside.prefixLength() <= cidr.prefixLength())
            {
                throw fields.error(exceptPath, "Invalid value: \"" + node.asText() + "\": must be a strict subset of `cidr`");
            }
            except.add(inside.toString());
        }
        return NetworkPolicyInfo.Peer.block(cidr.toString(), except);
    }

    /** A CIDR as Kubernetes takes it: host bits may be set (they are cleared); IPv6 is refused (podnet is IPv4 only). */
    private static Ipv4Cidr cidr(final Manifests.Fields fields, final String text, final String path)
    {
        final int slash = text.indexOf('/');
        try
        {
            if (slash < 0)
            {
                throw new IllegalArgumentException("no prefix length");
            }
            final int address = Ipv4Address.parse(text.substring(0, slash));
            final String prefix = text.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit))
            {
                throw new IllegalArgumentException("bad prefix length");
            }
            return Ipv4Cidr.containing(address, Integer.parseInt(prefix));
        }
        catch (final IllegalArgumentException ex)
        {
            throw fields.error(path, "Invalid value: \"" + text + "\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)" +
                (text.contains(":") ? " (podnet is IPv4 only)" : ""));
        }
    }

    private static NetworkPolicyInfo.Port port(final Manifests.Fields fields, final JsonNode port, final String path)
    {
        fields.only(port, path, PORT, Set.of());
        final String protocol = fields.string(port, path + ".protocol", false);
        if (protocol != null && !protocol.equals(NetworkPolicyInfo.TCP) && !protocol.equals(NetworkPolicyInfo.UDP) &&
            !protocol.equals(NetworkPolicyInfo.SCTP))
        {
            throw fields.error(path + ".protocol", "Unsupported value: \"" + protocol + "\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
        }
        final JsonNode number = port.path("port");
        final JsonNode end = port.path("endPort");
        final boolean hasEnd = !end.isMissingNode() && !end.isNull();
        int value = 0;
        String name = "";
        int endPort = 0;
        if (number.isMissingNode() || number.isNull())
        {
            if (hasEnd)
            {
                throw fields.error(path + ".endPort", "Invalid value: " + end + ": may not be specified when `port` is not specified");
            }
        }
        else if (number.isTextual())
        {
            name = number.asText();
            if (hasEnd)
            {
                throw fields.error(path + ".endPort", "Invalid value: " + end + ": may not be specified when `port` is non-numeric");
            }
            final String problem = Names.portNameProblem(name);
            if (problem != null)
            {
                throw fields.error(path + ".port", "Invalid value: \"" + name + "\": " + problem);
            }
        }
        else if (number.isIntegralNumber() && number.canConvertToInt())
        {
            value = number.asInt();
            if (value < 1 || value > 65535)
            {
                throw fields.error(path + ".port", "Invalid value: " + value + ": must be between 1 and 65535, inclusive");
            }
            if (hasEnd)
            {
                if (!end.isIntegralNumber() || !end.canConvertToInt())
                {
                    throw fields.error(path + ".endPort", "expected an integer, got " + Manifests.kind(end));
                }
                endPort = end.asInt();
                if (endPort < value)
                {
                    throw fields.error(path + ".endPort", "Invalid value: " + value + ": must be greater than or equal to `port`");
                }
                if (endPort > 65535)
                {
                    throw fields.error(path + ".endPort", "Invalid value: " + endPort + ": must be between 1 and 65535, inclusive");
                }
            }
        }
        else
        {
            throw fields.error(path + ".port", "expected a port number or name, got " + Manifests.kind(number));
        }
        return new NetworkPolicyInfo.Port(protocol == null ? NetworkPolicyInfo.TCP : protocol, value, name, endPort);
    }

    /** A label selector, validated as apimachinery's {@code ValidateLabelSelector}. */
    private static LabelSelectorInfo selector(final Manifests.Fields fields, final JsonNode node, final String path)
    {
        fields.only(node, path, SELECTOR, Set.of());
        final Map<String, String> matchLabels = fields.labels(node, path + ".matchLabels");
        final List<LabelSelectorInfo.Requirement> requirements = new ArrayList<>();
        final JsonNode expressions = array(fields, node, path + ".matchExpressions");
        for (int i = 0; i < expressions.size(); i++)
        {
            final String expressionPath = path + ".matchExpressions[" + i + "]";
            final JsonNode expression = expressions.get(i);
            fields.only(expression, expressionPath, REQUIREMENT, Set.of());
            final String key = fields.string(expression, expressionPath + ".key", true);
            final String keyProblem = Names.labelKeyProblem(key);
            if (keyProblem != null)
            {
                throw fields.error(expressionPath + ".key", "Invalid value: \"" + key + "\": " + keyProblem);
            }
            final String operator = fields.string(expression, expressionPath + ".operator", true);
            final JsonNode valuesNode = array(fields, expression, expressionPath + ".values");
            final List<String> values = new ArrayList<>();
            for (final Iterator<JsonNode> it = valuesNode.elements(); it.hasNext(); )
            {
                final JsonNode value = it.next();
                if (!value.isTextual())
                {
                    throw fields.error(expressionPath + ".values", "expected strings, got " + Manifests.kind(value) +
                        " (quote numbers and booleans in YAML)");
                }
                final String problem = Names.labelValueProblem(value.asText());
                if (problem != null)
                {
                    throw fields.error(expressionPath + ".values", "Invalid value: \"" + value.asText() + "\": " + problem);
                }
                values.add(value.asText());
            }
            switch (operator)
            {
                case LabelSelectorInfo.IN, LabelSelectorInfo.NOT_IN ->
                {
                    if (values.isEmpty())
                    {
                        throw fields.error(expressionPath + ".values", "Required value: must be specified when `operator` is 'In' or " +
                            "'NotIn'");
                    }
                }
                case LabelSelectorInfo.EXISTS, LabelSelectorInfo.DOES_NOT_EXIST ->
                {
                    if (!values.isEmpty())
                    {
                        throw fields.error(expressionPath + ".values", "Forbidden: may not be specified when `operator` is 'Exists' " +
                            "or 'DoesNotExist'");
                    }
                }
                default -> throw fields.error(expressionPath + ".operator", "Invalid value: \"" + operator + "\": not a valid selector " +
                    "operator (supported: In, NotIn, Exists, DoesNotExist)");
            }
            requirements.add(new LabelSelectorInfo.Requirement(key, operator, values));
        }
        return new LabelSelectorInfo(matchLabels, requirements);
    }
}
