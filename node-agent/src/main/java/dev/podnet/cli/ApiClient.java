package dev.podnet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The podnet HTTP API (docs/API.md) as {@code podnetctl} uses it: JSON in, JSON out, and every way a
 * request can go wrong turned into a {@link CtlException} with the exit code a script relies on.
 * <ul>
 *   <li>a 4xx/5xx answer is a refusal (exit 3) whose message is the API's {@code detail}: the API
 *       promises a detail that names what was wrong, so the CLI adds nothing to it;</li>
 *   <li>no connection, or a connection lost before the answer, is "cannot reach" (exit 4): the
 *       request may not even have arrived, and the user's next step is to find or start an agent.</li>
 * </ul>
 * Every request has a bound: table reads {@link #QUICK}, operations what they ask the agent to run
 * plus {@link #GRACE}. The agent bounds its own work too; the CLI's bound only keeps a hung server
 * from hanging a script.
 */
final class ApiClient
{
    /** The agent's default API port, taken when {@code --server} names none. */
    static final int DEFAULT_PORT = 8080;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Bound for reads and pod create/delete: the agent answers them within its own 5 s command bound. */
    static final Duration QUICK = Duration.ofSeconds(30);
    /** Added to what an operation asks the agent to run (forwarding, scheduling on a busy box). */
    static final Duration GRACE = Duration.ofSeconds(30);

    private final URI base;
    /** The {@code Authorization} header value, null without a token. */
    private final String authorization;
    private final HttpClient http;
    private final ObjectMapper mapper = new ObjectMapper();

    ApiClient(final URI base)
    {
        this(base, null);
    }

    /** @param authorization the {@code Authorization} header every request carries ({@code Bearer TOKEN}), or null */
    ApiClient(final URI base, final String authorization)
    {
        this.base = base;
        this.authorization = authorization;
        this.http = HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    }

    /**
     * The API's base URI from what a user types: {@code host}, {@code host:port}, {@code http://host:port}
     * (or https); the port defaults to {@value #DEFAULT_PORT}, the agent's, in every form.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    static URI parseServer(final String server)
    {
        final String expected = "expected host:port or http://host:port, got '" + server + "'";
        String text = server.strip();
        while (text.endsWith("/"))
        {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty())
        {
            throw new IllegalArgumentException(expected);
        }
        if (!text.contains("://"))
        {
            text = "http://" + text;
        }
        final URI uri;
        try
        {
            uri = new URI(text);
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalArgumentException(expected, ex);
        }
        final String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme))
        {
            throw new IllegalArgumentException(expected + " (scheme " + scheme + ")");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty() ||
            uri.getRawQuery() != null || uri.getRawFragment() != null)
        {
            throw new IllegalArgumentException(expected);
        }
        final int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        return URI.create(scheme.toLowerCase() + "://" + hostForUri(uri.getHost()) + ":" + port);
    }

    private static String hostForUri(final String host)
    {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The API's base URI, {@code http://host:port}. */
    URI base()
    {
        return base;
    }

    ObjectMapper mapper()
    {
        return mapper;
    }

    /** One path segment, percent-encoded: a user's pod name goes into the path as is, whatever it holds. */
    static String segment(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code GET path} answered 2xx, as JSON. */
    JsonNode get(final String path)
    {
        return require(send("GET", path, null, QUICK));
    }

    /** {@code POST path} with {@code body} as JSON, bounded by {@code timeout}, answered 2xx. */
    JsonNode post(final String path, final Object body, final Duration timeout)
    {
        return require(send("POST", path, body, timeout));
    }

    /** {@code PUT path} with {@code body} as JSON, answered 2xx. */
    JsonNode put(final String path, final Object body)
    {
        return require(send("PUT", path, body, QUICK));
    }

    /** {@code DELETE path}, answered 2xx. */
    void delete(final String path)
    {
        require(send("DELETE", path, null, QUICK));
    }

    /**
     * The answer, whatever its status: for the verbs that tell a refusal from an operation that ran and
     * failed ({@code udp}: a timeout or an ICMP error is the latter).
     */
    Reply send(final String method, final String path, final Object body, final Duration timeout)
    {
        final HttpRequest request = request(method, path, body, timeout);
        final HttpResponse<String> response;
        try
        {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw notReached(ex, timeout);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw CtlException.failed("interrupted while waiting for " + base);
        }
        return new Reply(response.statusCode(), parse(response.statusCode(), response.body()));
    }

    /** Where a download goes, opened only once the server has said yes (a refusal leaves no empty file). */
    @FunctionalInterface
    interface Sink
    {
        OutputStream open() throws IOException;
    }

    /**
     * {@code GET path} streamed into {@code sink} as it arrives (a capture): the body is copied in chunks
     * and flushed as they come (a live {@code | wireshark -k -i -} sees every frame at once), never
     * held whole. The sink is closed at the end.
     *
     * @return the bytes written
     */
    long download(final String path, final Sink sink, final Duration timeout)
    {
        final HttpRequest request = request("GET", path, null, timeout);
        try
        {
            final HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body())
            {
                if (response.statusCode() / 100 != 2)
                {
                    final String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                    require(new Reply(response.statusCode(), parse(response.statusCode(), text)));
                }
                final OutputStream out;
                try
                {
                    out = sink.open();
                }
                catch (final IOException ex)
                {
                    throw new OutputFailure(ex);
                }
                final long total;
                try
                {
                    total = copy(in, out);
                }
                catch (final IOException ex)
                {
                    closeQuietly(out);
                    throw ex;
                }
                try
                {
                    out.close();
                }
                catch (final IOException ex)
                {
                    throw new OutputFailure(ex);
                }
                return total;
            }
        }
        catch (final OutputFailure ex)
        {
            throw CtlException.failed("cannot write: " + reason(ex.getCause()));
        }
        catch (final IOException ex)
        {
            throw notReached(ex, timeout);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw CtlException.failed("interrupted while reading from " + base);
        }
    }

    /** Copies, telling a failure to write (the user's file) from a failure to read (the server's stream). */
    private static long copy(final InputStream in, final OutputStream out) throws IOException
    {
        final byte[] buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0)
        {
            try
            {
                out.write(buffer, 0, read);
                out.flush();
            }
            catch (final IOException ex)
            {
                throw new OutputFailure(ex);
            }
            total += read;
        }
        return total;
    }

    private static void closeQuietly(final OutputStream out)
    {
        try
        {
            out.close();
        }
        catch (final IOException ignored)
        {
            // the first failure is the one to report
        }
    }

    /** A write to the destination failed: not the server's fault. */
    private static final class OutputFailure extends IOException
    {
        private static final long serialVersionUID = 1L;

        OutputFailure(final IOException cause)
        {
            super(cause);
        }
    }

    /** A body sent as it is (a manifest), not as JSON. */
    record RawBody(byte[] bytes, String contentType)
    {
    }

    private HttpRequest request(final String method, final String path, final Object body, final Duration timeout)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        if (authorization != null)
        {
            builder.header("Authorization", authorization);
        }
        if (body == null)
        {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        else if (body instanceof RawBody raw)
        {
            builder.header("Content-Type", raw.contentType()).method(method, HttpRequest.BodyPublishers.ofByteArray(raw.bytes()));
        }
        else
        {
            try
            {
                builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)));
            }
            catch (final JsonProcessingException ex)
            {
                throw new IllegalStateException("cannot write the request body as JSON", ex);
            }
        }
        return builder.build();
    }

    /** The body as JSON; a 204 (or any empty body) is null; text that is not JSON becomes a JSON string. */
    private JsonNode parse(final int status, final String body)
    {
        if (body == null || body.isEmpty())
        {
            return null;
        }
        try
        {
            return mapper.readTree(body);
        }
        catch (final JsonProcessingException ex)
        {
            if (status / 100 == 2)
            {
                throw CtlException.refused("the server at " + base + " answered " + status + " with something that is not " +
                    "JSON: is it a podnet agent?");
            }
            return mapper.getNodeFactory().textNode(body);
        }
    }

    /** The body of a 2xx answer; anything else is a refusal with the API's detail. */
    static JsonNode require(final Reply reply)
    {
        if (reply.status() == 401)
        {
            throw CtlException.unauthorized(reply.detail());
        }
        if (reply.status() / 100 != 2)
        {
            throw CtlException.refused(reply.detail());
        }
        return reply.body();
    }

    private CtlException notReached(final IOException ex, final Duration timeout)
    {
        if (ex instanceof HttpConnectTimeoutException)
        {
            return CtlException.unreachable("cannot reach podnet API at " + base + ": no connection within " +
                CONNECT_TIMEOUT.toSeconds() + " s", ex);
        }
        if (ex instanceof HttpTimeoutException)
        {
            return CtlException.unreachable("podnet API at " + base + " did not answer within " + timeout.toSeconds() + " s", ex);
        }
        if (ex instanceof ConnectException || rootCause(ex) instanceof UnresolvedAddressException)
        {
            return CtlException.unreachable("cannot reach podnet API at " + base + ": " + reason(ex), ex);
        }
        return CtlException.unreachable("lost the connection to podnet API at " + base + ": " + reason(ex), ex);
    }

    /** The most telling message in the cause chain ("connection refused", "unknown host", ...). */
    static String reason(final Throwable ex)
    {
        if (rootCause(ex) instanceof UnresolvedAddressException)
        {
            return "unknown host";
        }
        String message = null;
        for (Throwable cause = ex; cause != null; cause = cause.getCause())
        {
            if (cause.getMessage() != null && !cause.getMessage().isBlank())
            {
                message = cause.getMessage();
            }
        }
        if (message == null && ex instanceof ConnectException)
        {
            // the JDK client reports a refused connection as message-less ConnectExceptions around a ClosedChannelException
            return "connection refused";
        }
        return message == null ? ex.getClass().getSimpleName() : message;
    }

    private static Throwable rootCause(final Throwable ex)
    {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root)
        {
            root = root.getCause();
        }
        return root;
    }

    /** An answer: its status and its body as JSON (null when empty). */
    record Reply(int status, JsonNode body)
    {
        /** The API's {@code error} kind ({@code not-found}, {@code timeout}, ...), or "" when the body has none. */
        String error()
        {
            return body == null ? "" : body.path("error").asText("");
        }

        /** What the API said went wrong: its {@code detail}, else its {@code error}, else the status. */
        String detail()
        {
            if (body != null && body.isObject())
            {
                final String detail = body.path("detail").asText("");
                if (!detail.isEmpty())
                {
                    return detail;
                }
                if (!error().isEmpty())
                {
                    return error() + " (HTTP " + status + ")";
                }
            }
            if (body != null && body.isTextual() && !body.asText().isBlank())
            {
                final String text = body.asText().strip();
                return "HTTP " + status + ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
            }
            return "HTTP " + status;
        }
    }
}
