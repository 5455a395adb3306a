package dev.podnet.controlplane.services;

/**
 * Marker for what the Service objects send across JVMs (messages and replicated values): bound to
 * {@link ServiceSerializer} (through this module's {@code reference.conf}), which writes the Protobuf
 * schemas of {@code proto/controlplane.proto}. Java serialization stays off.
 */
public interface ServiceMessage
{
}
