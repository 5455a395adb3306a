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
import dev.podnet.proto.controlplane.EndpointAddressRecord;
import dev.podnet.proto.controlplane.NamespaceRecord;
import dev.podnet.proto.controlplane.ServiceEndpointsRecord;
import dev.podnet.proto.controlplane.ServicePortRecord;
import dev.podnet.proto.controlplane.ServiceRecord;

import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;

/**
 * Serializes every {@link ServiceMessage} with the Protobuf schemas of {@code proto/controlplane.proto}
 * (namespaces, Services, their endpoints and the registry's requests and replies). Bound in this
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
}
