package dev.podnet.agent.bench;

import dev.podnet.dataplane.IdleMode;
import dev.podnet.transport.AeronTunnel;
import dev.podnet.transport.TunnelConfig;
import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The overlay benchmark's baseline: plain Aeron between the same two JVMs with nothing of podnet in
 * the way, set up as {@link AeronTunnel} sets itself up, so that the difference measured is what the
 * overlay adds (Ethernet/IPv4 in the pods, the bridge, the router, the Protobuf envelope):
 * <ul>
 *   <li>its own embedded media driver in {@link ThreadingMode#INVOKER} mode (its own directory), with
 *       the tunnel's MTU ({@link TunnelConfig#aeronMtu()} of the same underlay MTU), term length, initial
 *       window and counters buffer, sparse files off;</li>
 *   <li>one subscription on its own UDP port and one exclusive publication to the other side's;</li>
 *   <li>one agent on its own thread, with the idle strategy of the nodes' idle mode, that invokes the
 *       driver and the client conductor, polls at most 64 fragments (as the tunnel) and sends.</li>
 * </ul>
 * A message larger than one Aeron frame ({@link #maxPayloadLength()}, e.g. 1400 bytes over a 1280-byte
 * underlay) is fragmented by Aeron and reassembled before it is counted or answered.
 * Messages: byte 0 is the type: {@code PING} (answered at once with a {@code PONG} of the same bytes),
 * {@code PONG}, {@code DATA} (counted); bytes 4..7 a ping's sequence number. Every endpoint answers
 * pings and counts data; one measurement at a time ({@link #pingPong}, {@link #flood}) is started
 * from another thread through a command queue and run on the agent's thread.
 */
public final class RawAeronEndpoint implements Agent, AutoCloseable
{
    /** 'RA'. */
    public static final int STREAM_ID = 0x5241;
    private static final Logger LOG = LoggerFactory.getLogger(RawAeronEndpoint.class);
    private static final byte PING = 1;
    private static final byte PONG = 2;
    private static final byte DATA = 3;
    private static final int SEQ_OFFSET = 4;
    /** Type and sequence number. */
    public static final int MIN_MESSAGE_LENGTH = 8;
    private static final int FRAGMENT_LIMIT = 64;
    /** Offers per duty cycle at most while flooding; the loop stops earlier at the first back-pressure. */
    private static final int FLOOD_BATCH = 1024;
    private static final long PENDING = -1;
    private static final long LOST = -2;

    private final String name;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final Subscription subscription;
    private final ExclusivePublication publication;
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer echoBuffer;
    /** Reassembles messages Aeron had to fragment (larger than one frame); unfragmented ones pass straight through. */
    private final FragmentHandler onFragment = new FragmentAssembler(this::onMessage);
    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(16);
    private final AtomicLong dataReceived = new AtomicLong();
    private AgentRunner runner;
    private long now;
    private PingPong pingPong;
    private Flood flood;

    private RawAeronEndpoint(final String name, final int localPort, final int remotePort, final int underlayMtu)
    {
        this.name = name;
        final TunnelConfig config = BenchNode.tunnelConfig(localPort, underlayMtu);
        final String aeronDir = config.resolveAeronDir("bench-raw-" + name);
        // large enough for the largest message a publication takes (term length / 8), fragmented or not
        final int bufferLength = Math.max(config.aeronMtu(), config.termLength() / 8);
        this.sendBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(bufferLength, 64));
        this.echoBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(bufferLength, 64));
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .termBufferSparseFile(false)
            .publicationTermBufferLength(config.termLength())
            .ipcTermBufferLength(64 * 1024)
            .initialWindowLength(Math.min(128 * 1024, config.termLength() / 2))
            .counterValuesBufferLength(1024 * 1024)
            .mtuLength(config.aeronMtu())
            .errorHandler(ex -> LOG.warn("raw Aeron media driver {}: {}", name, ex.toString()));
        MediaDriver launched = null;
        Aeron client = null;
        try
        {
            launched = MediaDriver.launch(driverContext);
            this.driverInvoker = launched.sharedAgentInvoker();
            client = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(aeronDir)
                .driverAgentInvoker(driverInvoker)
                .useConductorAgentInvoker(true)
                .clientName("podnet-bench-raw-" + name)
                .errorHandler(ex -> LOG.warn("raw Aeron client {}: {}", name, ex.toString())));
            this.clientInvoker = client.conductorAgentInvoker();
            this.subscription = client.addSubscription(
                new ChannelUriStringBuilder().media("udp").endpoint(BenchNode.LOOPBACK + ":" + localPort).build(), STREAM_ID);
            this.publication = client.addExclusivePublication(new ChannelUriStringBuilder()
                .media("udp")
                .endpoint(BenchNode.LOOPBACK + ":" + remotePort)
                .mtu(config.aeronMtu())
                .termLength(config.termLength())
                .build(), STREAM_ID);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(client, launched);
            throw new BenchException("cannot start the raw Aeron endpoint " + name + " on udp " + BenchNode.LOOPBACK + ":" +
                localPort + ": " + ex.getMessage(), ex);
        }
        this.driver = launched;
        this.aeron = client;
    }

    /**
     * Starts an endpoint receiving on {@code 127.0.0.1:localPort} and sending to {@code 127.0.0.1:remotePort},
     * with the Aeron MTU a tunnel over {@code underlayMtu} has, on its own thread with {@code idleMode}'s
     * idle strategy.
     */
    public static RawAeronEndpoint start(
        final String name, final int localPort, final int remotePort, final IdleMode idleMode, final int underlayMtu)
    {
        final RawAeronEndpoint endpoint = new RawAeronEndpoint(name, localPort, remotePort, underlayMtu);
        endpoint.runner = new AgentRunner(
            idleMode.newStrategy(), ex -> LOG.error("raw Aeron endpoint {} failed a duty cycle", name, ex), null, endpoint);
        AgentRunner.startOnThread(endpoint.runner);
        return endpoint;
    }

    @Override
    public String roleName()
    {
        return "podnet-bench-raw-" + name;
    }

    /** True when this side's publication is connected and the other side's is connected to this subscription. */
    public boolean isConnected()
    {
        return publication.isConnected() && subscription.isConnected();
    }

    /** The largest message this endpoint sends in one Aeron frame (one UDP datagram). */
    public int maxPayloadLength()
    {
        return publication.maxPayloadLength();
    }

    /** The largest message this endpoint sends at all (larger than {@link #maxPayloadLength()}: in several frames). */
    public int maxMessageLength()
    {
        return Math.min(publication.maxMessageLength(), sendBuffer.capacity());
    }

    /** Data messages received so far. */
    public long dataReceived()
    {
        return dataReceived.get();
    }

    /**
     * Sends {@code count} pings of {@code size} bytes, one every {@code intervalNanos} (on schedule,
     * not waiting for the answer, as {@code ping} does), and times the pongs; a ping unanswered after
     * {@code timeoutNanos} is lost.
     */
    public CompletableFuture<LatencySummary> pingPong(final int count, final long intervalNanos, final int size, final long timeoutNanos)
    {
        final CompletableFuture<LatencySummary> result = new CompletableFuture<>();
        if (count < 1 || size < MIN_MESSAGE_LENGTH || size > maxMessageLength())
        {
            result.completeExceptionally(new BenchException("ping-pong needs count >= 1 and size " + MIN_MESSAGE_LENGTH + ".." +
                maxMessageLength() + ": count " + count + ", size " + size));
            return result;
        }
        submit(result, () -> pingPong = new PingPong(count, intervalNanos, size, timeoutNanos, result));
        return result;
    }

    /** Offers {@code size}-byte data messages as fast as the publication takes them, for {@code durationNanos}. */
    public CompletableFuture<FloodResult> flood(final int size, final long durationNanos)
    {
        final CompletableFuture<FloodResult> result = new CompletableFuture<>();
        if (size < MIN_MESSAGE_LENGTH || size > maxMessageLength())
        {
            result.completeExceptionally(new BenchException(
                "flood message size " + size + " outside " + MIN_MESSAGE_LENGTH + ".." + maxMessageLength()));
            return result;
        }
        submit(result, () -> flood = new Flood(size, durationNanos, result));
        return result;
    }

    private void submit(final CompletableFuture<?> result, final Runnable start)
    {
        final boolean offered = commands.offer(() ->
        {
            if (pingPong != null || flood != null)
            {
                result.completeExceptionally(new BenchException("raw Aeron endpoint " + name + " is already measuring"));
            }
            else
            {
                start.run();
            }
        });
        if (!offered)
        {
            result.completeExceptionally(new BenchException("raw Aeron endpoint " + name + ": command queue full"));
        }
    }

    @Override
    public int doWork()
    {
        now = System.nanoTime();
        int work = dev.podnet.transport.AeronTunnel.invokeDriver(driverInvoker); // as the tunnel runs its driver
        work += clientInvoker.invoke();
        work += subscription.poll(onFragment, FRAGMENT_LIMIT);
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
            work++;
        }
        if (pingPong != null)
        {
            work += pingPong.doWork(now);
        }
        if (flood != null)
        {
            work += flood.doWork(now);
        }
        return work;
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MIN_MESSAGE_LENGTH)
        {
            return;
        }
        switch (buffer.getByte(offset))
        {
            case PING:
                echoBuffer.putBytes(0, buffer, offset, length);
                echoBuffer.putByte(0, PONG);
                offer(echoBuffer, length); // refused: the ping times out at the sender, counted lost there
                break;
            case PONG:
                if (pingPong != null)
                {
                    pingPong.onPong(buffer.getInt(offset + SEQ_OFFSET), now);
                }
                break;
            case DATA:
                dataReceived.lazySet(dataReceived.get() + 1);
                break;
            default:
                break;
        }
    }

    /**
     * Offers one message, retrying at once on {@link Publication#ADMIN_ACTION} (the offer that reaches
     * the end of a term pads it and asks to be repeated: without the retry one message in every term
     * would be lost).
     */
    private long offer(final DirectBuffer buffer, final int length)
    {
        long result = publication.offer(buffer, 0, length);
        for (int i = 0; i < 3 && result == Publication.ADMIN_ACTION; i++)
        {
            result = publication.offer(buffer, 0, length);
        }
        return result;
    }

    @Override
    public void onClose()
    {
        final BenchException closed = new BenchException("raw Aeron endpoint " + name + " closed");
        if (pingPong != null)
        {
            pingPong.result.completeExceptionally(closed);
        }
        if (flood != null)
        {
            flood.result.completeExceptionally(closed);
        }
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
        }
        CloseHelper.quietCloseAll(aeron, driver);
    }

    @Override
    public void close()
    {
        if (runner != null)
        {
            runner.close();
        }
        else
        {
            CloseHelper.quietCloseAll(aeron, driver);
        }
    }

    /** One ping-pong run, on the agent thread. */
    private final class PingPong
    {
        final int count;
        final long intervalNanos;
        final int size;
        final long timeoutNanos;
        final CompletableFuture<LatencySummary> result;
        final long[] sentAt;
        final long[] rttNanos;
        int sent;
        int finished;
        int lost;
        int oldestPending;
        long nextSendAt;

        PingPong(final int count, final long intervalNanos, final int size, final long timeoutNanos,
            final CompletableFuture<LatencySummary> result)
        {
            this.count = count;
            this.intervalNanos = intervalNanos;
            this.size = size;
            this.timeoutNanos = timeoutNanos;
            this.result = result;
            this.sentAt = new long[count];
            this.rttNanos = new long[count];
            Arrays.fill(rttNanos, PENDING);
            this.nextSendAt = now;
            for (int i = 0; i < size; i++)
            {
                sendBuffer.putByte(i, (byte)('a' + i % 26));
            }
            sendBuffer.putByte(0, PING);
        }

        int doWork(final long nowNanos)
        {
            int work = 0;
            while (sent < count && nowNanos >= nextSendAt)
            {
                final int seq = sent++;
                nextSendAt += intervalNanos;
                sentAt[seq] = nowNanos;
                sendBuffer.putInt(SEQ_OFFSET, seq);
                if (offer(sendBuffer, size) < 0)
                {
                    finish(seq, LOST);
                }
                work++;
            }
            while (oldestPending < sent && (rttNanos[oldestPending] != PENDING || nowNanos - sentAt[oldestPending] >= timeoutNanos))
            {
                if (rttNanos[oldestPending] == PENDING)
                {
                    finish(oldestPending, LOST);
                }
                oldestPending++;
            }
            if (finished == count)
            {
                final long[] answered = new long[count - lost];
                int n = 0;
                for (final long rtt : rttNanos)
                {
                    if (rtt >= 0)
                    {
                        answered[n++] = rtt;
                    }
                }
                pingPong = null;
                result.complete(LatencySummary.of(answered, lost));
                work++;
            }
            return work;
        }

        void onPong(final int seq, final long nowNanos)
        {
            if (seq >= 0 && seq < sent && rttNanos[seq] == PENDING)
            {
                finish(seq, nowNanos - sentAt[seq]);
            }
        }

        private void finish(final int seq, final long rtt)
        {
            rttNanos[seq] = rtt;
            finished++;
            if (rtt == LOST)
            {
                lost++;
            }
        }
    }

    /** One throughput run, on the agent thread. */
    private final class Flood
    {
        final int size;
        final long startedAt;
        final long deadline;
        final CompletableFuture<FloodResult> result;
        long offered;
        long backPressured;

        Flood(final int size, final long durationNanos, final CompletableFuture<FloodResult> result)
        {
            this.size = size;
            this.startedAt = now;
            this.deadline = now + durationNanos;
            this.result = result;
            for (int i = 0; i < size; i++)
            {
                sendBuffer.putByte(i, (byte)('a' + i % 26));
            }
            sendBuffer.putByte(0, DATA);
        }

        int doWork(final long nowNanos)
        {
            if (nowNanos >= deadline)
            {
                flood = null;
                result.complete(new FloodResult(offered, backPressured, size, nowNanos - startedAt));
                return 1;
            }
            int sentNow = 0;
            while (sentNow < FLOOD_BATCH)
            {
                final long position = offer(sendBuffer, size);
                if (position > 0)
                {
                    offered++;
                    sentNow++;
                }
                else if (position == Publication.BACK_PRESSURED || position == Publication.ADMIN_ACTION)
                {
                    backPressured++;
                    break;
                }
                else
                {
                    flood = null;
                    result.completeExceptionally(new BenchException(
                        "raw Aeron endpoint " + name + " cannot send: " + Publication.errorString(position)));
                    return 1;
                }
            }
            // always busy while flooding: a refused offer is retried in the next cycle, after the driver ran
            return Math.max(1, sentNow);
        }
    }
}
