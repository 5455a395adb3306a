package dev.podnet.tcp;

import dev.podnet.packet.PacketError;
import dev.podnet.packet.TcpFlyweight;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two (or more) TCP stacks on a simulated wire, driven by a clock the test owns: every segment one stack sends is
 * copied, delayed by the link's latency and delivered to the stack owning its destination address, after
 * optional seeded impairments (loss, duplication, reordering) and test-chosen drops. Deterministic: no thread,
 * no real time. Every segment is also recorded, decoded, for assertions about what went over the wire.
 */
final class Wire
{
    /** One segment as seen on the wire. */
    record Segment(long at, int from, int to, int sourcePort, int destinationPort, int flags, int seq, int ack, int window,
        int length, int mss, int windowScale, boolean sackPermitted, boolean timestamps, int sackBlocks, boolean dropped)
    {
        boolean has(final int flag)
        {
            return (flags & flag) == flag;
        }

        @Override
        public String toString()
        {
            return String.format("%8.3f ms %d:%d > %d:%d [%s] seq %d ack %d win %d len %d%s", at / 1e6, from & 0xFF, sourcePort,
                to & 0xFF, destinationPort, TcpFlyweight.flagsText(flags), Integer.toUnsignedLong(seq),
                Integer.toUnsignedLong(ack), window, length, dropped ? " DROPPED" : "");
        }
    }

    /** A stack on the wire, and the segment output it writes into. */
    final class Host implements SegmentOutput
    {
        final int ip;
        final TcpStack stack;
        private final UnsafeBuffer out = new UnsafeBuffer(new byte[70_000]);
        boolean room = true;

        Host(final int ip, final int mtu, final TcpSettings settings, final long secret)
        {
            this.ip = ip;
            this.stack = new TcpStack(ip, mtu, settings, this, secret, ~secret, now);
        }

        @Override
        public MutableDirectBuffer segmentBuffer()
        {
            return out;
        }

        @Override
        public int segmentOffset()
        {
            return 0;
        }

        @Override
        public void sendSegment(final int remoteIp, final int length, final long nowNanos)
        {
            final byte[] bytes = new byte[length];
            out.getBytes(0, bytes);
            send(ip, remoteIp, bytes);
        }

        @Override
        public boolean canSendData(final int remoteIp)
        {
            return room;
        }
    }

    private record InFlight(long at, long order, int from, int to, byte[] bytes)
    {
    }

    final List<Segment> log = new ArrayList<>();
    private final List<Host> hosts = new ArrayList<>();
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>(
        (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private final TcpFlyweight decoder = new TcpFlyweight();
    private long now = 1_000_000_000L;
    private long order;
    long latencyNanos = 50_000L;
    Random random;
    double loss;
    double duplication;
    double reordering;
    /** Segments matching this are dropped on purpose (once each, unless it keeps matching). */
    Predicate<Segment> dropIf = segment -> false;
    /** Segments matching this are held back until {@link #holdUntil} (a stall on the way). */
    Predicate<Segment> holdIf = segment -> false;
    long holdUntil;
    /** Record segments (tests that move megabytes turn it off). */
    boolean recording = true;

    long now()
    {
        return now;
    }

    Host host(final int ip, final TcpSettings settings)
    {
        return host(ip, 1500, settings);
    }

    Host host(final int ip, final int mtu, final TcpSettings settings)
    {
        final Host host = new Host(ip, mtu, settings, 0x5eed0000L + ip);
        hosts.add(host);
        return host;
    }

    /** Seeded impairments for every segment from now on. */
    Wire impair(final long seed, final double loss, final double duplication, final double reordering)
    {
        this.random = new Random(seed);
        this.loss = loss;
        this.duplication = duplication;
        this.reordering = reordering;
        return this;
    }

    private void send(final int from, final int to, final byte[] bytes)
    {
        final Segment segment = decode(from, to, bytes, false);
        boolean drop = dropIf.test(segment);
        if (!drop && random != null && random.nextDouble() < loss)
        {
            drop = true;
        }
        if (recording)
        {
            log.add(drop ? decode(from, to, bytes, true) : segment);
        }
        if (drop)
        {
            return;
        }
        long delay = latencyNanos;
        if (holdIf.test(segment) && now + delay < holdUntil)
        {
            delay = holdUntil - now;
        }
        if (random != null && random.nextDouble() < reordering)
        {
            delay += (long)(random.nextDouble() * 4 * latencyNanos);
        }
        inFlight.add(new InFlight(now + delay, order++, from, to, bytes));
        if (random != null && random.nextDouble() < duplication)
        {
            inFlight.add(new InFlight(now + delay + latencyNanos / 2, order++, from, to, bytes.clone()));
        }
    }

    /** Put a hand-made segment on the wire, as if {@code from} had sent it. */
    void inject(final int from, final int to, final byte[] bytes)
    {
        inFlight.add(new InFlight(now, order++, from, to, bytes));
    }

    private Segment decode(final int from, final int to, final byte[] bytes, final boolean dropped)
    {
        final TcpFlyweight tcp = decoder.wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        assertThat(tcp.check(from, to)).as("segment checksum").isEqualTo(PacketError.NONE);
        tcp.parseOptions();
        return new Segment(now, from, to, tcp.sourcePort(), tcp.destinationPort(), tcp.flags(), tcp.sequence(),
            tcp.acknowledgment(), tcp.window(), tcp.payloadLength(), tcp.mss(), tcp.windowScale(), tcp.sackPermitted(),
            tcp.hasTimestamps(), tcp.sackBlockCount(), dropped);
    }

    /** One step: deliver what is due, run timers and pumps, move the clock to the next event (at most 1 ms on). */
    void step()
    {
        InFlight next;
        while ((next = inFlight.peek()) != null && next.at <= now)
        {
            inFlight.poll();
            for (final Host host : hosts)
            {
                if (host.ip == next.to)
                {
                    final UnsafeBuffer buffer = new UnsafeBuffer(next.bytes);
                    final PacketError error = host.stack.onSegment(next.from, next.to, buffer, 0, next.bytes.length, now);
                    assertThat(error).isEqualTo(PacketError.NONE);
                }
            }
        }
        for (final Host host : hosts)
        {
            host.stack.onTimer(now);
            host.stack.pump(now);
        }
        final InFlight following = inFlight.peek();
        final long tick = now + 1_000_000L;
        now = following == null ? tick : Math.max(now + 1, Math.min(following.at, tick));
    }

    void runUntil(final BooleanSupplier condition, final Duration limit)
    {
        final long deadline = now + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (now > deadline)
            {
                fail("not within " + limit + " of simulated time; last segments:\n" + tail(20));
            }
            step();
        }
    }

    void run(final Duration duration)
    {
        final long until = now + duration.toNanos();
        while (now < until)
        {
            step();
        }
    }

    String tail(final int count)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = Math.max(0, log.size() - count); i < log.size(); i++)
        {
            text.append(log.get(i)).append('\n');
        }
        return text.toString();
    }

    List<Segment> segments(final Predicate<Segment> filter)
    {
        return log.stream().filter(filter).toList();
    }
}
