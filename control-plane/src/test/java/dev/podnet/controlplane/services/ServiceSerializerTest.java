package dev.podnet.controlplane.services;

import dev.podnet.controlplane.ControlPlaneSerializer;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.PodPortInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the Service objects put on the wire comes back equal, through their Protobuf schemas. */
class ServiceSerializerTest
{
    private final ServiceSerializer serializer = new ServiceSerializer(null);

    private Object roundTrip(final Object value) throws Exception
    {
        return serializer.fromBinary(serializer.toBinary(value), serializer.manifest(value));
    }

    @Test
    void shouldCarryNamespacesServicesAndEndpointsWhole() throws Exception
    {
        final NamespaceInfo namespace = new NamespaceInfo("prod", Map.of("team", "a"), 17);
        final ServiceInfo service = new ServiceInfo("prod", "web", Map.of("tier", "front"), Map.of("app", "web"), ServiceInfo.NODE_PORT,
            "10.96.3.4", List.of(new ServicePortInfo("http", "UDP", 80, 0, "http", 30080), new ServicePortInfo("", "TCP", 81, 8081,
            "", 0)), ServiceInfo.AFFINITY_CLIENT_IP, 60, 1, 2);
        final ServiceEndpointsInfo endpoints = new ServiceEndpointsInfo("prod", "web",
            List.of(new EndpointAddressInfo("10.244.1.2", "node-1", "web-1", "", List.of(8081, 0))),
            List.of(new EndpointAddressInfo("10.244.2.2", "node-2", "web-2", "web-2", List.of(9090, 81))), 1234);
        final ServiceRegistry.RegistryReply reply = new ServiceRegistry.RegistryReply("created", 0, null, service, namespace);

        assertThat(roundTrip(namespace)).isEqualTo(namespace);
        assertThat(roundTrip(service)).isEqualTo(service);
        assertThat(roundTrip(endpoints)).isEqualTo(endpoints);
        assertThat(roundTrip(reply)).isEqualTo(reply);
        assertThat(roundTrip(new ServiceRegistry.RegistryReply(null, 422, "spec.clusterIP: field is immutable", null, null)))
            .isEqualTo(new ServiceRegistry.RegistryReply(null, 422, "spec.clusterIP: field is immutable", null, null));
    }

    @Test
    void shouldCarryAPodsNamespaceLabelsAndPortsInTheEndpointTable() throws Exception
    {
        final ControlPlaneSerializer podSerializer = new ControlPlaneSerializer(null);
        final EndpointInfo pod = new EndpointInfo("10.244.1.2", 42L, "node-1", "web-1", 7, 8, 9, "web-1-netns", "prod", Map.of("app", "web"),
            List.of(new PodPortInfo("http", 8081, "UDP")), "web-1", "web");

        assertThat(podSerializer.fromBinary(podSerializer.toBinary(pod), podSerializer.manifest(pod))).isEqualTo(pod);
    }

    @Test
    void shouldRefuseBytesThatAreNoRecord()
    {
        assertThatThrownBy(() -> serializer.fromBinary(new byte[] {(byte)0xFF, 1, 2}, "S"))
            .isInstanceOf(java.io.NotSerializableException.class);
        assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "?")).hasMessageContaining("unknown manifest");
    }
}
