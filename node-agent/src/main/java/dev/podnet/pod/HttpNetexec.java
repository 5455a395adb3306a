package dev.podnet.pod;

import dev.podnet.tcp.TcpAcceptor;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP/1.1 side of netexec (Kubernetes' e2e {@code agnhost netexec}) every pod serves on TCP port
 * {@value #PORT}:
 * <ul>
 *   <li>{@code GET /hostname}: the pod's name;</li>
 *   <li>{@code GET /clientip}: the client's {@code ip:port} as this pod saw it (across nodes: no NAT);</li>
 *   <li>{@code GET /echo?msg=TEXT}: TEXT, URL-decoded as Go's {@code FormValue} does ({@code +} is a space);</li>
 *   <li>anything else: 404 {@code 404 page not found}, as Go's mux answers.</li>
 * </ul>
 * Responses are {@code text/plain; charset=utf-8} with a {@code Content-Length}. Connections are kept alive as
 * HTTP/1.1 says (RFC 9112 9.3: unless {@code Connection: close}; HTTP/1.0 only with {@code Connection:
 * keep-alive}); requests may follow each other on one connection (pipelining), a request body given by
 * {@code Content-Length} is read and ignored. A request head over {@value #MAX_HEAD} bytes is answered 431, one
 * that does not parse 400 (RFC 9112 3), a chunked request body 501; each then closes the connection.
 * <p>
 * Requests are parsed from the connection's bytes into one buffer shared by all connections, and answers built in
 * another: serving a request allocates nothing.
 */
final class HttpNetexec implements TcpAcceptor
{
    static final int PORT = 8080;
    static final int MAX_HEAD = 8192;
    private static final int MAX_BODY = MAX_HEAD;
    private static final byte[] HTTP_1_1 = ascii("HTTP/1.1");
    private static final byte[] HTTP_1_0 = ascii("HTTP/1.0");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] HEAD = ascii("HEAD");
    private static final byte[] PATH_HOSTNAME = ascii("/hostname");
    private static final byte[] PATH_CLIENT_IP = ascii("/clientip");
    private static final byte[] PATH_ECHO = ascii("/echo");
    private static final byte[] MSG = ascii("msg");
    private static final byte[] NOT_FOUND = ascii("404 page not found\n");
    private static final byte[] STATUS_PREFIX = ascii("HTTP/1.1 ");
    private static final byte[] HEADERS = ascii("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    private static final byte[] CONNECTION_CLOSE = ascii("\r\nConnection: close");
    private static final byte[] END_OF_HEAD = ascii("\r\n\r\n");

    private final byte[] hostname;
    private final UnsafeBuffer head = new UnsafeBuffer(new byte[MAX_HEAD]);
    private final UnsafeBuffer body = new UnsafeBuffer(new byte[MAX_BODY]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[MAX_BODY + 256]);

    // the request being parsed (one at a time: the data plane's thread)
    private int status;
    private int bodyLength;
    private boolean keepAlive;
    private boolean headRequest;
    private long contentLength;

    HttpNetexec(final String podName)
    {
        this.hostname = podName.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public TcpHandler accept(final int remoteIp, final int remotePort, final long nowNanos)
    {
        return new Exchange();
    }

    /** One client connection. */
    private final class Exchange implements TcpHandler
    {
        private long bodyToSkip;
        private boolean closing;

        @Override
        public void onEstablished(final TcpConnection connection, final long nowNanos)
        {
            connection.nodelay(true); // as Go's server: an answer leaves at once
        }

        @Override
        public void onReadable(final TcpConnection connection, final long nowNanos)
        {
            while (true)
            {
                if (bodyToSkip > 0)
                {
                    bodyToSkip -= connection.skip((int)Math.min(bodyToSkip, Integer.MAX_VALUE));
                    if (bodyToSkip > 0)
                    {
                        return;
                    }
                }
                if (closing)
                {
                    connection.skip(connection.readable());
                    if (connection.peerClosed())
                    {
                        connection.close();
                    }
                    return;
                }
                final int readable = connection.readable();
                if (readable == 0)
                {
                    if (connection.peerClosed())
                    {
                        connection.close();
                    }
                    return;
                }
                final int end = headEnd(connection, Math.min(readable, MAX_HEAD));
                if (end < 0)
                {
                    if (readable >= MAX_HEAD)
                    {
                        finish(connection, respondError(431, "Request Header Fields Too Large"));
                    }
                    else if (connection.peerClosed())
                    {
                        connection.close(); // an incomplete request and nothing more to come
                    }
                    return;
                }
                connection.peek(0, head, 0, end);
                connection.skip(end);
                final int length = serve(end, connection.remoteIp(), connection.remotePort());
                bodyToSkip = contentLength;
                connection.write(response, 0, length);
                if (!keepAlive)
                {
                    finish(connection, 0);
                }
            }
        }

        /** Stop serving: close, or (with unread bytes, which would make close a reset) half close and drain. */
        private void finish(final TcpConnection connection, final int errorLength)
        {
            if (errorLength > 0)
            {
                connection.write(response, 0, errorLength);
            }
            closing = true;
            bodyToSkip = 0;
            connection.skip(connection.readable());
            connection.close();
        }

        @Override
        public String application()
        {
            return "http";
        }
    }

    /** @return the index after the request head's empty line, or -1 when it is not all there. */
    private static int headEnd(final TcpConnection connection, final int limit)
    {
        for (int i = 3; i < limit; i++)
        {
            if (connection.peekByte(i) == '\n' && connection.peekByte(i - 1) == '\r' &&
                connection.peekByte(i - 2) == '\n' && connection.peekByte(i - 3) == '\r')
            {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Parse the request head in {@link #head} and build the answer in {@link #response}.
     *
     * @return the response's length.
     */
    int serve(final int headLength, final int clientIp, final int clientPort)
    {
        keepAlive = false;
        headRequest = false;
        contentLength = 0;
        bodyLength = 0;
        status = 200;
        final int lineEnd = indexOf(head, 0, headLength, (byte)'\r');
        final int methodEnd = indexOf(head, 0, lineEnd, (byte)' ');
        final int targetEnd = methodEnd < 0 ? -1 : indexOf(head, methodEnd + 1, lineEnd, (byte)' ');
        if (methodEnd <= 0 || targetEnd <= methodEnd + 1 || head.getByte(methodEnd + 1) != '/')
        {
            return respondError(400, "Bad Request");
        }
        final boolean http11 = regionEquals(head, targetEnd + 1, lineEnd, HTTP_1_1);
        if (!http11 && !regionEquals(head, targetEnd + 1, lineEnd, HTTP_1_0))
        {
            return respondError(400, "Bad Request");
        }
        headRequest = regionEquals(head, 0, methodEnd, HEAD);
        keepAlive = http11;
        if (!parseHeaders(lineEnd + 2, headLength))
        {
            return respondError(status, status == 501 ? "Not Implemented" : "Bad Request");
        }
        final int targetStart = methodEnd + 1;
        final int query = indexOf(head, targetStart, targetEnd, (byte)'?');
        final int pathEnd = query < 0 ? targetEnd : query;
        if (regionEquals(head, targetStart, pathEnd, PATH_HOSTNAME))
        {
            body.putBytes(0, hostname);
            bodyLength = hostname.length;
        }
        else if (regionEquals(head, targetStart, pathEnd, PATH_CLIENT_IP))
        {
            bodyLength = Netexec.putIp(body, 0, clientIp);
            body.putByte(bodyLength++, (byte)':');
            bodyLength += body.putIntAscii(bodyLength, clientPort);
        }
        else if (regionEquals(head, targetStart, pathEnd, PATH_ECHO))
        {
            bodyLength = query < 0 ? 0 : queryValue(query + 1, targetEnd, MSG);
        }
        else
        {
            status = 404;
            body.putBytes(0, NOT_FOUND);
            bodyLength = NOT_FOUND.length;
        }
        return respond(status == 404 ? "Not Found" : "OK");
    }

    /** Headers that matter: Connection, Content-Length, Transfer-Encoding. False on a malformed one. */
    private boolean parseHeaders(final int start, final int headLength)
    {
        int line = start;
        while (line < headLength - 2)
        {
            final int end = indexOf(head, line, headLength, (byte)'\r');
            if (end < 0 || end == line)
            {
                break;
            }
            final int colon = indexOf(head, line, end, (byte)':');
            if (colon <= line)
            {
                status = 400;
                return false;
            }
            int valueStart = colon + 1;
            while (valueStart < end && (head.getByte(valueStart) == ' ' || head.getByte(valueStart) == '\t'))
            {
                valueStart++;
            }
            int valueEnd = end;
            while (valueEnd > valueStart && (head.getByte(valueEnd - 1) == ' ' || head.getByte(valueEnd - 1) == '\t'))
            {
                valueEnd--;
            }
            if (equalsIgnoreCase(head, line, colon, CONNECTION))
            {
                if (containsIgnoreCase(head, valueStart, valueEnd, CLOSE))
                {
                    keepAlive = false;
                }
                else if (containsIgnoreCase(head, valueStart, valueEnd, KEEP_ALIVE))
                {
                    keepAlive = true;
                }
            }
            else if (equalsIgnoreCase(head, line, colon, CONTENT_LENGTH))
            {
                long value = 0;
                if (valueStart == valueEnd)
                {
                    status = 400;
                    return false;
                }
                for (int i = valueStart; i < valueEnd; i++)
                {
                    final byte b = head.getByte(i);
                    if (b < '0' || b > '9' || value > Integer.MAX_VALUE)
                    {
                        status = 400;
                        return false;
                    }
                    value = value * 10 + (b - '0');
                }
                contentLength = value;
            }
            else if (equalsIgnoreCase(head, line, colon, TRANSFER_ENCODING))
            {
                status = 501; // chunked request bodies: not for a test server
                return false;
            }
            line = end + 2;
        }
        return true;
    }

    /** The URL-decoded value of query parameter {@code name} into {@link #body}; its length, 0 when absent. */
    private int queryValue(final int start, final int end, final byte[] name)
    {
        int pair = start;
        while (pair < end)
        {
            int pairEnd = indexOf(head, pair, end, (byte)'&');
            if (pairEnd < 0)
            {
                pairEnd = end;
            }
            final int equals = indexOf(head, pair, pairEnd, (byte)'=');
            final int nameEnd = equals < 0 ? pairEnd : equals;
            if (regionEquals(head, pair, nameEnd, name))
            {
                return equals < 0 ? 0 : urlDecode(equals + 1, pairEnd);
            }
            pair = pairEnd + 1;
        }
        return 0;
    }

    private int urlDecode(final int start, final int end)
    {
        int length = 0;
        for (int i = start; i < end && length < MAX_BODY; i++)
        {
            final byte b = head.getByte(i);
            if (b == '+')
            {
                body.putByte(length++, (byte)' ');
            }
            else if (b == '%' && i + 2 < end && hex(head.getByte(i + 1)) >= 0 && hex(head.getByte(i + 2)) >= 0)
            {
                body.putByte(length++, (byte)(hex(head.getByte(i + 1)) << 4 | hex(head.getByte(i + 2))));
                i += 2;
            }
            else
            {
                body.putByte(length++, b);
            }
        }
        return length;
    }

    private int respondError(final int code, final String reason)
    {
        status = code;
        keepAlive = false;
        contentLength = 0;
        headRequest = false;
        bodyLength = body.putStringWithoutLengthAscii(0, reason + "\n");
        return respond(reason);
    }

    /** Status line, headers and body of {@link #body} into {@link #response}. */
    private int respond(final String reason)
    {
        int at = 0;
        response.putBytes(at, STATUS_PREFIX);
        at += STATUS_PREFIX.length;
        at += response.putIntAscii(at, status);
        response.putByte(at++, (byte)' ');
        at += response.putStringWithoutLengthAscii(at, reason);
        response.putBytes(at, HEADERS);
        at += HEADERS.length;
        at += response.putIntAscii(at, bodyLength);
        if (!keepAlive)
        {
            response.putBytes(at, CONNECTION_CLOSE);
            at += CONNECTION_CLOSE.length;
        }
        response.putBytes(at, END_OF_HEAD);
        at += END_OF_HEAD.length;
        if (!headRequest)
        {
            response.putBytes(at, body, 0, bodyLength);
            at += bodyLength;
        }
        return at;
    }

    private static int hex(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static int indexOf(final DirectBuffer buffer, final int start, final int end, final byte value)
    {
        for (int i = start; i < end; i++)
        {
            if (buffer.getByte(i) == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionEquals(final DirectBuffer buffer, final int start, final int end, final byte[] expected)
    {
        if (end - start != expected.length)
        {
            return false;
        }
        for (int i = 0; i < expected.length; i++)
        {
            if (buffer.getByte(start + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsIgnoreCase(final DirectBuffer buffer, final int start, final int end, final byte[] lower)
    {
        if (end - start != lower.length)
        {
            return false;
        }
        return containsIgnoreCase(buffer, start, end, lower);
    }

    private static boolean containsIgnoreCase(final DirectBuffer buffer, final int start, final int end, final byte[] lower)
    {
        for (int i = start; i + lower.length <= end; i++)
        {
            int j = 0;
            while (j < lower.length && (buffer.getByte(i + j) | 0x20) == lower[j])
            {
                j++;
            }
            if (j == lower.length)
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
