package dev.podnet.pod;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The outcome of one HTTP request from a pod ({@code curl}): a response, or why there was none.
 *
 * @param status         the status code, 0 without a response
 * @param reason         the status line's reason phrase
 * @param version        the response's HTTP version, e.g. {@code HTTP/1.1}
 * @param headers        the response headers in order, names as sent
 * @param body           the body, de-chunked; empty without a response
 * @param remoteIp       the server's address
 * @param remotePort     the server's port
 * @param localPort      the client's (ephemeral) port, 0 when no connection was made
 * @param connectNanos   from the SYN to the handshake's end; -1 when it never completed
 * @param firstByteNanos from the SYN to the response's first byte; -1 without one
 * @param totalNanos     from the SYN to the end of the response (or the failure)
 * @param error          null on success, else {@code connection-refused}, {@code connection-reset}, {@code timeout},
 *                       {@code host-unreachable}, {@code net-unreachable}, {@code timed-out},
 *                       {@code malformed-response: ...}, {@code response-too-large}, {@code no-free-port}, ...
 */
public record HttpResult(
    int status,
    String reason,
    String version,
    List<Header> headers,
    byte[] body,
    int remoteIp,
    int remotePort,
    int localPort,
    long connectNanos,
    long firstByteNanos,
    long totalNanos,
    String error)
{
    /** A response header. */
    public record Header(String name, String value)
    {
    }

    /** @return whether a complete response came back. */
    public boolean ok()
    {
        return error == null;
    }

    /** @return the body as UTF-8 text. */
    public String bodyText()
    {
        return new String(body, StandardCharsets.UTF_8);
    }
}
