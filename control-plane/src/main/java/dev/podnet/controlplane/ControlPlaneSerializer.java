package dev.podnet.controlplane;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.podnet.proto.controlplane.AcquireLease;
import dev.podnet.proto.controlplane.EndpointRecord;
import dev.podnet.proto.controlplane.Lease;

import java.io.NotSerializableException;

/**
 * Serializes every {@link ControlPlaneMessage} with the Protobuf schemas of
 * {@code proto/controlplane.proto}: the records stay plain Java, the wire stays Protobuf, and Java
 * serialization stays off.
 */
public final class ControlPlaneSerializer extends SerializerWithStringManifest
{
    private static final String LEASE = "L";
    private static final String ENDPOINT = "E";
    private static final String ACQUIRE = "A";
    private static final String REPLY = "R";

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    public ControlPlaneSerializer(final ExtendedActorSystem system)
    {
        this.system = system;
    }

    @Override
    public int identifier()
    {
        return 4242;
    }

    @Override
    public String manifest(final Object message)
    {
        if (message instanceof LeaseInfo)
        {
            return LEASE;
        }
        if (message instanceof EndpointInfo)
        {
            return ENDPOINT;
        }
        if (message instanceof LeaseAllocator.Acquire)
        {
            return ACQUIRE;
        }
        if (message instanceof LeaseAllocator.LeaseReply)
        {
            return REPLY;
        }
        throw new IllegalArgumentException("no Protobuf schema for " + message.getClass().getName());
    }

    @Override
    public byte[] toBinary(final Object message)
    {
        if (message instanceof LeaseInfo lease)
        {
            return toProto(lease).toByteArray();
        }
        if (message instanceof EndpointInfo endpoint)
        {
            final EndpointRecord.Builder record = EndpointRecord.newBuilder()
                .setIp(endpoint.ip())
                .setMac(endpoint.mac())
                .setNode(endpoint.node())
                .setPod(endpoint.pod())
                .setIncarnation(endpoint.incarnation())
                .setVersion(endpoint.version())
                .setPublishedAt(endpoint.publishedAt())
                .setNetns(endpoint.netns() == null ? "" : endpoint.netns())
                .setNamespace(endpoint.namespace())
                .putAllLabels(endpoint.labels())
                .setHostname(endpoint.hostname())
                .setSubdomain(endpoint.subdomain());
            for (final PodPortInfo port : endpoint.ports())
            {
                record.addPorts(dev.podnet.proto.controlplane.ContainerPortRecord.newBuilder()
                    .setName(port.name()).setPort(port.port()).setProtocol(port.protocol()));
            }
            return record.build().toByteArray();
        }
        if (message instanceof LeaseAllocator.Acquire acquire)
        {
            return AcquireLease.newBuilder()
                .setNode(acquire.node())
                .setClusterCidr(acquire.clusterCidr())
                .setNodePrefix(acquire.nodePrefix())
                .setTunnelHost(acquire.tunnelHost())
                .setTunnelPort(acquire.tunnelPort())
                .setApiPort(acquire.apiPort())
                .setIncarnation(acquire.incarnation())
                .setAddress(acquire.address())
                .setUid(acquire.uid())
                .setReplyTo(resolver().toSerializationFormat(acquire.replyTo()))
                .build()
                .toByteArray();
        }
        if (message instanceof LeaseAllocator.LeaseReply reply)
        {
            final dev.podnet.proto.controlplane.LeaseReply.Builder builder = dev.podnet.proto.controlplane.LeaseReply.newBuilder();
            if (reply.lease() != null)
            {
                builder.setLease(toProto(reply.lease()));
            }
            if (reply.refused() != null)
            {
                builder.setRefused(reply.refused());
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
                case LEASE:
                    return fromProto(Lease.parseFrom(bytes));
                case ENDPOINT:
                {
                    final EndpointRecord record = EndpointRecord.parseFrom(bytes);
                    final java.util.List<PodPortInfo> ports = new java.util.ArrayList<>();
                    for (final dev.podnet.proto.controlplane.ContainerPortRecord port : record.getPortsList())
                    {
                        ports.add(new PodPortInfo(port.getName(), port.getPort(), port.getProtocol()));
                    }
                    return new EndpointInfo(
                        record.getIp(), record.getMac(), record.getNode(), record.getPod(), record.getIncarnation(), record.getVersion(),
                        record.getPublishedAt(), record.getNetns().isEmpty() ? null : record.getNetns(), record.getNamespace(),
                        record.getLabelsMap(), ports, record.getHostname(), record.getSubdomain());
                }
                case ACQUIRE:
                {
                    final AcquireLease acquire = AcquireLease.parseFrom(bytes);
                    final ActorRef<LeaseAllocator.LeaseReply> replyTo = resolver().resolveActorRef(acquire.getReplyTo());
                    return new LeaseAllocator.Acquire(
                        acquire.getNode(), acquire.getClusterCidr(), acquire.getNodePrefix(), acquire.getTunnelHost(),
                        acquire.getTunnelPort(), acquire.getApiPort(), acquire.getIncarnation(), acquire.getAddress(), acquire.getUid(),
                        replyTo);
                }
                case REPLY:
                {
                    final dev.podnet.proto.controlplane.LeaseReply reply = dev.podnet.proto.controlplane.LeaseReply.parseFrom(bytes);
                    return new LeaseAllocator.LeaseReply(
                        reply.hasLease() ? fromProto(reply.getLease()) : null,
                        reply.getRefused().isEmpty() ? null : reply.getRefused());
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

    private static Lease toProto(final LeaseInfo lease)
    {
        return Lease.newBuilder()
            .setNode(lease.node())
            .setCidr(lease.cidr())
            .setTunnelHost(lease.tunnelHost())
            .setTunnelPort(lease.tunnelPort())
            .setApiPort(lease.apiPort())
            .setIncarnation(lease.incarnation())
            .setReleasedAt(lease.releasedAt())
            .setHolderAddress(lease.holder())
            .setHolderUid(lease.holderUid())
            .build();
    }

    private static LeaseInfo fromProto(final Lease lease)
    {
        return new LeaseInfo(
            lease.getNode(), lease.getCidr(), lease.getTunnelHost(), lease.getTunnelPort(), lease.getApiPort(),
            lease.getIncarnation(), lease.getReleasedAt(), lease.getHolderAddress(), lease.getHolderUid());
    }
}
