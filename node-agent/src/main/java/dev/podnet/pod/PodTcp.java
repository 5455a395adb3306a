package dev.podnet.pod;

import dev.podnet.packet.PacketError;
import dev.podnet.tcp.SegmentOutput;
import dev.podnet.tcp.SocketInfo;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpCounters;
import dev.podnet.tcp.TcpHandler;
import dev.podnet.tcp.TcpSettings;
import dev.podnet.tcp.TcpStack;
import org.agrona.MutableDirectBuffer;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The TCP side of a pod: its {@link TcpStack}, the services every pod runs (echo on {@value TcpEcho#PORT},
 * discard on {@value TcpDiscard#PORT}, netexec's HTTP on {@value HttpNetexec#PORT}) and the tools run from it
 * ({@code curl}, {@code tcp-perf}, socket listings). The pod hands it segments and ICMP errors, runs its timers
 * and lets it send; everything happens on the data plane's thread.
 */
final class PodTcp
{
    private static final SecureRandom SECRETS = new SecureRandom();

    private final TcpStack stack;
    private final TcpDiscard discard = new TcpDiscard();
    private final List<HttpCall> calls = new ArrayList<>();
    private final List<TcpPerf> perfs = new ArrayList<>();
    private final List<TcpHandshake> handshakes = new ArrayList<>();
    private final org.agrona.collections.Long2ObjectHashMap<TcpProbe> probes = new org.agrona.collections.Long2ObjectHashMap<>();

    PodTcp(final String podName, final int ip, final int mtu, final TcpSettings settings, final SegmentOutput output)
    {
        this.stack = new TcpStack(ip, mtu, settings, output, SECRETS.nextLong(), SECRETS.nextLong(), 0);
        stack.listen(TcpEcho.PORT, new TcpEcho());
        stack.listen(TcpDiscard.PORT, discard);
        stack.listen(HttpNetexec.PORT, new HttpNetexec(podName));
    }

    TcpStack stack()
    {
        return stack;
    }

    PacketError onSegment(
        final int sourceIp, final int destinationIp, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        return stack.onSegment(sourceIp, destinationIp, buffer, offset, length, nowNanos);
    }

    void onTimer(final long nowNanos)
    {
        stack.onTimer(nowNanos);
        for (int i = calls.size() - 1; i >= 0; i--)
        {
            if (calls.get(i).onTimer(nowNanos))
            {
                calls.remove(i);
            }
        }
        for (int i = perfs.size() - 1; i >= 0; i--)
        {
            if (perfs.get(i).onTimer(nowNanos))
            {
                perfs.remove(i);
            }
        }
        for (int i = handshakes.size() - 1; i >= 0; i--)
        {
            if (handshakes.get(i).onTimer(nowNanos))
            {
                handshakes.remove(i);
            }
        }
        if (!probes.isEmpty())
        {
            for (final TcpProbe probe : probes.values())
            {
                probe.onTimer(nowNanos);
            }
        }
    }

    /** One probe on the long-lived connection to {@code ip:port}'s echo service (made on first use). */
    void probe(final int ip, final int port, final long timeoutNanos, final CompletableFuture<TcpProbeResult> result,
        final long nowNanos)
    {
        final long key = ((long)ip << 16) | port;
        TcpProbe probe = probes.get(key);
        if (probe == null)
        {
            probe = new TcpProbe(this, ip, port);
            probes.put(key, probe);
        }
        probe.probe(timeoutNanos, result, nowNanos);
    }

    int pump(final long nowNanos)
    {
        return stack.pump(nowNanos);
    }

    /** GET {@code path} from {@code ip:port} with {@code Host: host}. */
    void http(
        final int ip, final int port, final String host, final String path, final long timeoutNanos,
        final CompletableFuture<HttpResult> result, final long nowNanos)
    {
        final HttpCall call = new HttpCall(ip, port, host, path, nowNanos, nowNanos + timeoutNanos, result);
        final TcpConnection connection = stack.connect(ip, port, call, nowNanos);
        if (connection == null)
        {
            result.complete(new HttpResult(0, "", "", List.of(), new byte[0], ip, port, 0, -1, -1, 0, "no-free-port"));
            return;
        }
        call.connection(connection);
        if (!call.isDone())
        {
            calls.add(call);
        }
    }

    /** A connect check of {@code ip:port}: the handshake, then a reset ({@link TcpHandshake}). */
    void handshake(final int ip, final int port, final long timeoutNanos, final CompletableFuture<String> result,
        final long nowNanos)
    {
        final TcpHandshake handshake = new TcpHandshake(nowNanos + timeoutNanos, result);
        final TcpConnection connection = stack.connect(ip, port, handshake, nowNanos);
        if (connection == null)
        {
            result.complete("no-free-port");
            return;
        }
        handshake.connection(connection);
        if (!handshake.isDone())
        {
            handshakes.add(handshake);
        }
    }

    /** A bulk transfer to {@code ip:port}. */
    void perf(
        final int ip, final int port, final int streams, final long durationNanos, final long bytes, final long intervalNanos,
        final long connectTimeoutNanos, final CompletableFuture<TcpPerfResult> result, final long nowNanos)
    {
        final TcpPerf perf = new TcpPerf(stack, ip, port, streams, durationNanos, bytes, intervalNanos, connectTimeoutNanos,
            result, nowNanos);
        if (!perf.isDone())
        {
            perfs.add(perf);
        }
    }

    /**
     * Open a connection for an application of the caller's (a long-lived probe).
     *
     * @return the connection, or null when the pod has no free port or is at its limit.
     */
    TcpConnection connect(final int ip, final int port, final TcpHandler handler, final long nowNanos)
    {
        return stack.connect(ip, port, handler, nowNanos);
    }

    List<SocketInfo> sockets()
    {
        return stack.sockets();
    }

    TcpCounters counters()
    {
        return stack.counters();
    }

    long discardedBytes()
    {
        return discard.bytes();
    }

    /** The pod goes away: tools fail, connections are reset. */
    void close(final String reason)
    {
        for (final HttpCall call : new ArrayList<>(calls))
        {
            call.abort(reason);
        }
        for (final TcpPerf perf : new ArrayList<>(perfs))
        {
            perf.abort(reason);
        }
        for (final TcpProbe probe : probes.values())
        {
            probe.abort(reason);
        }
        for (final TcpHandshake handshake : new ArrayList<>(handshakes))
        {
            handshake.abort(reason);
        }
        handshakes.clear();
        calls.clear();
        perfs.clear();
        probes.clear();
        stack.close();
    }
}
