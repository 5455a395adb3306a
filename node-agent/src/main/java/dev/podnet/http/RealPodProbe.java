package dev.podnet.http;

import dev.podnet.dataplane.RealPods;
import dev.podnet.http.ConnectivityCheck.Pair;
import dev.podnet.http.ConnectivityCheck.Target;
import dev.podnet.tap.Namespaces;
import dev.podnet.tap.NetnsSockets;
import dev.podnet.tap.TapException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A connectivity-check pair from a real pod of this node, done by its own kernel: the system's
 * {@code ping} run in its namespace ({@code nsenter --net=…}), then, towards an emulated pod, netexec's
 * {@code hostname} and {@code clientip} over a UDP socket made inside the namespace. Towards a Service, no
 * ping (a ClusterIP answers none, as kube-proxy's): the two netexec requests to the ClusterIP and the Service's
 * port, answered by one of its pods, to the real pod's own address. Blocking work on a
 * small pool of its own (a few processes at a time), never on the data plane's thread.
 */
final class RealPodProbe
{
    private static final Pattern REPLY = Pattern.compile("ttl=(\\d+) time=([0-9.]+) ms");
    private static final ExecutorService TOOLS = Executors.newFixedThreadPool(4, task ->
    {
        final Thread thread = new Thread(task, "podnet-real-pod-probe");
        thread.setDaemon(true);
        return thread;
    });

    private final RealPods realPods;

    RealPodProbe(final RealPods realPods)
    {
        this.realPods = realPods;
    }

    CompletableFuture<Pair> checkPair(final Target source, final Target target, final Duration timeout)
    {
        return CompletableFuture.supplyAsync(() -> check(source, target, timeout), TOOLS);
    }

    private Pair check(final Target source, final Target target, final Duration timeout)
    {
        final Namespaces.Ref netns = realPods.netns(source.name());
        if (netns == null)
        {
            return new Pair(source.name(), target.name(), false, 0, "real pod " + source.name() + " is not attached here");
        }
        if (target.service())
        {
            return checkService(source, netns, target, timeout);
        }
        final long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        final long rttUs;
        try
        {
            final Process ping = new ProcessBuilder("nsenter", "--net=" + netns.path(), "ping", "-n", "-c", "1",
                "-W", Long.toString(seconds), target.ip()).redirectErrorStream(true).start();
            ping.getOutputStream().close();
            final String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ping.waitFor(seconds + 5, TimeUnit.SECONDS))
            {
                ping.destroyForcibly();
            }
            final Matcher reply = REPLY.matcher(output);
            if (!reply.find())
            {
                return new Pair(source.name(), target.name(), false, 0, "ping: " + lastLine(output));
            }
            rttUs = (long)(Double.parseDouble(reply.group(2)) * 1000);
        }
        catch (final IOException ex)
        {
            return new Pair(source.name(), target.name(), false, 0, "ping: cannot run it in " + netns.label() + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Pair(source.name(), target.name(), false, 0, "ping: interrupted");
        }
        if (target.real())
        {
            return new Pair(source.name(), target.name(), true, rttUs, null);
        }
        try (DatagramChannel socket = NetnsSockets.datagram(netns.path()))
        {
            final String hostname = exchange(socket, target.ip(), 8081, ConnectivityCheck.PAYLOAD_HOSTNAME, timeout);
            if (!hostname.trim().equals(target.name()))
            {
                return new Pair(source.name(), target.name(), false, rttUs,
                    "hostname: answered '" + hostname.trim() + "', expected '" + target.name() + "'");
            }
            final String clientIp = exchange(socket, target.ip(), 8081, ConnectivityCheck.PAYLOAD_CLIENT_IP, timeout);
            if (!clientIp.trim().startsWith(source.ip() + ":"))
            {
                return new Pair(source.name(), target.name(), false, rttUs, "clientip: answered '" + clientIp.trim() +
                    "', expected " + source.ip() + ":<port> (the source address was rewritten)");
            }
            return new Pair(source.name(), target.name(), true, rttUs, null);
        }
        catch (final IOException | TapException | java.io.UncheckedIOException ex)
        {
            return new Pair(source.name(), target.name(), false, rttUs, "netexec: " + ex.getMessage());
        }
    }

    /** Real pod to Service: netexec behind the ClusterIP answers as one of the Service's pods, to the pod's own address. */
    private static Pair checkService(final Target source, final Namespaces.Ref netns, final Target service, final Duration timeout)
    {
        try (DatagramChannel socket = NetnsSockets.datagram(netns.path()))
        {
            final String hostname = exchange(socket, service.ip(), service.port(), ConnectivityCheck.PAYLOAD_HOSTNAME, timeout).trim();
            if (!service.expected().contains(hostname))
            {
                return new Pair(source.name(), service.name(), false, 0,
                    "hostname: answered '" + hostname + "', expected one of " + service.expected());
            }
            final String clientIp = exchange(socket, service.ip(), service.port(), ConnectivityCheck.PAYLOAD_CLIENT_IP, timeout).trim();
            if (!service.backedBy(source) && !clientIp.startsWith(source.ip() + ":"))
            {
                return new Pair(source.name(), service.name(), false, 0, "clientip: answered '" + clientIp +
                    "', expected " + source.ip() + ":<port> (the source address was rewritten)");
            }
            return new Pair(source.name(), service.name(), true, 0, null);
        }
        catch (final IOException | TapException | java.io.UncheckedIOException ex)
        {
            return new Pair(source.name(), service.name(), false, 0, "netexec: " + ex.getMessage());
        }
    }

    /** One netexec request to {@code ip:port} and its answer ("timeout" when none comes in time). */
    private static String exchange(final DatagramChannel socket, final String ip, final int port, final String payload,
        final Duration timeout) throws IOException
    {
        socket.configureBlocking(false);
        socket.send(ByteBuffer.wrap(payload.getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(ip, port));
        try (Selector selector = Selector.open())
        {
            socket.register(selector, SelectionKey.OP_READ);
            if (selector.select(timeout.toMillis()) == 0)
            {
                return "timeout";
            }
        }
        final ByteBuffer reply = ByteBuffer.allocate(2048);
        socket.receive(reply);
        reply.flip();
        return StandardCharsets.UTF_8.decode(reply).toString();
    }

    private static String lastLine(final String output)
    {
        final List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
    }
}
