package dev.podnet.pod;

import dev.podnet.tcp.CloseReason;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import dev.podnet.tcp.TcpStack;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A bulk transfer from a pod, iperf-style: {@code streams} connections to a discard service, each kept full for
 * the duration (it writes whenever its send buffer has room, so TCP's windows alone set the pace), sampled every
 * interval for the bytes acknowledged, the congestion windows and the RTT. At the end the connections close in
 * order after what they still hold. Writes copy one constant pattern: no allocation while it runs.
 */
final class TcpPerf
{
    private static final UnsafeBuffer PATTERN = pattern();

    private final int remoteIp;
    private final int remotePort;
    private final long durationNanos;
    private final long intervalNanos;
    private final long connectDeadline;
    private final CompletableFuture<TcpPerfResult> future;
    private final List<Stream> streams = new ArrayList<>();
    private final List<TcpPerfResult.Sample> samples = new ArrayList<>();
    private long startedAt = -1;
    private long nextSampleAt;
    private long slowestConnect;
    private final long openedAt;

    TcpPerf(
        final TcpStack stack, final int remoteIp, final int remotePort, final int streamCount, final long durationNanos,
        final long intervalNanos, final long connectTimeoutNanos, final CompletableFuture<TcpPerfResult> future,
        final long nowNanos)
    {
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.durationNanos = durationNanos;
        this.intervalNanos = intervalNanos;
        this.future = future;
        this.openedAt = nowNanos;
        this.connectDeadline = nowNanos + connectTimeoutNanos;
        for (int i = 0; i < streamCount; i++)
        {
            final Stream stream = new Stream();
            stream.connection = stack.connect(remoteIp, remotePort, stream, nowNanos);
            if (stream.connection == null)
            {
                fail("no-free-port", nowNanos);
                return;
            }
            streams.add(stream);
        }
    }

    boolean isDone()
    {
        return future.isDone();
    }

    /** Samples and the end; true when the transfer is over. */
    boolean onTimer(final long nowNanos)
    {
        if (future.isDone())
        {
            return true;
        }
        if (startedAt < 0)
        {
            if (nowNanos >= connectDeadline)
            {
                fail("timeout", nowNanos);
            }
            return future.isDone();
        }
        if (nowNanos >= nextSampleAt)
        {
            sample(Math.min(nowNanos, startedAt + durationNanos));
            nextSampleAt += intervalNanos;
        }
        if (nowNanos >= startedAt + durationNanos)
        {
            finish(nowNanos);
        }
        return future.isDone();
    }

    private void sample(final long nowNanos)
    {
        long bytes = 0;
        long cwnd = 0;
        long rtt = 0;
        long retransmits = 0;
        for (final Stream stream : streams)
        {
            bytes += stream.acked();
            retransmits += stream.retransmits();
            if (stream.open())
            {
                cwnd += stream.connection.cwnd();
                rtt = Math.max(rtt, stream.connection.srttNanos() / 1_000);
            }
        }
        samples.add(new TcpPerfResult.Sample(nowNanos - startedAt, bytes, cwnd, rtt, retransmits));
    }

    private void finish(final long nowNanos)
    {
        long bytes = 0;
        long retransmits = 0;
        for (final Stream stream : streams)
        {
            bytes += stream.acked();
            retransmits += stream.retransmits();
            stream.stop();
        }
        future.complete(new TcpPerfResult(remoteIp, remotePort, streams.size(), nowNanos - startedAt, bytes, retransmits,
            slowestConnect, List.copyOf(samples), null));
    }

    private void fail(final String error, final long nowNanos)
    {
        if (!future.isDone())
        {
            future.complete(new TcpPerfResult(remoteIp, remotePort, streams.size(), 0, 0, 0, slowestConnect, List.of(), error));
        }
        for (final Stream stream : streams)
        {
            if (stream.open())
            {
                stream.connection.abort();
            }
        }
    }

    void abort(final String why)
    {
        future.completeExceptionally(new IllegalStateException(why));
        for (final Stream stream : streams)
        {
            if (stream.open())
            {
                stream.connection.abort();
            }
        }
    }

    /** One connection of the transfer. */
    private final class Stream implements TcpHandler
    {
        TcpConnection connection;
        private boolean stopped;
        private long ackedAtStop = -1;
        private long retransmitsAtStop;

        @Override
        public void onEstablished(final TcpConnection connection, final long nowNanos)
        {
            slowestConnect = Math.max(slowestConnect, nowNanos - openedAt);
            if (startedAt < 0)
            {
                startedAt = nowNanos;
                nextSampleAt = nowNanos + intervalNanos;
            }
            fill(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection, final long nowNanos)
        {
            fill(connection);
        }

        @Override
        public void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
        {
            if (!stopped && !future.isDone())
            {
                fail(reason == CloseReason.UNREACHABLE && connection.errorDetail() != null ?
                    connection.errorDetail() : reason.label(), nowNanos);
            }
        }

        private void fill(final TcpConnection connection)
        {
            if (stopped)
            {
                return;
            }
            while (connection.write(PATTERN, 0, PATTERN.capacity()) == PATTERN.capacity())
            {
                // keep the send buffer full
            }
        }

        void stop()
        {
            ackedAtStop = acked();
            retransmitsAtStop = retransmits();
            stopped = true;
            if (open())
            {
                connection.close();
            }
        }

        boolean open()
        {
            return connection != null && connection.closeReason() == null;
        }

        long acked()
        {
            return ackedAtStop >= 0 ? ackedAtStop : connection == null ? 0 : connection.bytesAcked();
        }

        long retransmits()
        {
            return stopped ? retransmitsAtStop : connection == null ? 0 : connection.retransmits();
        }

        @Override
        public String application()
        {
            return "tcp-perf";
        }
    }

    private static UnsafeBuffer pattern()
    {
        final byte[] bytes = new byte[64 * 1024];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)('a' + i % 26);
        }
        return new UnsafeBuffer(bytes);
    }
}
