package dev.podnet.dataplane;

/**
 * A port a pod's container declares ({@code spec.containers[].ports[]}): what a Service's named
 * {@code targetPort} resolves to, pod by pod.
 *
 * @param name     its name (an IANA_SVC_NAME), or empty
 * @param port     {@code containerPort}
 * @param protocol {@code TCP} or {@code UDP}
 */
public record ContainerPort(String name, int port, String protocol)
{
    public ContainerPort
    {
        name = name == null ? "" : name;
        protocol = protocol == null ? "TCP" : protocol;
    }
}
