package dev.podnet.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * What a handler answers: a status and one of a value to write as JSON, a text, bytes of a given
 * content type (a forwarded answer, a page), a stream written as it is produced (a capture), or nothing.
 *
 * @param status      HTTP status code
 * @param json        value written as JSON, or {@code null}
 * @param text        plain text, or {@code null}
 * @param contentType the content type of {@code bytes} or {@code stream}
 * @param bytes       a body as is, or {@code null}
 * @param stream      writes a body of unknown length (chunked), or {@code null}
 */
record ApiResponse(int status, Object json, String text, String contentType, byte[] bytes, Streamer stream)
{
    /** Writes a streamed body; the stream is closed by the server afterwards. */
    @FunctionalInterface
    interface Streamer
    {
        void writeTo(OutputStream out) throws IOException, InterruptedException;
    }

    static ApiResponse ok(final Object json)
    {
        return json(200, json);
    }

    static ApiResponse created(final Object json)
    {
        return json(201, json);
    }

    static ApiResponse noContent()
    {
        return new ApiResponse(204, null, null, null, null, null);
    }

    static ApiResponse text(final String text)
    {
        return text(200, text);
    }

    static ApiResponse text(final int status, final String text)
    {
        return new ApiResponse(status, null, text, null, null, null);
    }

    static ApiResponse json(final int status, final Object json)
    {
        return new ApiResponse(status, json, null, null, null, null);
    }

    /** {@code bytes} as they are, with their content type ({@code null}: none). */
    static ApiResponse bytes(final int status, final String contentType, final byte[] bytes)
    {
        return new ApiResponse(status, null, null, contentType, bytes, null);
    }

    /** 200 with a body {@code stream} writes as it goes (chunked). */
    static ApiResponse stream(final String contentType, final Streamer stream)
    {
        return new ApiResponse(200, null, null, contentType, null, stream);
    }
}
