package dev.podnet.pod;

/**
 * What one probe on a long-lived TCP connection found ({@code kind: tcp} in the probe log).
 *
 * @param ok            the line came back within the stall bound
 * @param outcome       {@code ok}, {@code stalled} (answered after more than 1 s, or the previous probe still
 *                      unanswered), {@code timeout}, {@code connection-reset}, {@code connection-refused},
 *                      {@code timed-out}, {@code host-unreachable}, ...
 * @param rttNanos      from sending the line to its echo (or to the failure)
 * @param localPort     the connection's local port (0 when there was none)
 * @param newConnection whether this probe opened the connection
 * @param openedAtMs    when the connection this probe went on was opened (epoch ms; 0 when there was none): a
 *                      reset says something about the whole life of the connection, not only about this probe
 */
public record TcpProbeResult(boolean ok, String outcome, long rttNanos, int localPort, boolean newConnection, long openedAtMs)
{
}
