package dev.podnet.http;

/**
 * Continuous probing on a node ({@link Prober}), for chaos runs, from any agent:
 * <ul>
 *   <li>{@code POST /api/v1/nodes/{node}/probes {intervalMs?, timeoutMs?}}: start (or restart) probing;</li>
 *   <li>{@code GET /api/v1/nodes/{node}/probes?after=SEQ&limit=N}: the probes logged after SEQ;</li>
 *   <li>{@code DELETE /api/v1/nodes/{node}/probes}: stop.</li>
 * </ul>
 */
final class ProbeApi
{
    static final int DEFAULT_INTERVAL_MS = 500;
    static final int DEFAULT_TIMEOUT_MS = 1_000;
    static final int MAX_PAGE = 20_000;

    private final ClusterApi cluster;
    private final Prober prober;

    ProbeApi(final ClusterApi cluster, final Prober prober)
    {
        this.cluster = cluster;
        this.prober = prober;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("POST", "/api/v1/nodes/{node}/probes", request -> cluster.onNode(request, this::start))
            .add("GET", "/api/v1/nodes/{node}/probes", request -> cluster.onNode(request, this::page))
            .add("DELETE", "/api/v1/nodes/{node}/probes", request -> cluster.onNode(request, this::stop));
    }

    private ApiResponse start(final ApiRequest request)
    {
        int intervalMs = DEFAULT_INTERVAL_MS;
        int timeoutMs = DEFAULT_TIMEOUT_MS;
        if (request.body().length > 0)
        {
            final JsonBody body = request.json("intervalMs", "timeoutMs");
            intervalMs = body.optionalInt("intervalMs", DEFAULT_INTERVAL_MS, 100, 60_000);
            timeoutMs = body.optionalInt("timeoutMs", DEFAULT_TIMEOUT_MS, 1, 10_000);
        }
        prober.start(intervalMs, timeoutMs);
        return ApiResponse.ok(prober.status());
    }

    private ApiResponse page(final ApiRequest request)
    {
        final long after = number(request.query("after"), "after", 0, Long.MAX_VALUE, 0);
        final int limit = (int)number(request.query("limit"), "limit", 1, MAX_PAGE, MAX_PAGE);
        return ApiResponse.ok(prober.page(after, limit));
    }

    private ApiResponse stop(final ApiRequest request)
    {
        prober.stop();
        return ApiResponse.noContent();
    }

    private static long number(final String text, final String name, final long min, final long max, final long otherwise)
    {
        if (text == null)
        {
            return otherwise;
        }
        try
        {
            final long value = Long.parseLong(text);
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ex)
        {
            // the message below says what is expected
        }
        throw ApiException.badRequest("query parameter '" + name + "': '" + text + "' is not a whole number " + min + ".." + max);
    }
}
