package dev.podnet.http;

/**
 * What a handler answers: a status and either a value to write as JSON, a text, a file, or nothing.
 *
 * @param status HTTP status code
 * @param json   value written as JSON, or {@code null}
 * @param text   plain text, or {@code null}
 * @param file   bytes with their content type (the web view's page and assets), or {@code null}
 */
record ApiResponse(int status, Object json, String text, File file)
{
    /** A file's bytes and its {@code Content-Type}; written with {@code Cache-Control: no-cache}. */
    record File(String contentType, byte[] bytes)
    {
    }

    ApiResponse(final int status, final Object json, final String text)
    {
        this(status, json, text, null);
    }

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

    static ApiResponse file(final String contentType, final byte[] bytes)
    {
        return new ApiResponse(200, null, null, new File(contentType, bytes));
    }
}
