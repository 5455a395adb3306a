package dev.podnet.agent.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The few calls of the agents' HTTP API (docs/API.md) the demo makes. A node that does not answer is
 * an {@link IOException}; an answer with another status than expected is a {@link DemoApiException}
 * carrying the API's error.
 */
public final class DemoApi
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * What {@code GET /api/v1/node} says of a node.
     *
     * @param cidr   its lease, null before it has one
     * @param reason why it is not ready, null when it is
     */
    public record NodeStatus(String name, String cidr, boolean ready, String reason)
    {
    }

    /** An answer with an unexpected status. */
    public static final class DemoApiException extends IOException
    {
        private static final long serialVersionUID = 1L;

        private final int status;

        DemoApiException(final String request, final int status, final String body)
        {
            super(request + " answered " + status + ": " + body);
            this.status = status;
        }

        public int status()
        {
            return status;
        }
    }

    /** {@code GET /api/v1/node} of {@code node}. */
    public NodeStatus node(final DemoLayout.Node node) throws IOException
    {
        final JsonNode json = send(node, "GET", "/api/v1/node", null, Duration.ofSeconds(2), 200);
        return new NodeStatus(json.path("name").asText(), text(json.get("cidr")), json.path("ready").asBoolean(),
            text(json.get("reason")));
    }

    /**
     * The cluster's members as {@code node} sees them ({@code members} of {@code GET /api/v1/node}).
     *
     * @param known          every member, in any status
     * @param upAndReachable those that are Up and that its failure detector hears
     */
    public record Members(int known, int upAndReachable)
    {
    }

    /** {@code members} of {@code GET /api/v1/node} of {@code node}, counted. */
    public Members members(final DemoLayout.Node node) throws IOException
    {
        final JsonNode members = send(node, "GET", "/api/v1/node", null, Duration.ofSeconds(2), 200).path("members");
        int up = 0;
        for (final JsonNode member : members)
        {
            if ("Up".equals(member.path("status").asText()) && member.path("reachable").asBoolean())
            {
                up++;
            }
        }
        return new Members(members.size(), up);
    }

    /** Whether {@code GET /readyz} of {@code node} says {@code ok}; false when it does not answer. */
    public boolean ready(final DemoLayout.Node node)
    {
        try
        {
            return send(node, "GET", "/readyz", null, Duration.ofSeconds(1)).statusCode() == 200;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** {@code GET /api/v1/pods} as {@code node} answers it. */
    public JsonNode pods(final DemoLayout.Node node) throws IOException
    {
        return send(node, "GET", "/api/v1/pods", null, Duration.ofSeconds(5), 200);
    }

    /** {@code POST /api/v1/check}: every pod to every other, from {@code node}. */
    public JsonNode check(final DemoLayout.Node node, final Duration pairTimeout) throws IOException
    {
        return send(node, "POST", "/api/v1/check", "{\"timeoutMs\":" + pairTimeout.toMillis() + "}", Duration.ofSeconds(120), 200);
    }

    /**
     * {@code POST /api/v1/nodes/{name}/check} of {@code node}, its own part of a check: from {@code sources} (its pods) to
     * {@code targets} ({@code {name, ip, netns?}} each), answered asynchronously ({@code [{from, to, ok, error}]}).
     */
    public CompletableFuture<JsonNode> checkPairs(final DemoLayout.Node node, final List<String> sources,
        final List<JsonNode> targets, final Duration pairTimeout, final Duration timeout)
    {
        final ObjectNode body = JSON.createObjectNode();
        sources.forEach(body.putArray("sources")::add);
        targets.forEach(body.putArray("targets")::add);
        body.put("timeoutMs", pairTimeout.toMillis());
        final String path = "/api/v1/nodes/" + node.name() + "/check";
        return client.sendAsync(request(node, "POST", path, body.toString(), timeout), HttpResponse.BodyHandlers.ofString())
            .thenApply(response ->
            {
                try
                {
                    return answer(node, "POST", path, response, 200);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
    }

    private JsonNode send(final DemoLayout.Node node, final String method, final String path, final String body,
        final Duration timeout, final int expected) throws IOException
    {
        return answer(node, method, path, send(node, method, path, body, timeout), expected);
    }

    /** The JSON of {@code response}; a {@link DemoApiException} when its status is not {@code expected}. */
    private static JsonNode answer(final DemoLayout.Node node, final String method, final String path,
        final HttpResponse<String> response, final int expected) throws IOException
    {
        if (response.statusCode() != expected)
        {
            throw new DemoApiException(method + " " + node.apiUrl() + path, response.statusCode(), response.body());
        }
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(final DemoLayout.Node node, final String method, final String path, final String body,
        final Duration timeout) throws IOException
    {
        try
        {
            return client.send(request(node, method, path, body, timeout), HttpResponse.BodyHandlers.ofString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    private static HttpRequest request(final DemoLayout.Node node, final String method, final String path, final String body,
        final Duration timeout)
    {
        return HttpRequest.newBuilder(URI.create(node.apiUrl() + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
    }

    private static String text(final JsonNode value)
    {
        return value == null || value.isNull() ? null : value.asText();
    }
}
