package dev.podnet.pod;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The built-in UDP service every pod runs on port {@value #PORT}, modelled on Kubernetes' e2e
 * {@code agnhost netexec} (the image its network conformance tests use):
 * <ul>
 *   <li>{@code hostname} answers the pod's name;</li>
 *   <li>{@code clientip} answers the sender's {@code ip:port} as this pod saw it — across nodes it
 *       proves there is no NAT;</li>
 *   <li>{@code echo <text>} answers {@code <text>}.</li>
 * </ul>
 * Anything else is answered with {@code unknown command: ...}. A trailing newline is ignored, so
 * {@code echo hostname | nc -u} works as with netexec. Answers are built without allocating.
 */
public final class Netexec implements UdpHandler
{
    public static final int PORT = 8081;

    private static final byte[] HOSTNAME = "hostname".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_IP = "clientip".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ECHO = "echo ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ECHO_EMPTY = "echo".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNKNOWN = "unknown command: ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REPLY = 65507;

    private final byte[] hostname;
    private final UnsafeBuffer reply = new UnsafeBuffer(new byte[MAX_REPLY]);

    public Netexec(final String podName)
    {
        this.hostname = podName.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void onDatagram(
        final Pod pod, final int sourceIp, final int sourcePort, final int localPort,
        final DirectBuffer payload, final int offset, final int length, final long nowNanos)
    {
        int end = offset + length;
        while (end > offset && isSpace(payload.getByte(end - 1)))
        {
            end--;
        }
        final int commandLength = end - offset;
        final int replyLength;
        if (equals(payload, offset, commandLength, HOSTNAME))
        {
            reply.putBytes(0, hostname);
            replyLength = hostname.length;
        }
        else if (equals(payload, offset, commandLength, CLIENT_IP))
        {
            int at = putIp(reply, 0, sourceIp);
            reply.putByte(at++, (byte)':');
            at += reply.putIntAscii(at, sourcePort);
            replyLength = at;
        }
        else if (commandLength >= ECHO.length && equals(payload, offset, ECHO.length, ECHO))
        {
            replyLength = commandLength - ECHO.length;
            reply.putBytes(0, payload, offset + ECHO.length, replyLength);
        }
        else if (equals(payload, offset, commandLength, ECHO_EMPTY))
        {
            replyLength = 0;
        }
        else
        {
            reply.putBytes(0, UNKNOWN);
            final int quoted = Math.min(commandLength, 64);
            reply.putBytes(UNKNOWN.length, payload, offset, quoted);
            replyLength = UNKNOWN.length + quoted;
        }
        pod.sendUdp(PORT, sourceIp, sourcePort, reply, 0, replyLength, nowNanos);
    }

    private static boolean isSpace(final byte b)
    {
        return b == '\n' || b == '\r' || b == ' ' || b == '\t';
    }

    private static boolean equals(final DirectBuffer buffer, final int offset, final int length, final byte[] expected)
    {
        if (length != expected.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code ip} dotted at {@code index}; returns the index after it. Shared with {@link HttpNetexec}. */
    static int putIp(final UnsafeBuffer buffer, final int index, final int ip)
    {
        int at = index;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            at += buffer.putIntAscii(at, (ip >>> shift) & 0xFF);
            if (shift > 0)
            {
                buffer.putByte(at++, (byte)'.');
            }
        }
        return at;
    }
}
