package dev.podnet.transport;

import dev.podnet.dataplane.IdleWait;
import dev.podnet.dataplane.Overlay;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import io.aeron.driver.status.SystemCounterDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A quiet tunnel: a peer's publication closes after the configured idle time without a frame sent to
 * it; the peer is then "idle" and neither side's data plane is woken by the other's heartbeats any more. The next
 * frame to the idle peer adds the publication again and is held until it is connected, not lost; a peer that never
 * comes back holds its share of the hold pool and no more.
 * <p>
 * Each tunnel runs on a thread of its own, as a data plane would: its duty cycle, then its idle wait (at most
 * {@link #WAIT_NANOS}) when it found nothing to do. A wait that ends well before its time was ended by a datagram on
 * one of the driver's sockets (or by a task for the tunnel, which the quiet spells do not give it).
 */
@Timeout(90)
class QuietTunnelTest
{
    private static final long PEER_IDLE_MS = 1_500;
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long EARLY_NANOS = TimeUnit.MILLISECONDS.toNanos(150);
    private static final int A_ADDRESS = Ipv4Address.parse("10.244.71.0");
    private static final int B_ADDRESS = Ipv4Address.parse("10.244.72.0");
    private static final int DEAD_ADDRESS = Ipv4Address.parse("10.244.73.0");

    private TunnelThread a;
    private TunnelThread b;

    @AfterEach
    void close()
    {
        if (a != null)
        {
            a.close();
        }
        if (b != null)
        {
            b.close();
        }
    }

    @Test
    void shouldGoQuietWhenIdleAndHoldTheFirstFrameWhileTheTunnelComesBack() throws Exception
    {
        final int portA = LoopbackPorts.freeUdpPort();
        final int portB = LoopbackPorts.freeUdpPort();
        a = new TunnelThread("quiet-a", A_ADDRESS, portA);
        b = new TunnelThread("quiet-b", B_ADDRESS, portB);
        a.call(() ->
        {
            a.tunnel.addPeer(B_ADDRESS, "127.0.0.1", portB);
            return null;
        });
        b.call(() ->
        {
            b.tunnel.addPeer(A_ADDRESS, "127.0.0.1", portA);
            return null;
        });
        awaitState(a, B_ADDRESS, "connected");
        awaitState(b, A_ADDRESS, "connected");

        assertThat(a.send(B_ADDRESS, 1)).isEqualTo(Overlay.SENT);
        awaitCondition(() -> b.received.size() == 1, "the first frame arrives");

        final long[] connected = datagramsOver(Duration.ofSeconds(1));
        assertThat(connected[0]).as("heartbeats (every 100 ms) from a reach b while the tunnels are up").isGreaterThanOrEqualTo(3);

        awaitState(a, B_ADDRESS, "idle");
        awaitState(b, A_ADDRESS, "idle");
        // the closed publications drain, linger and end their streams, the images go: then nothing more comes
        final long[] perSecond = new long[10];
        int quietFrom = -1;
        for (int i = 0; i < perSecond.length && quietFrom < 0; i++)
        {
            final long[] second = datagramsOver(Duration.ofSeconds(1));
            perSecond[i] = second[0] + second[1];
            if (perSecond[i] == 0)
            {
                quietFrom = i;
            }
        }
        System.out.println("heartbeats and status messages received by a and b, a second at a time after both peers went " +
            "idle: " + java.util.Arrays.toString(perSecond) + " (b received " + connected[0] + " heartbeats and " + connected[2] +
            " status messages in a second while connected)");
        assertThat(quietFrom).as("a second without a heartbeat: " + java.util.Arrays.toString(perSecond)).isNotNegative();
        final long bytesA = a.tunnel.driverCounter(SystemCounterDescriptor.BYTES_RECEIVED);
        final long bytesB = b.tunnel.driverCounter(SystemCounterDescriptor.BYTES_RECEIVED);
        final long earlyA = a.earlyWakeups.get();
        final long earlyB = b.earlyWakeups.get();
        TimeUnit.SECONDS.sleep(3);
        assertThat(a.tunnel.driverCounter(SystemCounterDescriptor.BYTES_RECEIVED) - bytesA).as("bytes a received, idle").isZero();
        assertThat(b.tunnel.driverCounter(SystemCounterDescriptor.BYTES_RECEIVED) - bytesB).as("bytes b received, idle").isZero();
        assertThat(a.earlyWakeups.get() - earlyA + b.earlyWakeups.get() - earlyB).as("idle waits something ended early")
            .isLessThanOrEqualTo(1);
        assertThat(a.state(B_ADDRESS)).isEqualTo("idle");

        assertThat(a.send(B_ADDRESS, 2)).as("held while the tunnel comes back").isEqualTo(Overlay.SENT);
        assertThat(a.send(B_ADDRESS, 3)).isEqualTo(Overlay.SENT);
        awaitCondition(() -> b.received.size() == 3, "the frames sent to the idle peer arrive");
        assertThat(b.received).containsExactly(1, 2, 3);
        awaitState(a, B_ADDRESS, "connected");
        assertThat(a.drops.snapshot()).as("nothing dropped at a").allSatisfy((reason, count) -> assertThat(count).isZero());
        assertThat(a.call(() -> a.tunnel.framesSent(B_ADDRESS))).isEqualTo(3L);
    }

    @Test
    void shouldHoldFramesForAnIdlePeerWhileADeadPeerHoldsAllItsShare() throws Exception
    {
        final int portA = LoopbackPorts.freeUdpPort();
        final int portB = LoopbackPorts.freeUdpPort();
        final int portDead = LoopbackPorts.freeUdpPort();
        a = new TunnelThread("fair-a", A_ADDRESS, portA);
        b = new TunnelThread("fair-b", B_ADDRESS, portB);
        final TunnelThread dead = new TunnelThread("fair-dead", DEAD_ADDRESS, portDead);
        try
        {
            a.call(() ->
            {
                a.tunnel.addPeer(B_ADDRESS, "127.0.0.1", portB);
                a.tunnel.addPeer(DEAD_ADDRESS, "127.0.0.1", portDead);
                return null;
            });
            awaitState(a, B_ADDRESS, "idle");
            awaitState(a, DEAD_ADDRESS, "idle");
        }
        finally
        {
            dead.close(); // gone while its tunnel was idle: a's frames to it wait for a peer that never answers
        }

        // the dead peer wakes, and every slot of the pool is offered to it (in one duty cycle): it takes its share, no more
        final List<Integer> toDead = a.sendAll(DEAD_ADDRESS, 1000, AeronTunnel.HOLD_SLOTS);
        final int refused = AeronTunnel.HOLD_SLOTS - AeronTunnel.HOLD_SLOTS_PER_PEER;
        assertThat(toDead.subList(0, AeronTunnel.HOLD_SLOTS_PER_PEER)).as("held for the dead peer").containsOnly(Overlay.SENT);
        assertThat(toDead.subList(AeronTunnel.HOLD_SLOTS_PER_PEER, AeronTunnel.HOLD_SLOTS)).as("beyond its share")
            .containsOnly(Overlay.QUEUE_FULL);
        assertThat(a.call(() -> a.tunnel.window(B_ADDRESS))).as("what the idle peer may still send").isPositive();

        assertThat(a.sendAll(B_ADDRESS, 1, 3)).as("frames to the idle peer").containsOnly(Overlay.SENT);
        awaitCondition(() -> b.received.size() == 3, "the frames sent to the idle peer arrive");
        assertThat(b.received).containsExactly(1, 2, 3);
        awaitCondition(() -> a.drops.get(DropReason.TUNNEL_HOLD_EXPIRED) == AeronTunnel.HOLD_SLOTS_PER_PEER,
            "the dead peer's held frames expire");
        assertThat(a.state(DEAD_ADDRESS)).as("a peer that did not come back").isEqualTo("connecting");
        assertThat(a.send(DEAD_ADDRESS, 2000)).as("not held any more").isEqualTo(Overlay.NOT_CONNECTED);
        final long refusedFrames = refused;
        assertThat(a.drops.get(DropReason.TUNNEL_HOLD_FULL)).as("refused: the dead peer's beyond its share").isEqualTo(refusedFrames);
        assertThat(a.drops.snapshot()).as("nothing else dropped at a").allSatisfy((reason, count) ->
            assertThat(count).isEqualTo(reason.equals("tunnel-hold-full") ? refusedFrames :
                reason.equals("tunnel-hold-expired") ? (long)AeronTunnel.HOLD_SLOTS_PER_PEER : 0L));
    }

    /** Heartbeats b received, heartbeats a received, status messages b received, over a spell. */
    private long[] datagramsOver(final Duration spell) throws InterruptedException
    {
        final long hb = b.tunnel.driverCounter(SystemCounterDescriptor.HEARTBEATS_RECEIVED);
        final long ha = a.tunnel.driverCounter(SystemCounterDescriptor.HEARTBEATS_RECEIVED);
        final long sb = b.tunnel.driverCounter(SystemCounterDescriptor.STATUS_MESSAGES_RECEIVED);
        TimeUnit.NANOSECONDS.sleep(spell.toNanos());
        return new long[] {
            b.tunnel.driverCounter(SystemCounterDescriptor.HEARTBEATS_RECEIVED) - hb,
            a.tunnel.driverCounter(SystemCounterDescriptor.HEARTBEATS_RECEIVED) - ha,
            b.tunnel.driverCounter(SystemCounterDescriptor.STATUS_MESSAGES_RECEIVED) - sb};
    }

    private static void awaitState(final TunnelThread node, final int peer, final String state) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = null;
        while (System.nanoTime() < deadline)
        {
            last = node.state(peer);
            if (last.equals(state))
            {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError(node.name + "'s tunnel to " + Ipv4Address.format(peer) + " is " + last + ", not " + state);
    }

    private static void awaitCondition(final java.util.function.BooleanSupplier condition, final String what) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** A tunnel driven by a thread of its own, which counts the idle waits something ended early. */
    private static final class TunnelThread implements AutoCloseable
    {
        final String name;
        final DropCounters drops = new DropCounters();
        final AeronTunnel tunnel;
        final List<Integer> received = new CopyOnWriteArrayList<>();
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final AtomicLong earlyWakeups = new AtomicLong();
        private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        private final Thread thread;
        private volatile boolean running = true;

        TunnelThread(final String name, final int address, final int port)
        {
            this.name = name;
            this.tunnel = AeronTunnel.launch(
                TunnelConfig.defaults(port).withBindAddress("127.0.0.1").withPeerIdleMs(PEER_IDLE_MS), name, address, drops);
            this.thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }

        private void run()
        {
            final IdleWait wait = tunnel.idleWait();
            final Overlay.Receiver receiver = (source, buffer, offset, length, now) -> received.add(buffer.getInt(offset));
            while (running)
            {
                Runnable task;
                while ((task = tasks.poll()) != null)
                {
                    task.run();
                }
                if (tunnel.doWork(System.nanoTime(), receiver) == 0 && tasks.isEmpty())
                {
                    final long start = System.nanoTime();
                    wait.await(WAIT_NANOS);
                    if (System.nanoTime() - start < EARLY_NANOS && tasks.isEmpty())
                    {
                        earlyWakeups.incrementAndGet();
                    }
                }
            }
        }

        <T> T call(final Callable<T> action) throws Exception
        {
            final CompletableFuture<T> result = new CompletableFuture<>();
            tasks.add(() ->
            {
                try
                {
                    result.complete(action.call());
                }
                catch (final Exception ex)
                {
                    result.completeExceptionally(ex);
                }
            });
            tunnel.idleWait().wakeup();
            return result.get(10, TimeUnit.SECONDS);
        }

        String state(final int peer) throws Exception
        {
            return call(() -> tunnel.peerState(peer));
        }

        int send(final int peer, final int value) throws Exception
        {
            return call(() ->
            {
                frame.putInt(0, value);
                return tunnel.send(peer, frame, 0, frame.capacity());
            });
        }

        /** Sends {@code count} frames (values {@code first}, {@code first + 1}, ...) in one task: one duty cycle. */
        List<Integer> sendAll(final int peer, final int first, final int count) throws Exception
        {
            return call(() ->
            {
                final List<Integer> results = new java.util.ArrayList<>();
                for (int i = 0; i < count; i++)
                {
                    frame.putInt(0, first + i);
                    results.add(tunnel.send(peer, frame, 0, frame.capacity()));
                }
                return results;
            });
        }

        /** The waits ended early over {@code spell}, during which nobody gives this tunnel a task. */
        long earlyWakeupsOver(final Duration spell) throws InterruptedException
        {
            final long before = earlyWakeups.get();
            TimeUnit.NANOSECONDS.sleep(spell.toNanos());
            return earlyWakeups.get() - before;
        }

        @Override
        public void close()
        {
            running = false;
            tunnel.idleWait().wakeup();
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            tunnel.close();
        }
    }
}
