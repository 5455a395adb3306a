package dev.podnet.tcp;

import java.util.Locale;

/**
 * What a pod's TCP counts, in the spirit of Linux's {@code netstat -s} ({@code Tcp:} and {@code TcpExt:} MIBs).
 */
public enum TcpCounter
{
    /** Connections opened by this side (Linux ActiveOpens). */
    ACTIVE_OPENS,
    /** Connections accepted by a listener (Linux PassiveOpens). */
    PASSIVE_OPENS,
    /** Connections that failed before they were established (Linux AttemptFails). */
    ATTEMPT_FAILS,
    /** Established connections ended by a reset, either way (Linux EstabResets). */
    ESTABLISHED_RESETS,
    /** Segments received, good ones. */
    SEGMENTS_IN,
    /** Segments sent, retransmissions included. */
    SEGMENTS_OUT,
    /** Segments sent again (Linux RetransSegs). */
    RETRANSMITTED_SEGMENTS,
    /** Retransmission timeouts found spurious by their ACK's timestamp and undone (RFC 3522, 4015; Linux TCPSpuriousRTOs). */
    SPURIOUS_TIMEOUTS,
    /** Fast retransmits on duplicate ACKs (Linux TCPFastRetrans). */
    FAST_RETRANSMITS,
    /** Retransmission timer expiries (Linux TCPTimeouts). */
    TIMEOUTS,
    /** Resets sent (Linux OutRsts). */
    RESETS_SENT,
    /** Segments for no connection and no listener, answered with a reset. */
    NO_LISTENER,
    /** Challenge ACKs sent for in-window RSTs and SYNs (RFC 5961; Linux TCPChallengeACK). */
    CHALLENGE_ACKS,
    /** Challenge ACKs not sent because of their rate limit. */
    CHALLENGE_ACKS_LIMITED,
    /** Segments outside the receive window, or ACKs of data never sent, answered with an ACK and dropped. */
    OUT_OF_WINDOW,
    /** Segments dropped by PAWS: an older timestamp than the connection's (RFC 7323 5). */
    PAWS_REJECTED,
    /** Out-of-order segments not kept: too many gaps at once. */
    OUT_OF_ORDER_DROPPED,
    /** SYNs dropped because a listener's backlog or the pod's connection limit was full (Linux ListenOverflows). */
    LISTEN_OVERFLOWS,
    /** Connections that timed out (Linux TCPAbortOnTimeout). */
    CONNECTION_TIMEOUTS,
    /** Path MTU reductions applied from ICMP fragmentation-needed. */
    PMTU_REDUCTIONS,
    /** ICMP errors about a connection that did not match what it sent (RFC 5927), ignored. */
    ICMP_IGNORED,
    /** Zero-window probes sent. */
    WINDOW_PROBES,
    /** Times data waited because the way out (node queue, tunnel) had no room: TCP small queues at work. */
    SEND_BLOCKED;

    private final String label = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** @return kebab-case name for metrics and the API. */
    public String label()
    {
        return label;
    }
}
