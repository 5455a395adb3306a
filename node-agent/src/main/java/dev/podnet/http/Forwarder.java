package dev.podnet.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a request on to the agent of the node that owns a pod or a table, and answers with what that
 * agent answered, status and body as they are (kube-apiserver proxying to a kubelet does the same).
 * A forwarded request carries {@link ClusterApi#FORWARDED_HEADER}: the agent that gets it serves it
 * itself or refuses it, never forwards it again, so two agents with different views cannot bounce a
 * request between them.
 * <p>
 * With an API token, every request carries it ({@code Authorization: Bearer}): the agents of one cluster share it.
 * <p>
 * An agent that cannot be reached is a 502 {@code node-unreachable} naming the node and its address.
 */
final class Forwarder
{
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client = HttpClient.newBuilder()
        .connectTimeout(CONNECT_TIMEOUT)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    private final String self;
    private final ApiToken token;

    /**
     * @param self  this node's name, sent in the forwarded header
     * @param token the API token, sent with every request (every agent of a cluster has the same); null: none
     */
    Forwarder(final String self, final ApiToken token)
    {
        this.self = self;
        this.token = token;
    }

    /**
     * {@code request} as is (method, path, query, body) to {@code node}'s API at {@code api}
     * ({@code host:port}), answered with what it answers.
     *
     * @param timeout how long the other agent may take to answer
     */
    ApiResponse forward(final String node, final String api, final ApiRequest request, final Duration timeout)
        throws InterruptedException
    {
        final HttpResponse<byte[]> response = send(node, api, request.method(), request.rawPathAndQuery(),
            request.body(), timeout, HttpResponse.BodyHandlers.ofByteArray());
        return ApiResponse.bytes(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
            response.body());
    }

    /** As {@link #forward}, streaming the body through as it comes (a capture). */
    ApiResponse forwardStream(final String node, final String api, final ApiRequest request, final Duration timeout)
        throws InterruptedException
    {
        final HttpResponse<InputStream> response = send(node, api, request.method(), request.rawPathAndQuery(),
            request.body(), timeout, HttpResponse.BodyHandlers.ofInputStream());
        final String contentType = response.headers().firstValue("Content-Type").orElse("application/octet-stream");
        if (response.statusCode() != 200)
        {
            try (InputStream in = response.body())
            {
                return ApiResponse.bytes(response.statusCode(), contentType, in.readAllBytes());
            }
            catch (final IOException ex)
            {
                throw unreachable(node, api, ex);
            }
        }
        return ApiResponse.stream(contentType, out ->
        {
            try (InputStream in = response.body())
            {
                in.transferTo(out);
            }
        });
    }

    /** A JSON POST to {@code path} on {@code node}'s agent, answered asynchronously (status and body). */
    CompletableFuture<HttpResponse<byte[]>> postAsync(
        final String node, final String api, final String path, final byte[] json, final Duration timeout)
    {
        return client.sendAsync(request(api, "POST", path, json, timeout), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A GET of {@code path} on {@code node}'s agent, answered asynchronously (status and body). */
    CompletableFuture<HttpResponse<byte[]>> getAsync(final String api, final String path, final Duration timeout)
    {
        return client.sendAsync(request(api, "GET", path, new byte[0], timeout), HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(
        final String node, final String api, final String method, final String pathAndQuery, final byte[] body,
        final Duration timeout, final HttpResponse.BodyHandler<T> handler) throws InterruptedException
    {
        try
        {
            return client.send(request(api, method, pathAndQuery, body, timeout), handler);
        }
        catch (final IOException ex)
        {
            throw unreachable(node, api, ex);
        }
    }

    private HttpRequest request(
        final String api, final String method, final String pathAndQuery, final byte[] body, final Duration timeout)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + api + pathAndQuery))
            .timeout(timeout)
            .header(ClusterApi.FORWARDED_HEADER, self);
        if (token != null)
        {
            builder.header("Authorization", token.header());
        }
        if (body.length > 0)
        {
            builder.header("Content-Type", "application/json");
        }
        return builder.method(method, body.length == 0 ?
            HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    static ApiException unreachable(final String node, final String api, final Throwable ex)
    {
        final String reason = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        return new ApiException(502, "node-unreachable", "node " + node + " (API " + api + ") did not answer: " + reason);
    }
}
