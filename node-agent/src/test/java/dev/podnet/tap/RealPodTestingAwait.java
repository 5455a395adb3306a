package dev.podnet.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;

import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.fail;

/** Bounded polling for the real-pod tests: the kernel does things in its own time (IPv6 timers, a server's bind). */
final class RealPodTestingAwait
{
    private RealPodTestingAwait()
    {
    }

    static void until(final Callable<Boolean> condition, final String what)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (true)
        {
            try
            {
                if (condition.call())
                {
                    return;
                }
            }
            catch (final Exception ex)
            {
                // not yet
            }
            if (System.nanoTime() > deadline)
            {
                fail("not within 20 s: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    /** A UDP exchange through the API, retried until it is answered (20 s at most). */
    static JsonNode udp(final String url, final String ip, final int port, final String payload)
    {
        final JsonNode[] reply = new JsonNode[1];
        until(() ->
        {
            final Http.Reply answer = Http.post(url, "{\"target\":\"" + ip + "\",\"port\":" + port + ",\"payload\":\"" + payload +
                "\",\"timeoutMs\":1000}");
            reply[0] = answer.json();
            return answer.status() == 200;
        }, "a UDP reply from " + ip + ":" + port);
        return reply[0];
    }
}
