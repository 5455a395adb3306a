package dev.podnet.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** An agent's JSON API from a test: one call's status and JSON body, and polling for a condition. */
public final class AgentApi
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    /** @param base e.g. {@code http://localhost:32768} */
    public AgentApi(final String base)
    {
        this.base = base;
    }

    public record Reply(int status, JsonNode json, String body)
    {
    }

    public Reply get(final String path)
    {
        return send("GET", path, null);
    }

    public Reply post(final String path, final String body)
    {
        return send("POST", path, body);
    }

    public Reply delete(final String path)
    {
        return send("DELETE", path, null);
    }

    /** The JSON of a call that must answer {@code status}. */
    public JsonNode expect(final int status, final String method, final String path, final String body)
    {
        final Reply reply = send(method, path, body);
        if (reply.status() != status)
        {
            fail("%s %s%s answered %d, expected %d: %s", method, base, path, reply.status(), status, reply.body());
        }
        return reply.json();
    }

    public Reply send(final String method, final String path, final String body)
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"))
            {
                json = JSON.readTree(response.body());
            }
            return new Reply(response.statusCode(), json, response.body());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(method + " " + base + path + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /** Polls {@code condition} every 100 ms (a call that throws counts as false); fails naming {@code what} after {@code limit}. */
    public static void await(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (true)
        {
            try
            {
                if (condition.getAsBoolean())
                {
                    return;
                }
            }
            catch (final RuntimeException ex)
            {
                // not yet: the agent may be starting or gone
            }
            if (System.nanoTime() > deadline)
            {
                fail("not within %s: %s", limit, what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
