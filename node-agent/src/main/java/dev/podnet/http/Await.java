package dev.podnet.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a data-plane future on an API thread, never longer than a bound: a request never hangs,
 * whatever the data plane does. The data-plane thread only completes the future; everything after
 * (JSON, the response) happens on the waiting API thread.
 */
final class Await
{
    /** Grace on top of a request's own timeouts: ARP resolution (3 s at most) and queueing. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private Await()
    {
    }

    /** The future's value; its failure rethrown as is; a 504 when {@code bound} passes first. */
    static <T> T await(final CompletableFuture<T> future, final Duration bound, final String what)
        throws InterruptedException
    {
        try
        {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            throw new ApiException(504, "timeout", what + " did not finish within " + bound.toMillis() + " ms");
        }
        catch (final ExecutionException ex)
        {
            throw rethrow(ex.getCause());
        }
    }

    private static RuntimeException rethrow(final Throwable cause)
    {
        Throwable failure = cause;
        while (failure instanceof CompletionException && failure.getCause() != null)
        {
            failure = failure.getCause();
        }
        if (failure instanceof RuntimeException runtime)
        {
            return runtime;
        }
        if (failure instanceof Error error)
        {
            throw error;
        }
        return new IllegalStateException(failure);
    }
}
