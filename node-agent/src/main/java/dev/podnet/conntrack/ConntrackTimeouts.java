package dev.podnet.conntrack;

import java.time.Duration;

/**
 * How long a tracked connection lives without traffic, per protocol and state: Linux nf_conntrack's
 * defaults ({@code /proc/sys/net/netfilter/nf_conntrack_*_timeout*}) with kube-proxy's two overrides
 * for TCP ({@code --conntrack-tcp-timeout-established} 24 h, {@code --conntrack-tcp-timeout-close-wait} 1 h).
 *
 * @param udpUnreplied  a UDP flow that has seen no reply, or replies for less than {@link #UDP_STREAM_AFTER} (30 s)
 * @param udpStream     a UDP flow with replies that went on past {@link #UDP_STREAM_AFTER}: ASSURED (120 s)
 * @param icmp          ICMP (30 s)
 * @param tcpSynSent    a TCP connection before its first reply (120 s)
 * @param tcpEstablished an established TCP connection (kube-proxy: 24 h; Linux: 5 days)
 * @param tcpCloseWait  after a FIN (kube-proxy: 1 h)
 * @param tcpTimeWait   after both FINs or an RST (120 s)
 */
public record ConntrackTimeouts(
    Duration udpUnreplied, Duration udpStream, Duration icmp, Duration tcpSynSent, Duration tcpEstablished,
    Duration tcpCloseWait, Duration tcpTimeWait)
{
    /** nf_conntrack_proto_udp.c: a replied UDP flow still active two seconds after it began is a stream. */
    public static final Duration UDP_STREAM_AFTER = Duration.ofSeconds(2);

    public static final ConntrackTimeouts DEFAULTS = new ConntrackTimeouts(
        Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(120),
        Duration.ofHours(24), Duration.ofHours(1), Duration.ofSeconds(120));

    public ConntrackTimeouts
    {
        for (final Duration each : new Duration[] {udpUnreplied, udpStream, icmp, tcpSynSent, tcpEstablished, tcpCloseWait, tcpTimeWait})
        {
            if (each == null || each.isNegative() || each.isZero())
            {
                throw new IllegalArgumentException("conntrack timeouts must be > 0: " + each);
            }
        }
    }
}
