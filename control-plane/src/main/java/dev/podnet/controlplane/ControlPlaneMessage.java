package dev.podnet.controlplane;

/**
 * Marker for everything that crosses JVMs through the cluster (messages and replicated values):
 * bound to {@link ControlPlaneSerializer}, which writes the Protobuf schemas of
 * {@code proto/controlplane.proto}.
 */
public interface ControlPlaneMessage
{
}
