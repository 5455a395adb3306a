package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.PodSettings;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * One node's data-plane settings, validated once when made (as Aeron's {@code Context.conclude()}).
 * Every check names the setting it is about.
 *
 * @param nodeName      the node's name (DNS-1123 label)
 * @param podCidr       the node's pod CIDR: its gateway is {@code .1}, its pods get the rest
 * @param pod           how each pod's stack behaves (MTU, ARP timers, ICMP rate)
 * @param fdbAging      how long the bridge remembers a MAC it has not seen (802.1D default 300 s)
 * @param fdbMaxEntries MACs the bridge learns at most
 * @param frameQueue    frames in flight inside the node at most
 * @param idleMode      how the data-plane thread waits when idle
 * @param services      Services and cluster DNS: the Service CIDR, the DNS address and domain, connection tracking
 * @param commandQueue  commands other threads may have queued for the data plane at once (rounded up to a
 *                      power of two); a full queue refuses a command, which its sender retries. 1024 by
 *                      default; tests make it tiny to prove that nothing is lost when it is full
 */
public record NodeConfig(
    String nodeName,
    Ipv4Cidr podCidr,
    PodSettings pod,
    Duration fdbAging,
    int fdbMaxEntries,
    int frameQueue,
    IdleMode idleMode,
    ServiceSettings services,
    int commandQueue)
{
    public static final int DEFAULT_COMMAND_QUEUE = 1024;

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public NodeConfig
    {
        requireDnsLabel("node name", nodeName);
        if (podCidr == null)
        {
            throw new IllegalArgumentException("pod CIDR is required");
        }
        if (podCidr.prefixLength() < 16 || podCidr.prefixLength() > 28)
        {
            throw new IllegalArgumentException("pod CIDR " + podCidr + ": prefix length must be 16..28");
        }
        if (pod == null)
        {
            throw new IllegalArgumentException("pod settings are required");
        }
        if (fdbAging == null || fdbAging.isNegative() || fdbAging.isZero())
        {
            throw new IllegalArgumentException("FDB ageing time must be > 0: " + fdbAging);
        }
        if (fdbMaxEntries < 16 || fdbMaxEntries > 1 << 20)
        {
            throw new IllegalArgumentException("FDB size " + fdbMaxEntries + " outside 16..1048576");
        }
        if (frameQueue < 16 || frameQueue > 1 << 16)
        {
            throw new IllegalArgumentException("frame queue " + frameQueue + " outside 16..65536");
        }
        if (idleMode == null)
        {
            throw new IllegalArgumentException("idle mode is required");
        }
        if (services == null)
        {
            throw new IllegalArgumentException("service settings are required");
        }
        if (commandQueue < 2 || commandQueue > 1 << 16)
        {
            throw new IllegalArgumentException("command queue " + commandQueue + " outside 2..65536");
        }
    }

    public static NodeConfig defaults(final String nodeName, final Ipv4Cidr podCidr)
    {
        return new NodeConfig(nodeName, podCidr, PodSettings.defaults(), Duration.ofSeconds(300), 4096, 1024, IdleMode.EFFICIENT,
            ServiceSettings.defaults(), DEFAULT_COMMAND_QUEUE);
    }

    public NodeConfig withPod(final PodSettings pod)
    {
        return new NodeConfig(nodeName, podCidr, pod, fdbAging, fdbMaxEntries, frameQueue, idleMode, services, commandQueue);
    }

    public NodeConfig withFdbAging(final Duration fdbAging)
    {
        return new NodeConfig(nodeName, podCidr, pod, fdbAging, fdbMaxEntries, frameQueue, idleMode, services, commandQueue);
    }

    public NodeConfig withIdleMode(final IdleMode idleMode)
    {
        return new NodeConfig(nodeName, podCidr, pod, fdbAging, fdbMaxEntries, frameQueue, idleMode, services, commandQueue);
    }

    public NodeConfig withServices(final ServiceSettings services)
    {
        return new NodeConfig(nodeName, podCidr, pod, fdbAging, fdbMaxEntries, frameQueue, idleMode, services, commandQueue);
    }

    public NodeConfig withCommandQueue(final int commandQueue)
    {
        return new NodeConfig(nodeName, podCidr, pod, fdbAging, fdbMaxEntries, frameQueue, idleMode, services, commandQueue);
    }

    /** Kubernetes object names: lower-case alphanumerics and '-', at most 63, alphanumeric at both ends. */
    public static boolean isDnsLabel(final String name)
    {
        return name != null && DNS_1123_LABEL.matcher(name).matches();
    }

    static void requireDnsLabel(final String name, final String what, final DataPlaneException.Kind kind)
    {
        if (!isDnsLabel(name))
        {
            throw new DataPlaneException(kind, what + " '" + name + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
    }

    static void requireDnsLabel(final String what, final String name)
    {
        if (!isDnsLabel(name))
        {
            throw new IllegalArgumentException(what + " '" + name + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
    }
}
