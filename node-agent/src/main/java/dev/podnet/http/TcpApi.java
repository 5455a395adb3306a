package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.HttpResult;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.tcp.SocketInfo;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a pod does over TCP, for this node's pods (in cluster mode {@link ClusterApi} forwards requests for other
 * nodes' pods to their agents):
 * <ul>
 *   <li>{@code POST /api/v1/pods/{name}/http {url, timeoutMs?}}: {@code curl URL} from the pod: status, headers,
 *       body and timings; 502 when no response came (refused, reset, unreachable), 504 on the timeout;</li>
 *   <li>{@code POST /api/v1/pods/{name}/tcp-perf {target, port?, seconds?, bytes?, streams?, intervalMs?}}: a bulk
 *       transfer to the target's discard service for {@code seconds}, or of {@code bytes} (then {@code seconds},
 *       default {@value #DEFAULT_BYTES_LIMIT_SECONDS}, is how long it may take): bytes, bits per second, retransmits
 *       and samples over time;</li>
 *   <li>{@code GET /api/v1/pods/{name}/sockets}: the pod's listening ports and connections, as {@code ss -tin}.</li>
 * </ul>
 * URLs name a pod or an IPv4 address as their host: {@code http://b-1:8080/hostname}; the port defaults to 80.
 */
final class TcpApi
{
    static final int DEFAULT_HTTP_TIMEOUT_MS = 10_000;
    static final int MAX_PERF_SECONDS = 300;
    static final int MAX_STREAMS = 16;
    static final int DEFAULT_PERF_PORT = 9;
    static final int DEFAULT_BYTES_LIMIT_SECONDS = 60;
    private static final Duration PERF_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Finds the address a target (a pod name or an IPv4 address) means; 400/404 when none. */
    @FunctionalInterface
    interface TargetResolver
    {
        int resolve(ApiRequest request, String target, String field) throws InterruptedException;
    }

    private final DataPlaneProxy proxy;
    private final TargetResolver resolver;
    private final Duration quick;

    TcpApi(final DataPlaneProxy proxy, final TargetResolver resolver, final Duration commandTimeout)
    {
        this.proxy = proxy;
        this.resolver = resolver;
        this.quick = commandTimeout;
    }

    void register(final Dispatcher dispatcher)
    {
        for (final String pods : new String[] {"/api/v1/pods", "/api/v1/namespaces/{namespace}/pods"})
        {
            dispatcher
                .add("POST", pods + "/{name}/http", this::http)
                .add("POST", pods + "/{name}/tcp-perf", this::perf)
                .add("GET", pods + "/{name}/sockets", this::sockets);
        }
    }

    ApiResponse http(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("url", "timeoutMs");
        final String url = body.requiredString("url");
        final int timeoutMs = body.optionalInt("timeoutMs", DEFAULT_HTTP_TIMEOUT_MS, 1, NodeApi.MAX_TIMEOUT_MS);
        final Url parsed = Url.parse(url);
        final int ip = resolver.resolve(request, parsed.host(), "url");
        final Duration timeout = Duration.ofMillis(timeoutMs);
        final HttpResult result = Await.await(
            proxy.http(NodeApi.podKey(request), ip, parsed.port(), parsed.authority(), parsed.target(), timeout),
            timeout.plus(Await.GRACE), "GET " + url);
        final String to = Ipv4Address.format(ip) + ":" + parsed.port();
        if (result.ok())
        {
            return ApiResponse.ok(TcpViews.Http.of(url, result));
        }
        if ("timeout".equals(result.error()))
        {
            return ApiResponse.json(504, new Views.ErrorBody("timeout", "no complete response from " + to + " within " +
                timeoutMs + " ms"));
        }
        return ApiResponse.json(502, new Views.ErrorBody(result.error(), describe(result.error(), to)));
    }

    ApiResponse perf(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("target", "port", "seconds", "bytes", "streams", "intervalMs");
        final String target = body.requiredString("target");
        final int port = body.optionalInt("port", DEFAULT_PERF_PORT, 1, 65_535);
        final int bytes = body.optionalInt("bytes", 0, 1, Integer.MAX_VALUE);
        final int seconds = bytes == 0 ? body.requiredInt("seconds", 1, MAX_PERF_SECONDS) :
            body.optionalInt("seconds", DEFAULT_BYTES_LIMIT_SECONDS, 1, MAX_PERF_SECONDS);
        final int streams = body.optionalInt("streams", 1, 1, MAX_STREAMS);
        final int intervalMs = body.optionalInt("intervalMs", 1_000, 100, 60_000);
        final int ip = resolver.resolve(request, target, "target");
        final Duration duration = Duration.ofSeconds(seconds);
        final TcpPerfResult result = Await.await(
            proxy.tcpPerf(NodeApi.podKey(request), ip, port, streams, duration, bytes, Duration.ofMillis(intervalMs),
                PERF_CONNECT_TIMEOUT),
            duration.plus(PERF_CONNECT_TIMEOUT).plus(Await.GRACE), "tcp-perf to " + target);
        final String to = Ipv4Address.format(ip) + ":" + port;
        if (result.ok())
        {
            return ApiResponse.ok(TcpViews.Perf.of(target, result));
        }
        if ("timeout".equals(result.error()))
        {
            return ApiResponse.json(504, new Views.ErrorBody("timeout", bytes > 0 && result.connectNanos() > 0 ?
                bytes + " bytes did not reach " + to + " within " + seconds + " s" :
                "no connection to " + to + " within " + PERF_CONNECT_TIMEOUT.toSeconds() + " s"));
        }
        return ApiResponse.json(502, new Views.ErrorBody(result.error(), describe(result.error(), to)));
    }

    ApiResponse sockets(final ApiRequest request) throws InterruptedException
    {
        final String name = NodeApi.podKey(request);
        final List<SocketInfo> sockets = Await.await(proxy.sockets(name), quick, "listing the sockets of '" + name + "'");
        final List<TcpViews.Socket> views = new ArrayList<>(sockets.size());
        for (final SocketInfo socket : sockets)
        {
            views.add(TcpViews.Socket.of(socket));
        }
        return ApiResponse.ok(views);
    }

    private static String describe(final String error, final String to)
    {
        switch (error)
        {
            case "connection-refused":
                return to + " refused the connection (a reset: nothing listens there)";
            case "connection-reset":
                return to + " reset the connection";
            case "timed-out":
                return to + " did not answer: retransmissions ran out";
            default:
                return error + " (" + to + ")";
        }
    }

    /**
     * An {@code http://} URL: host (a pod name or an IPv4 address), port (80 unless given), path and query.
     *
     * @param host      the host as written
     * @param port      the port
     * @param authority what goes into {@code Host}: the host, and the port if the URL gave one
     * @param target    the request target: path (at least {@code /}) and query
     */
    record Url(String host, int port, String authority, String target)
    {
        static Url parse(final String url)
        {
            final URI uri;
            try
            {
                uri = new URI(url);
            }
            catch (final URISyntaxException ex)
            {
                throw ApiException.badRequest("field 'url': '" + url + "' is not a URL: " + ex.getReason());
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()))
            {
                throw ApiException.badRequest("field 'url': '" + url + "' is not an http:// URL (pods speak plain HTTP/1.1)");
            }
            if (uri.getHost() == null || uri.getRawUserInfo() != null)
            {
                throw ApiException.badRequest("field 'url': '" + url + "' has no host (expected: http://POD_OR_IP[:PORT]/PATH)");
            }
            final int port = uri.getPort() == -1 ? 80 : uri.getPort();
            if (port < 1 || port > 65_535)
            {
                throw ApiException.badRequest("field 'url': port " + port + " outside 1..65535");
            }
            final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            final String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
            if (target.chars().anyMatch(c -> c <= ' ' || c >= 0x7F))
            {
                throw ApiException.badRequest("field 'url': the path and query must be percent-encoded ASCII");
            }
            final String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + port;
            return new Url(uri.getHost(), port, authority, target);
        }
    }
}
