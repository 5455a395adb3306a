package dev.podnet.controlplane;

/**
 * A port a pod's container declares (schema {@code ContainerPortRecord}): what a Service's named
 * {@code targetPort} resolves to on this pod.
 *
 * @param name     its name, or empty
 * @param port     {@code containerPort}
 * @param protocol {@code TCP} or {@code UDP}
 */
public record PodPortInfo(String name, int port, String protocol)
{
    public PodPortInfo
    {
        name = name == null ? "" : name;
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }
}
