package dev.podnet.http;

import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API cannot be starved: with 50 clients that are slow (they trickle their request) or long (pings of
 * seconds) at once, {@code /healthz} and {@code GET /api/v1/pods} still answer within a second; long
 * operations past the limit are refused with 429 at once; a client that never finishes its request is
 * disconnected within the request read bound. Latencies are printed (docs/BENCHMARKS.md has a run's).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiServerStarvationTest
{
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Node node;
    private static ApiServer api;
    private static String base;
    private final List<Socket> slowClients = new ArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final AtomicBoolean stop = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception
    {
        node = Node.start(NodeConfig.defaults("node-1", Ipv4Cidr.parse("10.244.1.0/24")));
        api = ApiServer.start("127.0.0.1", 0, node.proxy(), "node-1");
        base = "http://127.0.0.1:" + api.port();
        assertThat(send("POST", "/api/v1/pods", "{\"name\":\"a\"}").statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/pods", "{\"name\":\"b\"}").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stopAll()
    {
        if (api != null)
        {
            api.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    @AfterEach
    void closeClients() throws Exception
    {
        stop.set(true);
        for (final Socket socket : slowClients)
        {
            socket.close();
        }
        clients.shutdownNow();
        clients.awaitTermination(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldAnswerHealthAndPodsWithinASecondWhileFiftySlowAndLongClientsHoldTheServer() throws Exception
    {
        // 15 that trickle their headers, 15 that trickle a body, 20 pings of about 6 s
        for (int i = 0; i < 15; i++)
        {
            slowClient("GET /api/v1/pods HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            slowClient("POST /api/v1/pods/a/ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{");
        }
        final List<CompletableFuture<Integer>> pings = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            pings.add(CompletableFuture.supplyAsync(() -> send("POST", "/api/v1/pods/a/ping",
                "{\"target\":\"b\",\"count\":7,\"intervalMs\":1000}").statusCode(), clients));
        }
        // every ping running and holding its request's thread (a server with 8 threads would be stuck from here)
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (api.longOperationsRunning() < pings.size() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertThat(api.longOperationsRunning()).as("pings running").isEqualTo(pings.size());

        long worstHealth = 0;
        long worstPods = 0;
        for (int i = 0; i < 10; i++)
        {
            worstHealth = Math.max(worstHealth, timed("/healthz"));
            worstPods = Math.max(worstPods, timed("/api/v1/pods"));
        }
        System.out.printf("under 50 slow or long clients: GET /healthz worst %d ms, GET /api/v1/pods worst %d ms (10 each)%n",
            worstHealth, worstPods);
        assertThat(worstHealth).as("worst GET /healthz, ms").isLessThan(1_000);
        assertThat(worstPods).as("worst GET /api/v1/pods, ms").isLessThan(1_000);
        for (final CompletableFuture<Integer> ping : pings)
        {
            assertThat(ping.get(60, TimeUnit.SECONDS)).as("each long ping still completes").isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseLongOperationsPastTheLimitWith429AtOnce() throws Exception
    {
        final int asked = ApiServer.MAX_LONG_OPERATIONS + 8;
        final List<CompletableFuture<HttpResponse<String>>> pings = new ArrayList<>();
        for (int i = 0; i < asked; i++)
        {
            pings.add(CompletableFuture.supplyAsync(() -> send("POST", "/api/v1/pods/a/ping",
                "{\"target\":\"b\",\"count\":4,\"intervalMs\":1000}"), clients));
        }
        int refused = 0;
        int served = 0;
        for (final CompletableFuture<HttpResponse<String>> ping : pings)
        {
            final HttpResponse<String> reply = ping.get(60, TimeUnit.SECONDS);
            if (reply.statusCode() == 429)
            {
                refused++;
                assertThat(reply.body()).contains("\"error\":\"too-many-requests\"");
                assertThat(reply.headers().firstValue("Retry-After")).hasValue("1");
            }
            else
            {
                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                served++;
            }
        }
        assertThat(served).isEqualTo(ApiServer.MAX_LONG_OPERATIONS);
        assertThat(refused).isEqualTo(asked - ApiServer.MAX_LONG_OPERATIONS);
        assertThat(send("POST", "/api/v1/pods/a/ping", "{\"target\":\"b\",\"count\":1}").statusCode())
            .as("the limit is free again once they ended").isEqualTo(200);
    }

    @Test
    void shouldDisconnectAClientThatDoesNotFinishItsRequestWithinTheReadBound() throws Exception
    {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port()))
        {
            socket.getOutputStream().write("GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.setSoTimeout((ApiServer.REQUEST_READ_SECONDS + 10) * 1000);
            final long start = System.nanoTime();
            final int read = socket.getInputStream().read();
            final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertThat(read).as("the server closed the connection without an answer").isEqualTo(-1);
            assertThat(seconds).isBetween((long)ApiServer.REQUEST_READ_SECONDS - 1, (long)ApiServer.REQUEST_READ_SECONDS + 3);
        }
    }

    @Test
    void shouldTellLongOperationsFromShortOnes()
    {
        assertThat(ApiServer.isLong("POST", "/api/v1/pods/a/ping")).isTrue();
        assertThat(ApiServer.isLong("POST", "/api/v1/pods/a/traceroute")).isTrue();
        assertThat(ApiServer.isLong("POST", "/api/v1/pods/a/udp")).isTrue();
        assertThat(ApiServer.isLong("POST", "/api/v1/check")).isTrue();
        assertThat(ApiServer.isLong("POST", "/api/v1/nodes/node-2/check")).isTrue();
        assertThat(ApiServer.isLong("GET", "/api/v1/capture")).isTrue();
        assertThat(ApiServer.isLong("GET", "/api/v1/check")).isFalse();
        assertThat(ApiServer.isLong("GET", "/api/v1/pods")).isFalse();
        assertThat(ApiServer.isLong("POST", "/api/v1/pods")).isFalse();
        assertThat(ApiServer.isLong("GET", "/api/v1/pods/a/arp")).isFalse();
    }

    /** A client that sends {@code start}, then one more byte every 300 ms until the test ends or the server hangs up. */
    private void slowClient(final String start) throws IOException
    {
        final Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port());
        slowClients.add(socket);
        final OutputStream out = socket.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        clients.execute(() ->
        {
            try
            {
                while (!stop.get())
                {
                    Thread.sleep(300);
                    out.write('x');
                    out.flush();
                }
            }
            catch (final IOException | InterruptedException ex)
            {
                // the server hung up (its read bound) or the test ended
            }
        });
    }

    private static long timed(final String path)
    {
        final long start = System.nanoTime();
        final HttpResponse<String> reply = send("GET", path, null);
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(reply.statusCode()).as(path + ": " + reply.body()).isEqualTo(200);
        return ms;
    }

    private static HttpResponse<String> send(final String method, final String path, final String body)
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException ex)
        {
            throw new AssertionError(method + " " + path + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
