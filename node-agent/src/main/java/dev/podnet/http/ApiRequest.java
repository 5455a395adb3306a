package dev.podnet.http;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Map;

/**
 * One HTTP request as a handler sees it: the path parameters the route matched, the query parameters,
 * and the body (already read, at most {@link ApiServer#MAX_BODY_BYTES}).
 */
final class ApiRequest
{
    private final String method;
    private final String path;
    private final Map<String, String> pathParams;
    private final Map<String, String> query;
    private final byte[] body;
    private final ObjectMapper mapper;
    private final String rawPathAndQuery;
    private final boolean forwarded;

    ApiRequest(
        final String method, final String path, final Map<String, String> pathParams, final Map<String, String> query,
        final byte[] body, final ObjectMapper mapper)
    {
        this(method, path, pathParams, query, body, mapper, path, false);
    }

    /**
     * @param rawPathAndQuery the request's path and query as received (still percent-encoded), to forward as is
     * @param forwarded       whether another agent forwarded it ({@link ClusterApi#FORWARDED_HEADER}): never forwarded again
     */
    ApiRequest(
        final String method, final String path, final Map<String, String> pathParams, final Map<String, String> query,
        final byte[] body, final ObjectMapper mapper, final String rawPathAndQuery, final boolean forwarded)
    {
        this.method = method;
        this.path = path;
        this.pathParams = pathParams;
        this.query = query;
        this.body = body;
        this.mapper = mapper;
        this.rawPathAndQuery = rawPathAndQuery;
        this.forwarded = forwarded;
    }

    /** This request with the path parameter {@code name} set to {@code value}. */
    ApiRequest withParam(final String name, final String value)
    {
        final Map<String, String> params = new java.util.LinkedHashMap<>(pathParams);
        params.put(name, value);
        return new ApiRequest(method, path, params, query, body, mapper, rawPathAndQuery, forwarded);
    }

    /** This request with another body. */
    ApiRequest withBody(final byte[] newBody)
    {
        return new ApiRequest(method, path, pathParams, query, newBody, mapper, rawPathAndQuery, forwarded);
    }

    /** A request for another path of the API (to forward to another agent), with {@code newBody}. */
    ApiRequest to(final String newMethod, final String newPath, final byte[] newBody)
    {
        return new ApiRequest(newMethod, newPath, Map.of(), Map.of(), newBody, mapper, newPath, false);
    }

    /** The namespace of a namespaced route ({@code /api/v1/namespaces/{namespace}/...}), else {@code default}. */
    String namespace()
    {
        final String namespace = pathParams.get("namespace");
        return namespace == null ? dev.podnet.dataplane.PodSpec.DEFAULT_NAMESPACE : namespace;
    }

    ObjectMapper mapper()
    {
        return mapper;
    }

    /** The body as received (empty when none). */
    byte[] body()
    {
        return body;
    }

    String rawPathAndQuery()
    {
        return rawPathAndQuery;
    }

    boolean forwarded()
    {
        return forwarded;
    }

    String method()
    {
        return method;
    }

    String path()
    {
        return path;
    }

    /** A parameter of the route's pattern, e.g. {@code name} of {@code /api/v1/pods/{name}}. */
    String param(final String name)
    {
        return pathParams.get(name);
    }

    /** A query parameter, {@code null} when absent. */
    String query(final String name)
    {
        return query.get(name);
    }

    /** The body as a JSON object that may hold only {@code allowed} fields. */
    JsonBody json(final String... allowed)
    {
        return JsonBody.parse(mapper, body, List.of(allowed));
    }
}
