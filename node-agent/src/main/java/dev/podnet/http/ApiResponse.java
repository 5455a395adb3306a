package dev.podnet.http;

/**
 * What a handler answers: a status and either a value to write as JSON, a text, or nothing.
 *
 * @param status HTTP status code
 * @param json   value written as JSON, or {@code null}
 * @param text   plain text, or {@code null}
 */
record ApiResponse(int status, Object json, String text)
{
    static ApiResponse ok(final Object json)
    {
        return new ApiResponse(200, json, null);
    }

    static ApiResponse created(final Object json)
    {
        return new ApiResponse(201, json, null);
    }

    static ApiResponse noContent()
    {
        return new ApiResponse(204, null, null);
    }

    static ApiResponse text(final String text)
    {
        return new ApiResponse(200, null, text);
    }

    static ApiResponse json(final int status, final Object json)
    {
        return new ApiResponse(status, json, null);
    }
}
