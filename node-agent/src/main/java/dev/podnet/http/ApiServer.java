package dev.podnet.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podnet.dataplane.DataPlaneException;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.sync.ClusterNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node agent's HTTP API: JSON over the JDK's {@link HttpServer}, the way tests and tools in
 * other processes drive a node.
 * <p>
 * Threading, so that no client can starve the others (slowloris, many long pings, a flood):
 * <ul>
 *   <li>the server's one dispatcher thread accepts connections and waits (selector, no thread) for a
 *       request's first byte; the exchange, which reads the request blocking, then gets a thread of its
 *       own from a pool that grows to {@value #MAX_THREADS} threads (no queue: a request never waits
 *       behind another);</li>
 *   <li>reading a request, headers and body ({@value #MAX_BODY_BYTES} bytes at most), may take
 *       {@value #REQUEST_READ_SECONDS} s ({@code sun.net.httpserver.maxReqTime}): a client that trickles
 *       its request is disconnected then, and its thread freed;</li>
 *   <li>at most {@value #MAX_LONG_OPERATIONS} long operations (ping, traceroute, UDP exchange, check,
 *       capture, here or forwarded) run at once; one more is a 429 {@code too-many-requests} with
 *       {@code Retry-After}, at once. Everything else (tables, pods, status, metrics) is short: answered
 *       within {@link #COMMAND_TIMEOUT} by the data plane;</li>
 *   <li>when every thread is taken, a request is answered 503 {@code overloaded} (with
 *       {@code Retry-After}) by a small second pool; only when that is full too is the connection
 *       closed unanswered.</li>
 * </ul>
 * A request thread reads the body, checks it, offers a command to the data plane through its proxy and
 * waits for the future with a bound (the request's own timeouts plus {@link Await#GRACE}), then writes
 * the JSON. The data-plane thread only completes futures: it never serialises, never blocks, and a
 * stuck or stopped data plane costs a request a 504 or 503, never a hung connection.
 * <p>
 * Errors are JSON {@code {error, detail}}: bad input of any kind is a 400 with a detail that names
 * the field, an unknown path a 404, a wrong method a 405 (with {@code Allow}), a body over 64 KiB a
 * 413, what the data plane refuses by its {@link DataPlaneException.Kind} (400, 404, 409, 503), a wait
 * that passes its bound a 504. A 500 means a bug.
 * <p>
 * Two phases, for cluster mode: {@link #startNotReady} serves only the status routes ({@link StatusApi}:
 * {@code /healthz}, {@code /readyz}, {@code /api/v1/node}) while the node waits for its lease, and
 * answers everything else 503 with the reason; {@link #serve} then adds the node's routes at once. In
 * static mode {@link #start} does both. Who owns routes and endpoints is a {@link ConfigSource}: with
 * {@link ConfigSource#CONTROL_PLANE} their PUT/DELETE routes answer 409.
 */
public final class ApiServer implements AutoCloseable
{
    /** Threads kept while idle. */
    static final int THREADS = 8;
    /** Most requests served at once (each has its thread); then 503 {@code overloaded}. */
    static final int MAX_THREADS = 200;
    /** Most long operations (ping, traceroute, udp, check, capture) at once; then 429. */
    static final int MAX_LONG_OPERATIONS = 32;
    /** Longest a client may take to send its request, headers and body ({@code sun.net.httpserver.maxReqTime}). */
    static final int REQUEST_READ_SECONDS = 5;
    /** Threads that answer 503 when every request thread is taken, and the requests they may queue. */
    private static final int OVERLOAD_THREADS = 2;
    private static final int OVERLOAD_QUEUE = 256;
    /**
     * Paths served without the token: liveness and readiness (a kubelet or compose probes them without
     * credentials; they say nothing but ok or why not), and the web view's page and assets (static files,
     * no cluster data: the page asks for the token when the API answers 401).
     */
    static final Set<List<String>> UNAUTHENTICATED = Set.of(List.of("healthz"), List.of("readyz"), List.of(""),
        List.of("ui", "app.js"), List.of("ui", "style.css"));
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** How long a command or table read may take: the data plane answers within a duty cycle when it runs. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    static
    {
        // The JDK server sends the headers and then the body as separate segments: without TCP_NODELAY,
        // Nagle holds the body back until the client's delayed ACK, about 40 ms per request on a
        // kept-alive connection. Read once, when the server's first class loads; a -D setting wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null)
        {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // A slow client may hold a request thread this long at most (the JDK server reads requests blocking).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null)
        {
            System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_READ_SECONDS));
        }
    }

    /** Who owns the node's routes to other nodes and its remote endpoints. */
    public enum ConfigSource
    {
        /** Whoever drives the agent, through {@code PUT/DELETE /api/v1/endpoints} and {@code /api/v1/routes}. */
        STATIC,
        /** The control plane (cluster mode): those routes answer 409. */
        CONTROL_PLANE
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ExecutorService overload;
    private final Semaphore longOperations = new Semaphore(MAX_LONG_OPERATIONS);
    private final ObjectMapper mapper;
    private final String nodeName;
    private final Supplier<NodeStatus> status;
    private final Duration commandTimeout;
    /** The bearer token every request but {@link #UNAUTHENTICATED} needs; null: none (loopback is the guard). */
    private final ApiToken token;
    /** Replaced whole (never changed in place) when the node's routes are added: requests read it unlocked. */
    private volatile Dispatcher dispatcher;
    private volatile boolean serving;
    /** What runs in the background of the cluster API (probing), closed with the server; null in static mode. */
    private volatile AutoCloseable background;

    private ApiServer(
        final HttpServer server, final ExecutorService executor, final ExecutorService overload, final String nodeName,
        final Supplier<NodeStatus> status, final Duration commandTimeout, final ApiToken token)
    {
        this.server = server;
        this.overload = overload;
        this.token = token;
        this.executor = executor;
        this.nodeName = nodeName;
        this.status = status;
        this.commandTimeout = commandTimeout;
        this.mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
        final Dispatcher statusOnly = new Dispatcher();
        new StatusApi(status).register(statusOnly);
        new WebApi().register(statusOnly);
        this.dispatcher = statusOnly;
    }

    /**
     * Serves the whole API of node {@code nodeName} (static mode: routes and endpoints are
     * {@link ConfigSource#STATIC}) on {@code bind:port} ({@code port} 0 picks a free one, see {@link #port()}).
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     */
    public static ApiServer start(final String bind, final int port, final DataPlaneProxy proxy, final String nodeName)
    {
        return start(bind, port, proxy, nodeName, COMMAND_TIMEOUT, null);
    }

    /**
     * As {@link #start(String, int, DataPlaneProxy, String)}; with a {@code token}, every request but
     * {@code /healthz} and {@code /readyz} must carry it ({@code Authorization: Bearer TOKEN}) or is a 401.
     */
    public static ApiServer start(
        final String bind, final int port, final DataPlaneProxy proxy, final String nodeName, final ApiToken token)
    {
        return start(bind, port, proxy, nodeName, COMMAND_TIMEOUT, token);
    }

    /** As {@link #start(String, int, DataPlaneProxy, String)}, with another bound for commands (tests). */
    static ApiServer start(
        final String bind, final int port, final DataPlaneProxy proxy, final String nodeName, final Duration commandTimeout)
    {
        return start(bind, port, proxy, nodeName, commandTimeout, null);
    }

    private static ApiServer start(
        final String bind, final int port, final DataPlaneProxy proxy, final String nodeName, final Duration commandTimeout,
        final ApiToken token)
    {
        final String cidr = proxy.config().podCidr().toString();
        final NodeStatus ready = NodeStatus.ready(nodeName, NodeStatus.STATIC, cidr);
        final ApiServer api = listen(bind, port, nodeName, () -> ready, commandTimeout, token);
        api.serve(proxy, ConfigSource.STATIC);
        return api;
    }

    /**
     * Serves only {@code /healthz}, {@code /readyz} and {@code /api/v1/node} of node {@code nodeName},
     * which has no data plane yet (cluster mode, waiting for its lease); every other route answers 503
     * with {@code status}' reason until {@link #serve} adds them.
     *
     * @param status what the node's status is now, asked on every status request (cheap, never blocking)
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     */
    public static ApiServer startNotReady(
        final String bind, final int port, final String nodeName, final Supplier<NodeStatus> status)
    {
        return startNotReady(bind, port, nodeName, status, null);
    }

    /** As {@link #startNotReady(String, int, String, Supplier)}, requiring {@code token} when not null. */
    public static ApiServer startNotReady(
        final String bind, final int port, final String nodeName, final Supplier<NodeStatus> status, final ApiToken token)
    {
        return listen(bind, port, nodeName, status, COMMAND_TIMEOUT, token);
    }

    /**
     * Adds the node's routes: its pods, what they can do and its tables, and the static configuration
     * routes, which with {@link ConfigSource#CONTROL_PLANE} answer 409. Once only.
     */
    public void serve(final DataPlaneProxy proxy, final ConfigSource configSource)
    {
        serve(proxy, configSource, null);
    }

    /**
     * As {@link #serve(DataPlaneProxy, ConfigSource)}, and with {@code cluster} (its control plane's view)
     * the whole cluster's API ({@link ClusterApi}): any node, any pod, forwarded where it lives.
     */
    public void serve(final DataPlaneProxy proxy, final ConfigSource configSource, final ClusterNode cluster)
    {
        serve(proxy, configSource, cluster, null);
    }

    /**
     * As {@link #serve(DataPlaneProxy, ConfigSource, ClusterNode)}, and with {@code crash} the chaos route
     * {@code POST /api/v1/nodes/{node}/crash}: it answers 202 with what {@code crash} says will happen (it must act
     * after the answer has gone, on a thread of its own).
     */
    public void serve(final DataPlaneProxy proxy, final ConfigSource configSource, final ClusterNode cluster,
        final Supplier<String> crash)
    {
        if (serving)
        {
            throw new IllegalStateException("node " + nodeName + " API already serves a data plane");
        }
        final Dispatcher all = new Dispatcher();
        new StatusApi(status).register(all);
        final NodeApi nodeApi;
        if (cluster != null)
        {
            final ClusterApi clusterApi = new ClusterApi(proxy, nodeName, cluster.sync()::latest, () -> cluster.services().view(),
                new Forwarder(nodeName, token), commandTimeout);
            clusterApi.register(all);
            if (crash != null)
            {
                all.add("POST", "/api/v1/nodes/{node}/crash", request -> clusterApi.onNode(request,
                    here -> ApiResponse.json(202, Map.of("node", nodeName, "crash", crash.get()))));
            }
            new ServiceApi(clusterApi, cluster.services()).register(all);
            new PolicyApi(clusterApi, cluster.services()).register(all);
            background = clusterApi;
            nodeApi = clusterApi.local();
        }
        else
        {
            nodeApi = new NodeApi(proxy, nodeName, commandTimeout);
            new LinksApi(proxy, nodeName, commandTimeout, null).register(all);
            new TraceApi(proxy, nodeName, commandTimeout, null, null).register(all);
        }
        nodeApi.register(all);
        new MetricsApi(proxy, nodeName, status, cluster, commandTimeout).register(all);
        new StaticConfigApi(proxy, commandTimeout, configSource == ConfigSource.CONTROL_PLANE).register(all);
        new WebApi().register(all);
        dispatcher = all;
        serving = true;
    }

    private static ApiServer listen(
        final String bind, final int port, final String nodeName, final Supplier<NodeStatus> status, final Duration commandTimeout,
        final ApiToken token)
    {
        final HttpServer server;
        try
        {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 64);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot serve the API on " + bind + ":" + port + ": " + ex.getMessage(), ex);
        }
        // overloaded: a small pool answers 503 at once; when even its queue is full, the JDK server closes the connection
        final ThreadPoolExecutor overload = new ThreadPoolExecutor(OVERLOAD_THREADS, OVERLOAD_THREADS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(OVERLOAD_QUEUE), threads("podnet-api-overload-" + nodeName));
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), threads("podnet-api-" + nodeName), (task, pool) -> overload.execute(task));
        final ApiServer api = new ApiServer(server, executor, overload, nodeName, status, commandTimeout, token);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("node {} API listening on http://{}:{} ({})", nodeName, bind, api.port(),
            token == null ? "no token: anyone who reaches this address may use it" : "bearer token required");
        return api;
    }

    private static ThreadFactory threads(final String prefix)
    {
        final AtomicInteger count = new AtomicInteger();
        return task ->
        {
            final Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The port the server listens on (the bound one when started with port 0). */
    public int port()
    {
        return server.getAddress().getPort();
    }

    /** Long operations running now. */
    int longOperationsRunning()
    {
        return MAX_LONG_OPERATIONS - longOperations.availablePermits();
    }

    /** Stops accepting, interrupts requests still waiting and stops the pool. */
    @Override
    public void close()
    {
        final AutoCloseable running = background;
        if (running != null)
        {
            try
            {
                running.close();
            }
            catch (final Exception ex)
            {
                LOG.warn("node {} API: stopping background work: {}", nodeName, ex.toString());
            }
        }
        server.stop(0);
        executor.shutdownNow();
        overload.shutdownNow();
        try
        {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS))
            {
                LOG.warn("node {} API: request threads still busy after 5 s", nodeName);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(final HttpExchange exchange)
    {
        boolean holdsLongOperation = false;
        try (exchange)
        {
            ApiResponse response;
            try
            {
                if (Thread.currentThread().getName().startsWith("podnet-api-overload-"))
                {
                    throw overloaded("all " + MAX_THREADS + " request threads of node " + nodeName + " are busy");
                }
                // a permit is taken once the request is read: a client trickling its body holds no permit
                final byte[] body = readBody(exchange);
                if (isLong(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()))
                {
                    holdsLongOperation = longOperations.tryAcquire();
                    if (!holdsLongOperation)
                    {
                        throw new ApiException(429, "too-many-requests", "node " + nodeName + " already runs " +
                            MAX_LONG_OPERATIONS + " long operations (ping, traceroute, udp, check, capture); retry when one ends");
                    }
                }
                response = dispatch(exchange, body);
            }
            catch (final Exception ex)
            {
                response = failure(exchange, ex);
            }
            write(exchange, response);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.debug("node {} API: could not answer {} {}: {}", nodeName, exchange.getRequestMethod(),
                exchange.getRequestURI(), ex.toString());
        }
        finally
        {
            if (holdsLongOperation)
            {
                longOperations.release();
            }
        }
    }

    private static ApiException overloaded(final String why)
    {
        return new ApiException(503, "overloaded", why + "; retry later");
    }

    /**
     * Whether a request runs for as long as its client asks (seconds to minutes): a pod's ping,
     * traceroute or UDP exchange, a connectivity check, a capture. Judged on the raw path: a route that
     * does not exist is still counted until it is refused, which costs nothing.
     */
    static boolean isLong(final String method, final String rawPath)
    {
        if (rawPath == null)
        {
            return false;
        }
        if ("GET".equals(method))
        {
            return rawPath.equals("/api/v1/capture");
        }
        if (!"POST".equals(method))
        {
            return false;
        }
        return rawPath.equals("/api/v1/check") || rawPath.equals("/api/v1/trace") ||
            rawPath.startsWith("/api/v1/nodes/") && rawPath.endsWith("/check") ||
            rawPath.startsWith("/api/v1/pods/") &&
                (rawPath.endsWith("/ping") || rawPath.endsWith("/traceroute") || rawPath.endsWith("/udp"));
    }

    private ApiResponse dispatch(final HttpExchange exchange, final byte[] body) throws Exception
    {
        final String method = exchange.getRequestMethod();
        final List<String> path = decodePath(exchange.getRequestURI().getRawPath());
        if (token != null && !UNAUTHENTICATED.contains(path) && !token.accepts(exchange.getRequestHeaders().getFirst("Authorization")))
        {
            throw new ApiException(401, "unauthorized", "this API needs a bearer token: Authorization: Bearer TOKEN " +
                "(the agent's --api-token-file or PODNET_API_TOKEN; podnetctl --token-file or PODNETCTL_TOKEN)");
        }
        final Dispatcher.Match match;
        try
        {
            match = dispatcher.match(method, path);
        }
        catch (final ApiException ex)
        {
            if (!serving && ex.status() == 404)
            {
                throw StatusApi.notReady(status.get());
            }
            throw ex;
        }
        final String rawQuery = exchange.getRequestURI().getRawQuery();
        final ApiRequest request = new ApiRequest(method, "/" + String.join("/", path), match.params(),
            decodeQuery(rawQuery), body, mapper,
            exchange.getRequestURI().getRawPath() + (rawQuery == null ? "" : "?" + rawQuery),
            exchange.getRequestHeaders().containsKey(ClusterApi.FORWARDED_HEADER));
        return match.handler().handle(request);
    }

    private static byte[] readBody(final HttpExchange exchange) throws IOException
    {
        // read at most one byte more than allowed even when Content-Length says more: answering before
        // the client has sent its body makes some clients see a reset instead of the 413
        final InputStream in = exchange.getRequestBody();
        final byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES)
        {
            throw tooLarge();
        }
        return body;
    }

    private static ApiException tooLarge()
    {
        return new ApiException(413, "payload-too-large", "request body larger than " + MAX_BODY_BYTES + " bytes");
    }

    private static List<String> decodePath(final String rawPath)
    {
        if (rawPath == null || !rawPath.startsWith("/"))
        {
            throw ApiException.notFound("no such resource: " + rawPath);
        }
        final String[] raw = rawPath.substring(1).split("/", -1);
        final List<String> segments = new ArrayList<>(raw.length);
        for (final String segment : raw)
        {
            segments.add(decode(segment.replace("+", "%2B"), "path"));
        }
        return segments;
    }

    private static Map<String, String> decodeQuery(final String rawQuery)
    {
        if (rawQuery == null || rawQuery.isEmpty())
        {
            return Map.of();
        }
        final Map<String, String> query = new HashMap<>();
        for (final String pair : rawQuery.split("&"))
        {
            final int equals = pair.indexOf('=');
            final String name = decode(equals < 0 ? pair : pair.substring(0, equals), "query");
            final String value = equals < 0 ? "" : decode(pair.substring(equals + 1), "query");
            if (query.putIfAbsent(name, value) != null)
            {
                throw ApiException.badRequest("query parameter '" + name + "' given twice");
            }
        }
        return query;
    }

    private static String decode(final String text, final String where)
    {
        try
        {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest("malformed percent-encoding in the " + where + ": " + text);
        }
    }

    private ApiResponse failure(final HttpExchange exchange, final Exception ex)
    {
        if (ex instanceof ApiException api)
        {
            if (api.status() == 401)
            {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"podnet\"");
            }
            if (api.status() == 429 || "overloaded".equals(api.error()))
            {
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            return error(api.status(), api.error(), api.getMessage());
        }
        if (ex instanceof Dispatcher.MethodNotAllowed notAllowed)
        {
            exchange.getResponseHeaders().set("Allow", notAllowed.allowHeader());
            return error(405, "method-not-allowed", notAllowed.getMessage());
        }
        if (ex instanceof DataPlaneException refused)
        {
            switch (refused.kind())
            {
                case INVALID:
                    return error(400, "bad-request", refused.getMessage());
                case NOT_FOUND:
                    return error(404, "not-found", refused.getMessage());
                case CONFLICT:
                    return error(409, "conflict", refused.getMessage());
                default:
                    return error(503, "unavailable", refused.getMessage());
            }
        }
        if (ex instanceof IllegalArgumentException)
        {
            return error(400, "bad-request", ex.getMessage());
        }
        if (ex instanceof InterruptedException)
        {
            Thread.currentThread().interrupt();
            return error(503, "unavailable", "node " + nodeName + " API is shutting down");
        }
        LOG.error("node {} API: {} {} failed", nodeName, exchange.getRequestMethod(), exchange.getRequestURI(), ex);
        return error(500, "internal", ex.toString());
    }

    private static ApiResponse error(final int status, final String error, final String detail)
    {
        return ApiResponse.json(status, new Views.ErrorBody(error, detail));
    }

    private void write(final HttpExchange exchange, final ApiResponse response) throws IOException
    {
        exchange.getResponseHeaders().set("Cache-Control", "no-cache"); // live state; the web view's page included
        final byte[] bytes;
        if (response.json() != null)
        {
            bytes = mapper.writeValueAsBytes(response.json());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
        }
        else if (response.text() != null)
        {
            bytes = response.text().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        }
        else if (response.bytes() != null)
        {
            bytes = response.bytes();
            if (response.contentType() != null)
            {
                exchange.getResponseHeaders().set("Content-Type", response.contentType());
            }
        }
        else if (response.stream() != null)
        {
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            exchange.sendResponseHeaders(response.status(), 0);
            try (OutputStream out = exchange.getResponseBody())
            {
                response.stream().writeTo(out);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return;
        }
        else
        {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        if (bytes.length == 0)
        {
            exchange.sendResponseHeaders(response.status(), -1); // a forwarded 204
            return;
        }
        exchange.sendResponseHeaders(response.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }
}
