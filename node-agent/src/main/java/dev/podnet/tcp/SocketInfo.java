package dev.podnet.tcp;

/**
 * One socket as {@code ss -tin} shows it: a listening port or a connection, with its queues and the engine's view
 * of the path. A snapshot, made on the data-plane thread.
 *
 * @param state          {@code LISTEN}, {@code ESTAB}, {@code TIME-WAIT}, ... ({@link TcpState#label()})
 * @param localIp        local address
 * @param localPort      local port
 * @param remoteIp       remote address (0 for a listener)
 * @param remotePort     remote port (0 for a listener)
 * @param receiveQueue   bytes received, not yet read by the application (a listener: connections half-open)
 * @param sendQueue      bytes written by the application, not yet acknowledged (a listener: its backlog)
 * @param application    what runs on it ({@link TcpHandler#application()})
 * @param mss            bytes of data per segment sent
 * @param pathMtu        path MTU in use
 * @param cwnd           congestion window, bytes
 * @param ssthresh       slow-start threshold, bytes ({@code Integer.MAX_VALUE} while unset)
 * @param srttMicros     smoothed round-trip time
 * @param rttvarMicros   round-trip time variation
 * @param rtoMillis      retransmission timeout
 * @param sendWindow     the peer's window, bytes
 * @param receiveWindow  the window last announced, bytes
 * @param retransmits    segments sent again
 * @param bytesSent      data bytes sent once (retransmissions not counted)
 * @param bytesAcked     data bytes the peer acknowledged
 * @param bytesReceived  data bytes received in order
 * @param options        negotiated options, e.g. {@code "ts sack wscale:7,7"}
 * @param congestion     congestion control and its phase, e.g. {@code "newreno"} or {@code "newreno recovery"}
 */
public record SocketInfo(
    String state,
    int localIp,
    int localPort,
    int remoteIp,
    int remotePort,
    int receiveQueue,
    int sendQueue,
    String application,
    int mss,
    int pathMtu,
    int cwnd,
    int ssthresh,
    long srttMicros,
    long rttvarMicros,
    long rtoMillis,
    int sendWindow,
    int receiveWindow,
    long retransmits,
    long bytesSent,
    long bytesAcked,
    long bytesReceived,
    String options,
    String congestion)
{
}
