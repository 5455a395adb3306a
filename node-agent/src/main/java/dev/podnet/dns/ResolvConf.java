package dev.podnet.dns;

import dev.podnet.packet.Ipv4Address;

import java.time.Duration;
import java.util.List;

/**
 * A pod's {@code /etc/resolv.conf} as the kubelet writes it for {@code dnsPolicy: ClusterFirst}: the
 * cluster DNS Service as the name server, the search path {@code <ns>.svc.<zone> svc.<zone> <zone>}
 * and {@code ndots:5}; timeout and attempts are glibc's defaults (5 s, 2).
 *
 * @param nameserver the DNS Service's ClusterIP
 * @param search     search domains, in order
 * @param ndots      a name with at least this many dots is tried as is before the search domains
 * @param timeout    how long one query waits for its answer
 * @param attempts   how many times each query is sent
 */
public record ResolvConf(int nameserver, List<String> search, int ndots, Duration timeout, int attempts)
{
    public static final int DEFAULT_NDOTS = 5;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_ATTEMPTS = 2;

    public ResolvConf
    {
        search = List.copyOf(search);
        if (ndots < 0 || ndots > 15)
        {
            throw new IllegalArgumentException("ndots " + ndots + " outside 0..15");
        }
        if (attempts < 1 || attempts > 5)
        {
            throw new IllegalArgumentException("attempts " + attempts + " outside 1..5");
        }
    }

    /** What the kubelet gives a pod of {@code namespace} in a cluster whose DNS domain is {@code zone}. */
    public static ResolvConf forPod(final int nameserver, final String namespace, final String zone)
    {
        return new ResolvConf(nameserver, List.of(namespace + ".svc." + zone, "svc." + zone, zone), DEFAULT_NDOTS,
            DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    public ResolvConf withTimeout(final Duration timeout, final int attempts)
    {
        return new ResolvConf(nameserver, search, ndots, timeout, attempts);
    }

    /** The file's text, for a real pod's network namespace. */
    public String render()
    {
        return "nameserver " + Ipv4Address.format(nameserver) + "\n" +
            "search " + String.join(" ", search) + "\n" +
            "options ndots:" + ndots + (timeout.equals(DEFAULT_TIMEOUT) ? "" : " timeout:" + timeout.toSeconds()) +
            (attempts == DEFAULT_ATTEMPTS ? "" : " attempts:" + attempts) + "\n";
    }
}
