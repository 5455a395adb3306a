package dev.podnet.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Method + path pattern to handler, e.g. {@code POST /api/v1/pods/{name}/ping}. A path that matches
 * no pattern is a 404; one that matches with another method is a 405 that lists the allowed ones.
 * A parameter matches one non-empty path segment.
 */
final class Dispatcher
{
    @FunctionalInterface
    interface Handler
    {
        ApiResponse handle(ApiRequest request) throws Exception;
    }

    private record Entry(String method, String[] segments, Handler handler)
    {
    }

    /** The handler found for a request, with the parameters its pattern matched. */
    record Match(Handler handler, Map<String, String> params)
    {
    }

    private final List<Entry> entries = new ArrayList<>();

    Dispatcher add(final String method, final String pattern, final Handler handler)
    {
        entries.add(new Entry(method, split(pattern), handler));
        return this;
    }

    /** The handler for {@code method} on the decoded path segments; throws 404 or 405. */
    Match match(final String method, final List<String> path)
    {
        final Set<String> allowed = new LinkedHashSet<>();
        for (final Entry entry : entries)
        {
            final Map<String, String> params = matchPath(entry.segments, path);
            if (params == null)
            {
                continue;
            }
            if (entry.method.equals(method))
            {
                return new Match(entry.handler, params);
            }
            allowed.add(entry.method);
        }
        if (allowed.isEmpty())
        {
            throw ApiException.notFound("no such resource: " + "/" + String.join("/", path));
        }
        throw new MethodNotAllowed(method, allowed);
    }

    private static Map<String, String> matchPath(final String[] pattern, final List<String> path)
    {
        if (pattern.length != path.size())
        {
            return null;
        }
        Map<String, String> params = Map.of();
        for (int i = 0; i < pattern.length; i++)
        {
            final String want = pattern[i];
            final String got = path.get(i);
            if (want.startsWith("{"))
            {
                if (got.isEmpty())
                {
                    return null;
                }
                if (params.isEmpty())
                {
                    params = new LinkedHashMap<>();
                }
                params.put(want.substring(1, want.length() - 1), got);
            }
            else if (!want.equals(got))
            {
                return null;
            }
        }
        return params;
    }

    private static String[] split(final String pattern)
    {
        return pattern.substring(1).split("/", -1);
    }

    /** A 405, with the methods to put in the {@code Allow} header. */
    static final class MethodNotAllowed extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final Set<String> allowed;

        MethodNotAllowed(final String method, final Set<String> allowed)
        {
            super(method + " is not allowed here (allowed: " + String.join(", ", allowed) + ")", null, false, false);
            this.allowed = allowed;
        }

        String allowHeader()
        {
            return String.join(", ", allowed);
        }
    }
}
