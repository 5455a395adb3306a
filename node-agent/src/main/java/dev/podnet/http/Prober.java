package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.UdpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Continuous probing, what a chaos run watches: every {@code interval}, from each of this node's pods
 * to every other pod of the cluster (re-read each round, so recreated pods are followed by name), one
 * ping, one UDP {@code echo} to netexec, and one line on a long-lived TCP connection to the pod's echo
 * service (kept from round to round: {@code tcp}), each logged with its time and result: {@code ok}, the ICMP
 * error that came back ({@code net-unreachable}, {@code host-unreachable}, {@code port-unreachable}…),
 * {@code timeout}, or for TCP {@code connection-reset} (the connection was lost; the next probe opens a new one)
 * and {@code stalled} (an answer later than 1 s). The log keeps the last {@value #CAPACITY} probes; readers page through it by sequence.
 * <p>
 * Probes are futures on the data plane; one timer thread starts the rounds. A round that finds the data
 * plane gone logs it and waits for the next.
 */
final class Prober implements AutoCloseable
{
    static final int CAPACITY = 200_000;
    static final byte[] ECHO = "echo probe".getBytes(StandardCharsets.US_ASCII);
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    /**
     * One probe: {@code at} epoch ms when it was sent, {@code rttUs} 0 unless ok; for {@code tcp}, {@code since} when the
     * connection it went on was opened (epoch ms; 0 for the other kinds, and when there was no connection).
     */
    record Probe(
        long seq, long at, String from, String to, String targetIp, String kind, boolean ok, String result, long rttUs, long since)
    {
    }

    /** A page of the log: probes after a sequence number, and where the next page starts. */
    record Page(String node, boolean running, int intervalMs, int timeoutMs, long next, long dropped, List<Probe> probes)
    {
    }

    private final DataPlaneProxy proxy;
    private final ClusterApi cluster;
    private final String self;
    private final ScheduledExecutorService timer;
    private final ArrayDeque<Probe> log = new ArrayDeque<>();
    private long nextSeq = 1; // guarded by log
    private ScheduledFuture<?> rounds; // guarded by this
    private volatile int intervalMs;
    private volatile int timeoutMs;

    Prober(final DataPlaneProxy proxy, final ClusterApi cluster, final String self)
    {
        this.proxy = proxy;
        this.cluster = cluster;
        this.self = self;
        this.timer = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "podnet-prober-" + self);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts probing (again, with these settings, when it runs already). */
    synchronized void start(final int intervalMs, final int timeoutMs)
    {
        stop();
        this.intervalMs = intervalMs;
        this.timeoutMs = timeoutMs;
        rounds = timer.scheduleAtFixedRate(this::round, 0, intervalMs, TimeUnit.MILLISECONDS);
        LOG.info("node {} probes every pod from its pods every {} ms (timeout {} ms)", self, intervalMs, timeoutMs);
    }

    synchronized void stop()
    {
        if (rounds != null)
        {
            rounds.cancel(false);
            rounds = null;
            LOG.info("node {} stopped probing", self);
        }
    }

    synchronized boolean running()
    {
        return rounds != null;
    }

    /** No probes, and {@code next} the last sequence number so far: where a reader that starts now begins. */
    Page status()
    {
        final long last;
        synchronized (log)
        {
            last = nextSeq - 1;
        }
        return new Page(self, running(), intervalMs, timeoutMs, last, 0, List.of());
    }

    /** Probes with a sequence number above {@code after}, at most {@code limit}. */
    Page page(final long after, final int limit)
    {
        final List<Probe> probes = new ArrayList<>();
        final long next;
        final long dropped;
        synchronized (log)
        {
            final long first = log.isEmpty() ? nextSeq : log.peekFirst().seq();
            dropped = Math.max(0, first - after - 1);
            for (final Probe probe : log)
            {
                if (probe.seq() > after && probes.size() < limit)
                {
                    probes.add(probe);
                }
            }
            next = probes.isEmpty() ? Math.max(after, first - 1) : probes.get(probes.size() - 1).seq();
        }
        return new Page(self, running(), intervalMs, timeoutMs, next, dropped, probes);
    }

    private void round()
    {
        try
        {
            final List<Endpoint> pods = cluster.directory().pods();
            final Duration timeout = Duration.ofMillis(timeoutMs);
            for (final Endpoint source : pods)
            {
                if (!source.node().equals(self))
                {
                    continue;
                }
                for (final Endpoint target : pods)
                {
                    if (target.ip() != source.ip())
                    {
                        probe(source.reference(), target, timeout);
                    }
                }
            }
        }
        catch (final Exception ex)
        {
            LOG.debug("node {}: a probe round could not start: {}", self, ex.toString());
        }
    }

    private void probe(final String from, final Endpoint target, final Duration timeout)
    {
        final long at = System.currentTimeMillis();
        final String targetIp = Ipv4Address.format(target.ip());
        final PingRequest ping = new PingRequest(target.ip(), 1, Duration.ZERO, PingRequest.DEFAULT_SIZE, false, timeout, 64);
        proxy.ping(from, ping).whenComplete((result, failure) ->
        {
            if (failure != null)
            {
                record(at, from, target.reference(), targetIp, "ping", false, "error: " + cause(failure), 0, 0);
            }
            else if (result.received() > 0)
            {
                record(at, from, target.reference(), targetIp, "ping", true, "ok", result.replies().get(0).rttNanos() / 1_000, 0);
            }
            else
            {
                final PingResult.Error error = result.errors().isEmpty() ? null : result.errors().get(0);
                record(at, from, target.reference(), targetIp, "ping", false, error == null ? "timeout" : error.type(), 0, 0);
            }
        });
        final long sent = System.nanoTime();
        proxy.udp(from, target.ip(), 8081, ECHO, timeout).whenComplete((exchange, failure) ->
        {
            if (failure != null)
            {
                record(at, from, target.reference(), targetIp, "udp", false, "error: " + cause(failure), 0, 0);
            }
            else if (exchange.ok() && "probe".equals(exchange.replyText().trim()))
            {
                record(at, from, target.reference(), targetIp, "udp", true, "ok", (System.nanoTime() - sent) / 1_000, 0);
            }
            else
            {
                record(at, from, target.reference(), targetIp, "udp", false, udpError(exchange), 0, 0);
            }
        });
        probeTcp(at, from, target, targetIp, timeout);
    }

    private void probeTcp(final long at, final String from, final Endpoint target, final String targetIp, final Duration timeout)
    {
        proxy.tcpProbe(from, target.ip(), timeout).whenComplete((result, failure) ->
        {
            if (failure != null)
            {
                record(at, from, target.pod(), targetIp, "tcp", false, "error: " + cause(failure), 0, 0);
            }
            else
            {
                // logged at the time the line it reports on was sent: a round that finds an earlier line still unanswered
                // reports that line's stall, which belongs to when it was sent (e.g. during a fault, a SYN in back-off)
                final long sent = Math.min(at, System.currentTimeMillis() - result.rttNanos() / 1_000_000);
                record(sent, from, target.pod(), targetIp, "tcp", result.ok(), result.outcome(), result.ok() ? result.rttNanos() / 1_000 : 0,
                    result.openedAtMs());
            }
        });
    }

    private static String udpError(final UdpExchange exchange)
    {
        return exchange.ok() ? "wrong reply: " + exchange.replyText().trim() : exchange.error();
    }

    private static String cause(final Throwable failure)
    {
        final Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private void record(
        final long at, final String from, final String to, final String targetIp, final String kind, final boolean ok,
        final String result, final long rttUs, final long since)
    {
        synchronized (log)
        {
            log.addLast(new Probe(nextSeq++, at, from, to, targetIp, kind, ok, result, rttUs, since));
            if (log.size() > CAPACITY)
            {
                log.removeFirst();
            }
        }
    }

    @Override
    public void close()
    {
        stop();
        timer.shutdownNow();
    }
}
