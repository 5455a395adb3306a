package dev.podnet.pod;

import dev.podnet.tcp.CloseReason;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP/1.1 GET from a pod, as {@code curl URL} makes it: a connection, the request, the response read to its
 * end as RFC 9112 6.3 says (a {@code Content-Length}, chunked transfer coding, or until the server closes), then
 * the connection closed by the client. Completes with the response and the timings curl's {@code -w} reports
 * (connect, first byte, total), or with what went wrong. Responses are bounded ({@value #MAX_RESPONSE} bytes).
 * A tool, not the data path: it allocates per request.
 */
final class HttpCall implements TcpHandler
{
    static final int MAX_RESPONSE = 4 << 20;
    private static final int MAX_HEAD = 64 * 1024;

    private enum Framing
    {
        LENGTH, CHUNKED, UNTIL_CLOSE, NONE
    }

    private final int remoteIp;
    private final int remotePort;
    private final byte[] request;
    private final long startedAt;
    private final long deadline;
    private final CompletableFuture<HttpResult> future;
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(new byte[16 * 1024]);
    private byte[] received = new byte[4096];
    private int receivedLength;
    private TcpConnection connection;
    private long connectNanos = -1;
    private long firstByteNanos = -1;
    // parsed head
    private int headLength = -1;
    private int status;
    private String version = "";
    private String reason = "";
    private final List<HttpResult.Header> headers = new ArrayList<>();
    private Framing framing;
    private long contentLength;

    HttpCall(
        final int remoteIp, final int remotePort, final String host, final String path, final long startedAt,
        final long deadline, final CompletableFuture<HttpResult> future)
    {
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: podnet-curl\r\nAccept: */*\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        this.startedAt = startedAt;
        this.deadline = deadline;
        this.future = future;
    }

    void connection(final TcpConnection connection)
    {
        this.connection = connection;
    }

    boolean isDone()
    {
        return future.isDone();
    }

    @Override
    public void onEstablished(final TcpConnection connection, final long nowNanos)
    {
        connectNanos = nowNanos - startedAt;
        connection.nodelay(true); // curl sets TCP_NODELAY
        connection.write(new UnsafeBuffer(request), 0, request.length);
    }

    @Override
    public void onReadable(final TcpConnection connection, final long nowNanos)
    {
        int count;
        while ((count = connection.read(readBuffer, 0, readBuffer.capacity())) > 0)
        {
            if (firstByteNanos < 0)
            {
                firstByteNanos = nowNanos - startedAt;
            }
            if (receivedLength + count > MAX_RESPONSE)
            {
                fail("response-too-large", nowNanos);
                return;
            }
            if (receivedLength + count > received.length)
            {
                received = java.util.Arrays.copyOf(received, Math.max(received.length * 2, receivedLength + count));
            }
            readBuffer.getBytes(0, received, receivedLength, count);
            receivedLength += count;
        }
        progress(connection.peerClosed(), nowNanos);
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
    {
        if (future.isDone())
        {
            return;
        }
        if (reason == CloseReason.CLOSED)
        {
            progress(true, nowNanos);
            return;
        }
        fail(reason == CloseReason.UNREACHABLE && connection.errorDetail() != null ? connection.errorDetail() : reason.label(),
            nowNanos);
    }

    /** The timeout: checked by the pod's timer. True when the call is over. */
    boolean onTimer(final long nowNanos)
    {
        if (!future.isDone() && nowNanos >= deadline)
        {
            fail("timeout", nowNanos);
        }
        return future.isDone();
    }

    void abort(final String why)
    {
        future.completeExceptionally(new IllegalStateException(why));
        if (connection != null)
        {
            connection.abort();
        }
    }

    /** Parse what arrived; complete when the response is whole. */
    private void progress(final boolean closed, final long nowNanos)
    {
        if (future.isDone())
        {
            return;
        }
        if (headLength < 0 && !parseHead(nowNanos))
        {
            if (headLength == -2)
            {
                return; // failed and completed
            }
            if (closed)
            {
                fail(receivedLength == 0 ? "empty-reply" : "malformed-response: the connection closed inside the head",
                    nowNanos);
            }
            else if (receivedLength > MAX_HEAD)
            {
                fail("malformed-response: no end of head in " + MAX_HEAD + " bytes", nowNanos);
            }
            return;
        }
        final int bodyBytes = receivedLength - headLength;
        switch (framing)
        {
            case NONE:
                complete(new byte[0], nowNanos);
                break;
            case LENGTH:
                if (bodyBytes >= contentLength)
                {
                    complete(java.util.Arrays.copyOfRange(received, headLength, headLength + (int)contentLength), nowNanos);
                }
                else if (closed)
                {
                    fail("malformed-response: the connection closed after " + bodyBytes + " of " + contentLength +
                        " body bytes", nowNanos);
                }
                break;
            case CHUNKED:
                final byte[] dechunked = dechunk();
                if (dechunked != null)
                {
                    complete(dechunked, nowNanos);
                }
                else if (closed)
                {
                    fail("malformed-response: the connection closed inside the chunked body", nowNanos);
                }
                break;
            default:
                if (closed)
                {
                    complete(java.util.Arrays.copyOfRange(received, headLength, receivedLength), nowNanos);
                }
                break;
        }
    }

    /** @return whether the head is complete and parsed (sets {@link #headLength}); -2 in it when it failed. */
    private boolean parseHead(final long nowNanos)
    {
        int end = -1;
        for (int i = 3; i < receivedLength; i++)
        {
            if (received[i] == '\n' && received[i - 1] == '\r' && received[i - 2] == '\n' && received[i - 3] == '\r')
            {
                end = i + 1;
                break;
            }
        }
        if (end < 0)
        {
            return false;
        }
        final String[] lines = new String(received, 0, end - 4, StandardCharsets.ISO_8859_1).split("\r\n");
        final String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.") || !statusLine[1].matches("\\d{3}"))
        {
            headLength = -2;
            fail("malformed-response: status line '" + lines[0] + "'", nowNanos);
            return false;
        }
        version = statusLine[0];
        status = Integer.parseInt(statusLine[1]);
        reason = statusLine.length > 2 ? statusLine[2] : "";
        framing = Framing.UNTIL_CLOSE; // RFC 9112 6.3 rule 8, unless a header says otherwise
        for (int i = 1; i < lines.length; i++)
        {
            final int colon = lines[i].indexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            final String name = lines[i].substring(0, colon).trim();
            final String value = lines[i].substring(colon + 1).trim();
            headers.add(new HttpResult.Header(name, value));
            final String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked"))
            {
                framing = Framing.CHUNKED;
            }
            else if (lower.equals("content-length") && framing != Framing.CHUNKED)
            {
                try
                {
                    contentLength = Long.parseLong(value);
                    framing = contentLength < 0 ? Framing.UNTIL_CLOSE : Framing.LENGTH;
                }
                catch (final NumberFormatException ex)
                {
                    framing = Framing.UNTIL_CLOSE;
                }
            }
        }
        if (status == 204 || status == 304 || status / 100 == 1)
        {
            framing = Framing.NONE; // RFC 9112 6.3 rule 1: no body
        }
        headLength = end;
        return true;
    }

    /** @return the body of a complete chunked message, or null while chunks are missing. */
    private byte[] dechunk()
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int at = headLength;
        while (true)
        {
            final int lineEnd = indexOfCrlf(at);
            if (lineEnd < 0)
            {
                return null;
            }
            final String sizeText = new String(received, at, lineEnd - at, StandardCharsets.ISO_8859_1);
            final int semicolon = sizeText.indexOf(';');
            final int size;
            try
            {
                size = Integer.parseInt((semicolon < 0 ? sizeText : sizeText.substring(0, semicolon)).trim(), 16);
            }
            catch (final NumberFormatException ex)
            {
                return null;
            }
            at = lineEnd + 2;
            if (size == 0)
            {
                // trailers, then an empty line
                while (true)
                {
                    final int trailerEnd = indexOfCrlf(at);
                    if (trailerEnd < 0)
                    {
                        return null;
                    }
                    if (trailerEnd == at)
                    {
                        return out.toByteArray();
                    }
                    at = trailerEnd + 2;
                }
            }
            if (at + size + 2 > receivedLength)
            {
                return null;
            }
            out.write(received, at, size);
            at += size + 2;
        }
    }

    private int indexOfCrlf(final int from)
    {
        for (int i = from; i + 1 < receivedLength; i++)
        {
            if (received[i] == '\r' && received[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private void complete(final byte[] body, final long nowNanos)
    {
        future.complete(new HttpResult(status, reason, version, List.copyOf(headers), body, remoteIp, remotePort,
            localPort(), connectNanos, firstByteNanos, nowNanos - startedAt, null));
        if (connection != null)
        {
            connection.close();
        }
    }

    /** Complete with an error; a connection still open is reset (curl gives up the same way). */
    private void fail(final String error, final long nowNanos)
    {
        future.complete(new HttpResult(status, reason, version, List.copyOf(headers), new byte[0], remoteIp, remotePort,
            localPort(), connectNanos, firstByteNanos, nowNanos - startedAt, error));
        if (connection != null)
        {
            connection.abort();
        }
    }

    private int localPort()
    {
        return connection == null ? 0 : connection.localPort();
    }

    @Override
    public String application()
    {
        return "curl";
    }
}
