package dev.podnet.http;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.HttpResult;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.tcp.SocketInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of {@link TcpApi}'s answers, in the units their names say ({@code Us} microseconds, {@code Ms}
 * milliseconds), addresses as {@code ip:port} text.
 */
final class TcpViews
{
    private TcpViews()
    {
    }

    /** A response header. */
    record Header(String name, String value)
    {
    }

    /** curl's timings: {@code -w '%{time_connect} %{time_starttransfer} %{time_total}'}, from the SYN. */
    record Timings(long connectUs, long firstByteUs, long totalUs)
    {
    }

    /** An HTTP response a pod got. */
    record Http(String url, String server, int localPort, int status, String reason, String version, List<Header> headers,
                String body, Timings timings)
    {
        static Http of(final String url, final HttpResult result)
        {
            final List<Header> headers = new ArrayList<>(result.headers().size());
            for (final HttpResult.Header header : result.headers())
            {
                headers.add(new Header(header.name(), header.value()));
            }
            return new Http(url, Ipv4Address.format(result.remoteIp()) + ":" + result.remotePort(),
                result.localPort(), result.status(), result.reason(), result.version(), headers, result.bodyText(),
                new Timings(result.connectNanos() / 1_000, result.firstByteNanos() / 1_000, result.totalNanos() / 1_000));
        }
    }

    /** A sample of a bulk transfer: the interval ending {@code atMs} after the start. */
    record PerfSample(long atMs, long bytes, long bitsPerSecond, long cwnd, long rttUs, long retransmits)
    {
    }

    /** What a bulk transfer achieved. */
    record Perf(String target, String targetIp, int port, int streams, double seconds, long bytes, long bitsPerSecond,
                long retransmits, long connectUs, List<PerfSample> samples)
    {
        static Perf of(final String target, final TcpPerfResult result)
        {
            final List<PerfSample> samples = new ArrayList<>(result.samples().size());
            long previousAt = 0;
            long previousBytes = 0;
            for (final TcpPerfResult.Sample sample : result.samples())
            {
                final long interval = sample.atNanos() - previousAt;
                final double rate = interval <= 0 ? 0 : (sample.bytes() - previousBytes) * 8e9 / interval;
                samples.add(new PerfSample(sample.atNanos() / 1_000_000, sample.bytes(), Math.round(rate), sample.cwnd(),
                    sample.rttMicros(), sample.retransmits()));
                previousAt = sample.atNanos();
                previousBytes = sample.bytes();
            }
            return new Perf(target, Ipv4Address.format(result.remoteIp()), result.remotePort(), result.streams(),
                result.durationNanos() / 1e9, result.bytes(), Math.round(result.bitsPerSecond()), result.retransmits(),
                result.connectNanos() / 1_000, samples);
        }
    }

    /**
     * A socket as {@code ss -tin} shows it; {@code ssthresh} is null until loss set it; for a listener
     * {@code recvQ} is its half-open connections and {@code sendQ} its backlog, as {@code ss} does.
     */
    record Socket(String state, String local, String peer, int recvQ, int sendQ, String app, int mss, int pmtu, int cwnd,
                  Integer ssthresh, long rttUs, long rttvarUs, long rtoMs, int sndWnd, int rcvWnd, long retransmits,
                  long bytesSent, long bytesAcked, long bytesReceived, String options, String congestion)
    {
        static Socket of(final SocketInfo info)
        {
            final boolean listener = info.remoteIp() == 0 && info.remotePort() == 0;
            return new Socket(info.state(), Ipv4Address.format(info.localIp()) + ":" + info.localPort(),
                listener ? "*:*" : Ipv4Address.format(info.remoteIp()) + ":" + info.remotePort(), info.receiveQueue(),
                info.sendQueue(), info.application(), info.mss(), info.pathMtu(), info.cwnd(),
                info.ssthresh() >= (1 << 30) || listener ? null : info.ssthresh(), info.srttMicros(), info.rttvarMicros(),
                info.rtoMillis(), info.sendWindow(), info.receiveWindow(), info.retransmits(), info.bytesSent(),
                info.bytesAcked(), info.bytesReceived(), info.options(), info.congestion());
        }
    }
}
