package dev.podnet.controlplane.services;

/**
 * One port of a Service (schema {@code ServicePortRecord}).
 *
 * @param name           its name (required when the Service has more than one port), or empty
 * @param protocol       {@code TCP} or {@code UDP}
 * @param port           the port on the ClusterIP
 * @param targetPort     the pods' port as a number, 0 when {@code targetPortName} names it
 * @param targetPortName the name of a container port, or empty
 * @param nodePort       its node port (NodePort Services), 0 otherwise or when it is to be allocated
 */
public record ServicePortInfo(String name, String protocol, int port, int targetPort, String targetPortName, int nodePort)
{
    public ServicePortInfo
    {
        name = name == null ? "" : name;
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
        targetPortName = targetPortName == null ? "" : targetPortName;
    }

    public ServicePortInfo withNodePort(final int allocated)
    {
        return new ServicePortInfo(name, protocol, port, targetPort, targetPortName, allocated);
    }

    /** {@code targetPort} as kubectl shows it: the number, or the name. */
    public String targetPortText()
    {
        return targetPortName.isEmpty() ? Integer.toString(targetPort) : targetPortName;
    }
}
