package dev.podnet.pod;

/**
 * The outcome of one UDP request/response: either a reply datagram or an error.
 *
 * @param fromIp   sender of the reply (or of the ICMP error)
 * @param fromPort sender's port (0 for an error)
 * @param reply    reply payload, or {@code null} on error
 * @param error    {@code null} on success, else {@code timeout}, {@code port-unreachable},
 *                 {@code host-unreachable}, {@code net-unreachable}, {@code frag-needed} or {@code time-exceeded}
 */
public record UdpExchange(int fromIp, int fromPort, byte[] reply, String error)
{
    public boolean ok()
    {
        return error == null;
    }

    /** The reply as UTF-8 text. */
    public String replyText()
    {
        return reply == null ? null : new String(reply, java.nio.charset.StandardCharsets.UTF_8);
    }
}
