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
 * A bulk transfer from a pod, iperf-style: {@code streams} connections to a discard service, each kept full (it
 * writes whenever its send buffer has room, so TCP's windows alone set the pace), sampled every interval for the
 * bytes acknowledged, the congestion windows and the RTT. Either for a duration ({@code iperf3 -t}: at the end the
 * connections close in order after what they still hold), or for a number of bytes ({@code iperf3 -n}: each stream
 * sends its share, closes, and the transfer ends when every stream has closed in order, its last byte
 * acknowledged; the duration is then the longest it may take). Writes copy one constant pattern: no allocation
 * while it runs.
 */
final class TcpPerf
{
    private static final UnsafeBuffer PATTERN = pattern();

    private final int remoteIp;
    private final int remotePort;
    private final long durationNanos;
    private final long byteLimit;
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
        final long byteLimit, final long intervalNanos, final long connectTimeoutNanos,
        final CompletableFuture<TcpPerfResult> future, final long nowNanos)
    {
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.durationNanos = durationNanos;
        this.byteLimit = byteLimit;
        this.intervalNanos = intervalNanos;
        this.future = future;
        this.openedAt = nowNanos;
        this.connectDeadline = nowNanos + connectTimeoutNanos;
        for (int i = 0; i < streamCount; i++)
        {
            final Stream stream = new Stream(byteLimit == 0 ? Long.MAX_VALUE :
                byteLimit / streamCount + (i < byteLimit % streamCount ? 1 : 0));
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
            if (byteLimit > 0)
            {
                fail("timeout", nowNanos); // the bytes did not all get through in time
            }
            else
            {
                finish(nowNanos);
            }
        }
        return future.isDone();
    }

    /** Bytes mode: every stream sent its share and closed in order. */
    private void onStreamClosed(final long nowNanos)
    {
        for (final Stream stream : streams)
        {
            if (!stream.closedInOrder)
            {
                return;
            }
        }
        sample(nowNanos);
        finish(nowNanos);
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
        private final long share;
        private long written;
        private boolean stopped;
        private boolean closedInOrder;
        private long ackedAtStop = -1;
        private long retransmitsAtStop;

        Stream(final long share)
        {
            this.share = share;
        }

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
            if (byteLimit > 0 && reason == CloseReason.CLOSED && written == share)
            {
                closedInOrder = true;
                if (!future.isDone())
                {
                    onStreamClosed(nowNanos);
                }
                return;
            }
            if (!stopped && !future.isDone())
            {
                fail(reason == CloseReason.UNREACHABLE && connection.errorDetail() != null ?
                    connection.errorDetail() : reason.label(), nowNanos);
            }
        }

        private void fill(final TcpConnection connection)
        {
            if (stopped || written == share)
            {
                return;
            }
            int accepted;
            do
            {
                final int chunk = (int)Math.min(PATTERN.capacity(), share - written);
                accepted = connection.write(PATTERN, 0, chunk);
                written += accepted;
                if (written == share)
                {
                    connection.close(); // the FIN follows the last byte
                    return;
                }
            }
            while (accepted == PATTERN.capacity()); // keep the send buffer full
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
