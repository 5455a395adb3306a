package dev.podnet.http;

/**
 * A request the API refuses, with the status code and the {@code {error, detail}} body to answer.
 * Thrown by handlers; {@link ApiServer} turns it into the response.
 */
final class ApiException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    ApiException(final int status, final String error, final String detail)
    {
        super(detail, null, false, false);
        this.status = status;
        this.error = error;
    }

    static ApiException badRequest(final String detail)
    {
        return new ApiException(400, "bad-request", detail);
    }

    static ApiException notFound(final String detail)
    {
        return new ApiException(404, "not-found", detail);
    }

    int status()
    {
        return status;
    }

    String error()
    {
        return error;
    }
}
