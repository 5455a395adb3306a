package dev.podnet.controlplane.services;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.podnet.proto.controlplane.ApplyNamespaceRequest;
import dev.podnet.proto.controlplane.ApplyServiceRequest;
import dev.podnet.proto.controlplane.DeleteNamespaceRequest;
import dev.podnet.proto.controlplane.DeleteServiceRequest;
import dev.podnet.proto.controlplane.ApplyNetworkPolicyRequest;
import dev.podnet.proto.controlplane.DeleteNetworkPolicyRequest;
import dev.podnet.proto.controlplane.EndpointAddressRecord;
import dev.podnet.proto.controlplane.LabelRequirementRecord;
import dev.podnet.proto.controlplane.LabelSelectorRecord;
import dev.podnet.proto.controlplane.NetworkPolicyRecord;
import dev.podnet.proto.controlplane.PolicyPeerRecord;
import dev.podnet.proto.controlplane.PolicyPortRecord;
import dev.podnet.proto.controlplane.PolicyRuleRecord;
import dev.podnet.proto.controlplane.NamespaceRecord;
import dev.podnet.proto.controlplane.ServiceEndpointsRecord;
import dev.podnet.proto.controlplane.ServicePortRecord;
import dev.podnet.proto.controlplane.ServiceRecord;

import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;

/**
 * Serializes every {@link ServiceMessage} with the Protobuf schemas of {@code proto/controlplane.proto}
 * (namespaces, Services, their endpoints, NetworkPolicies and the registry's requests and replies). Bound in this
 * module's {@code reference.conf}; the records stay plain Java, the wire stays Protobuf.
 */
public final class ServiceSerializer extends SerializerWithStringManifest
{
    private static final String NAMESPACE = "N";
    private static final String SERVICE = "S";
    private static final String ENDPOINTS = "P";
    private static final String APPLY_SERVICE = "AS";
    private static final String DELETE_SERVICE = "DS";
    private static final String APPLY_NAMESPACE = "AN";
    private static final String DELETE_NAMESPACE = "DN";
    private static final String REPLY = "R";
    private static final String POLICY = "NP";
    private static final String APPLY_POLICY = "ANP";
    private static final String DELETE_POLICY = "DNP";

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    public ServiceSerializer(final ExtendedActorSystem system)
    {
        this.system = system;
    }

    @Override
    public int identifier()
    {
        return 4243;
    }

    @Override
    public String manifest(final Object message)
    {
        if (message instanceof NamespaceInfo)
        {
            return NAMESPACE;
        }
        if (message instanceof ServiceInfo)
        {
            return SERVICE;
        }
        if (message instanceof ServiceEndpointsInfo)
        {
            return ENDPOINTS;
        }
        if (message instanceof ServiceRegistry.ApplyService)
        {
            return APPLY_SERVICE;
        }
        if (message instanceof ServiceRegistry.DeleteService)
        {
            return DELETE_SERVICE;
        }
        if (message instanceof ServiceRegistry.ApplyNamespace)
        {
            return APPLY_NAMESPACE;
        }
        if (message instanceof ServiceRegistry.DeleteNamespace)
        {
            return DELETE_NAMESPACE;
        }
        if (message instanceof ServiceRegistry.RegistryReply)
        {
            return REPLY;
        }
        if (message instanceof NetworkPolicyInfo)
        {
            return POLICY;
        }
        if (message instanceof ServiceRegistry.ApplyNetworkPolicy)
        {
            return APPLY_POLICY;
        }
        if (message instanceof ServiceRegistry.DeleteNetworkPolicy)
        {
            return DELETE_POLICY;
        }
        throw new IllegalArgumentException("no Protobuf schema for " + message.getClass().getName());
    }

    @Override
    public byte[] toBinary(final Object message)
    {
        if (message instanceof NamespaceInfo namespace)
        {
            return toProto(namespace).toByteArray();
        }
        if (message instanceof ServiceInfo service)
        {
            return toProto(service).toByteArray();
        }
        if (message instanceof ServiceEndpointsInfo endpoints)
        {
            return ServiceEndpointsRecord.newBuilder()
                .setNamespace(endpoints.namespace())
                .setName(endpoints.name())
                .addAllAddresses(endpoints.addresses().stream().map(ServiceSerializer::toProto).toList())
                .addAllNotReadyAddresses(endpoints.notReadyAddresses().stream().map(ServiceSerializer::toProto).toList())
                .setChangedAt(endpoints.changedAt())
                .build().toByteArray();
        }
        if (message instanceof ServiceRegistry.ApplyService apply)
        {
            return ApplyServiceRequest.newBuilder().setService(toProto(apply.service())).setReplyTo(ref(apply.replyTo()))
                .build().toByteArray();
        }
        if (message instanceof ServiceRegistry.DeleteService delete)
        {
            return DeleteServiceRequest.newBuilder().setNamespace(delete.namespace()).setName(delete.name())
                .setReplyTo(ref(delete.replyTo())).build().toByteArray();
        }
        if (message instanceof ServiceRegistry.ApplyNamespace apply)
        {
            return ApplyNamespaceRequest.newBuilder().setNamespace(toProto(apply.namespace())).setReplyTo(ref(apply.replyTo()))
                .build().toByteArray();
        }
        if (message instanceof ServiceRegistry.DeleteNamespace delete)
        {
            return DeleteNamespaceRequest.newBuilder().setName(delete.name()).setReplyTo(ref(delete.replyTo())).build().toByteArray();
        }
        if (message instanceof ServiceRegistry.RegistryReply reply)
        {
            final dev.podnet.proto.controlplane.RegistryReply.Builder builder = dev.podnet.proto.controlplane.RegistryReply.newBuilder()
                .setStatus(reply.status());
            if (reply.outcome() != null)
            {
                builder.setOutcome(reply.outcome());
            }
            if (reply.error() != null)
            {
                builder.setError(reply.error());
            }
            if (reply.service() != null)
            {
                builder.setService(toProto(reply.service()));
            }
            if (reply.namespace() != null)
            {
                builder.setNamespace(toProto(reply.namespace()));
            }
            return builder.build().toByteArray();
        }
        if (message instanceof NetworkPolicyInfo policy)
        {
            return toProto(policy).toByteArray();
        }
        if (message instanceof ServiceRegistry.ApplyNetworkPolicy apply)
        {
            return ApplyNetworkPolicyRequest.newBuilder().setPolicy(toProto(apply.policy())).setReplyTo(ref(apply.replyTo()))
                .build().toByteArray();
        }
        if (message instanceof ServiceRegistry.DeleteNetworkPolicy delete)
        {
            return DeleteNetworkPolicyRequest.newBuilder().setNamespace(delete.namespace()).setName(delete.name())
                .setReplyTo(ref(delete.replyTo())).build().toByteArray();
        }
        throw new IllegalArgumentException("no Protobuf schema for " + message.getClass().getName());
    }

    @Override
    public Object fromBinary(final byte[] bytes, final String manifest) throws NotSerializableException
    {
        try
        {
            switch (manifest)
            {
                case NAMESPACE:
                    return fromProto(NamespaceRecord.parseFrom(bytes));
                case SERVICE:
                    return fromProto(ServiceRecord.parseFrom(bytes));
                case ENDPOINTS:
                {
                    final ServiceEndpointsRecord record = ServiceEndpointsRecord.parseFrom(bytes);
                    return new ServiceEndpointsInfo(record.getNamespace(), record.getName(), addresses(record.getAddressesList()),
                        addresses(record.getNotReadyAddressesList()), record.getChangedAt());
                }
                case APPLY_SERVICE:
                {
                    final ApplyServiceRequest request = ApplyServiceRequest.parseFrom(bytes);
                    return new ServiceRegistry.ApplyService(fromProto(request.getService()), resolve(request.getReplyTo()));
                }
                case DELETE_SERVICE:
                {
                    final DeleteServiceRequest request = DeleteServiceRequest.parseFrom(bytes);
                    return new ServiceRegistry.DeleteService(request.getNamespace(), request.getName(), resolve(request.getReplyTo()));
                }
                case APPLY_NAMESPACE:
                {
                    final ApplyNamespaceRequest request = ApplyNamespaceRequest.parseFrom(bytes);
                    return new ServiceRegistry.ApplyNamespace(fromProto(request.getNamespace()), resolve(request.getReplyTo()));
                }
                case DELETE_NAMESPACE:
                {
                    final DeleteNamespaceRequest request = DeleteNamespaceRequest.parseFrom(bytes);
                    return new ServiceRegistry.DeleteNamespace(request.getName(), resolve(request.getReplyTo()));
                }
                case REPLY:
                {
                    final dev.podnet.proto.controlplane.RegistryReply reply = dev.podnet.proto.controlplane.RegistryReply.parseFrom(bytes);
                    return new ServiceRegistry.RegistryReply(
                        reply.getOutcome().isEmpty() ? null : reply.getOutcome(), reply.getStatus(),
                        reply.getError().isEmpty() ? null : reply.getError(),
                        reply.hasService() ? fromProto(reply.getService()) : null,
                        reply.hasNamespace() ? fromProto(reply.getNamespace()) : null);
                }
                case POLICY:
                    return fromProto(NetworkPolicyRecord.parseFrom(bytes));
                case APPLY_POLICY:
                {
                    final ApplyNetworkPolicyRequest request = ApplyNetworkPolicyRequest.parseFrom(bytes);
                    return new ServiceRegistry.ApplyNetworkPolicy(fromProto(request.getPolicy()), resolve(request.getReplyTo()));
                }
                case DELETE_POLICY:
                {
                    final DeleteNetworkPolicyRequest request = DeleteNetworkPolicyRequest.parseFrom(bytes);
                    return new ServiceRegistry.DeleteNetworkPolicy(request.getNamespace(), request.getName(),
                        resolve(request.getReplyTo()));
                }
                default:
                    throw new NotSerializableException("unknown manifest '" + manifest + "'");
            }
        }
        catch (final InvalidProtocolBufferException ex)
        {
            throw new NotSerializableException("malformed " + manifest + ": " + ex.getMessage());
        }
    }

    private String ref(final ActorRef<?> ref)
    {
        return resolver().toSerializationFormat(ref);
    }

    private <T> ActorRef<T> resolve(final String ref)
    {
        return resolver().resolveActorRef(ref);
    }

    private ActorRefResolver resolver()
    {
        ActorRefResolver current = resolver;
        if (current == null)
        {
            current = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = current;
        }
        return current;
    }

    static NamespaceRecord toProto(final NamespaceInfo namespace)
    {
        return NamespaceRecord.newBuilder().setName(namespace.name()).putAllLabels(namespace.labels())
            .setCreatedAt(namespace.createdAt()).build();
    }

    static NamespaceInfo fromProto(final NamespaceRecord record)
    {
        return new NamespaceInfo(record.getName(), record.getLabelsMap(), record.getCreatedAt());
    }

    static ServiceRecord toProto(final ServiceInfo service)
    {
        final ServiceRecord.Builder builder = ServiceRecord.newBuilder()
            .setNamespace(service.namespace())
            .setName(service.name())
            .putAllLabels(service.labels())
            .putAllSelector(service.selector())
            .setType(service.type())
            .setClusterIp(service.clusterIp())
            .setSessionAffinity(service.sessionAffinity())
            .setAffinityTimeoutSeconds(service.affinityTimeoutSeconds())
            .setCreatedAt(service.createdAt())
            .setUpdatedAt(service.updatedAt());
        for (final ServicePortInfo port : service.ports())
        {
            builder.addPorts(ServicePortRecord.newBuilder().setName(port.name()).setProtocol(port.protocol()).setPort(port.port())
                .setTargetPort(port.targetPort()).setTargetPortName(port.targetPortName()).setNodePort(port.nodePort()));
        }
        return builder.build();
    }

    static ServiceInfo fromProto(final ServiceRecord record)
    {
        final List<ServicePortInfo> ports = new ArrayList<>();
        for (final ServicePortRecord port : record.getPortsList())
        {
            ports.add(new ServicePortInfo(port.getName(), port.getProtocol(), port.getPort(), port.getTargetPort(),
                port.getTargetPortName(), port.getNodePort()));
        }
        return new ServiceInfo(record.getNamespace(), record.getName(), record.getLabelsMap(), record.getSelectorMap(),
            record.getType(), record.getClusterIp(), ports, record.getSessionAffinity(), record.getAffinityTimeoutSeconds(),
            record.getCreatedAt(), record.getUpdatedAt());
    }

    private static EndpointAddressRecord toProto(final EndpointAddressInfo address)
    {
        return EndpointAddressRecord.newBuilder().setIp(address.ip()).setNode(address.node()).setPod(address.pod())
            .setHostname(address.hostname()).addAllTargetPorts(address.targetPorts()).build();
    }

    private static List<EndpointAddressInfo> addresses(final List<EndpointAddressRecord> records)
    {
        final List<EndpointAddressInfo> result = new ArrayList<>(records.size());
        for (final EndpointAddressRecord record : records)
        {
            result.add(new EndpointAddressInfo(record.getIp(), record.getNode(), record.getPod(), record.getHostname(),
                record.getTargetPortsList()));
        }
        return result;
    }

    static NetworkPolicyRecord toProto(final NetworkPolicyInfo policy)
    {
        final NetworkPolicyRecord.Builder builder = NetworkPolicyRecord.newBuilder()
            .setNamespace(policy.namespace())
            .setName(policy.name())
            .putAllLabels(policy.labels())
            .setPodSelector(toProto(policy.podSelector()))
            .setIngress(policy.ingress())
            .setEgress(policy.egress())
            .setCreatedAt(policy.createdAt())
            .setUpdatedAt(policy.updatedAt());
        policy.ingressRules().forEach(rule -> builder.addIngressRules(toProto(rule)));
        policy.egressRules().forEach(rule -> builder.addEgressRules(toProto(rule)));
        return builder.build();
    }

    static NetworkPolicyInfo fromProto(final NetworkPolicyRecord record)
    {
        return new NetworkPolicyInfo(record.getNamespace(), record.getName(), record.getLabelsMap(),
            fromProto(record.getPodSelector()), record.getIngress(), record.getEgress(),
            record.getIngressRulesList().stream().map(ServiceSerializer::fromProto).toList(),
            record.getEgressRulesList().stream().map(ServiceSerializer::fromProto).toList(),
            record.getCreatedAt(), record.getUpdatedAt());
    }

    private static PolicyRuleRecord toProto(final NetworkPolicyInfo.Rule rule)
    {
        final PolicyRuleRecord.Builder builder = PolicyRuleRecord.newBuilder();
        for (final NetworkPolicyInfo.Peer peer : rule.peers())
        {
            final PolicyPeerRecord.Builder record = PolicyPeerRecord.newBuilder();
            if (peer.podSelector() != null)
            {
                record.setPodSelector(toProto(peer.podSelector()));
            }
            if (peer.namespaceSelector() != null)
            {
                record.setNamespaceSelector(toProto(peer.namespaceSelector()));
            }
            if (peer.cidr() != null)
            {
                record.setCidr(peer.cidr()).addAllExcept(peer.except());
            }
            builder.addPeers(record);
        }
        for (final NetworkPolicyInfo.Port port : rule.ports())
        {
            builder.addPorts(PolicyPortRecord.newBuilder().setProtocol(port.protocol()).setPort(port.port()).setPortName(port.name())
                .setEndPort(port.endPort()));
        }
        return builder.build();
    }

    private static NetworkPolicyInfo.Rule fromProto(final PolicyRuleRecord record)
    {
        final List<NetworkPolicyInfo.Peer> peers = new ArrayList<>();
        for (final PolicyPeerRecord peer : record.getPeersList())
        {
            peers.add(new NetworkPolicyInfo.Peer(
                peer.hasPodSelector() ? fromProto(peer.getPodSelector()) : null,
                peer.hasNamespaceSelector() ? fromProto(peer.getNamespaceSelector()) : null,
                peer.getCidr().isEmpty() ? null : peer.getCidr(), peer.getExceptList()));
        }
        final List<NetworkPolicyInfo.Port> ports = new ArrayList<>();
        for (final PolicyPortRecord port : record.getPortsList())
        {
            ports.add(new NetworkPolicyInfo.Port(port.getProtocol(), port.getPort(), port.getPortName(), port.getEndPort()));
        }
        return new NetworkPolicyInfo.Rule(peers, ports);
    }

    private static LabelSelectorRecord toProto(final LabelSelectorInfo selector)
    {
        final LabelSelectorRecord.Builder builder = LabelSelectorRecord.newBuilder().putAllMatchLabels(selector.matchLabels());
        for (final LabelSelectorInfo.Requirement requirement : selector.matchExpressions())
        {
            builder.addMatchExpressions(LabelRequirementRecord.newBuilder().setKey(requirement.key())
                .setOperator(requirement.operator()).addAllValues(requirement.values()));
        }
        return builder.build();
    }

    private static LabelSelectorInfo fromProto(final LabelSelectorRecord record)
    {
        final List<LabelSelectorInfo.Requirement> requirements = new ArrayList<>();
        for (final LabelRequirementRecord requirement : record.getMatchExpressionsList())
        {
            requirements.add(new LabelSelectorInfo.Requirement(requirement.getKey(), requirement.getOperator(),
                requirement.getValuesList()));
        }
        return new LabelSelectorInfo(record.getMatchLabelsMap(), requirements);
    }
}
