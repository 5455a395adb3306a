package dev.podnet.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.testing.Http;
import dev.podnet.testing.LocalCluster;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Bounded polling for the real-pod tests: the kernel does things in its own time (IPv6 timers, a server's bind). */
final class RealPodTestingAwait
{
    private RealPodTestingAwait()
    {
    }

    static void until(final Callable<Boolean> condition, final String what)
    {
        LocalCluster.await(() ->
        {
            try
            {
                return condition.call();
            }
            catch (final Exception ex)
            {
                return false; // not yet
            }
        }, Duration.ofSeconds(20), what);
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

    /** A UDP echo server (python3) in {@code netns} on {@code port}: answers {@code echo:PAYLOAD:SOURCE-IP}. */
    static Process echo(final String netns, final int port)
    {
        try
        {
            final Process process = new ProcessBuilder("ip", "netns", "exec", netns, "python3", "-c",
                "import socket\n" +
                "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('0.0.0.0'," + port + "))\n" +
                "while True:\n  d,a=s.recvfrom(65535); s.sendto(b'echo:'+d+b':'+a[0].encode(),a)\n").start();
            until(() -> dev.podnet.testing.RealPodTesting.inNetns(netns, "ss", "-uln").output().contains(":" + port),
                "the echo server listens");
            return process;
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
