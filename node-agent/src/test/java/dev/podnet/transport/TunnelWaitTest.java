package dev.podnet.transport;

import dev.podnet.dataplane.IdleWait;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tunnel's idle wait ends when a datagram reaches any of its driver's sockets, or when woken; not
 * otherwise. The tunnel is driven from the test thread (as the data plane would, between waits).
 */
@Timeout(60)
class TunnelWaitTest
{
    /** Far longer than anything below takes on a loaded machine: a wait that ends early was ended. */
    private static final long LONG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(40);
    private static final long ENDED_EARLY_NANOS = TimeUnit.SECONDS.toNanos(20);

    private AeronTunnel tunnel;
    private int port;

    @AfterEach
    void close()
    {
        if (tunnel != null)
        {
            tunnel.close();
        }
    }

    private IdleWait startTunnel()
    {
        port = LoopbackPorts.freeUdpPort();
        tunnel = AeronTunnel.launch(TunnelConfig.defaults(port).withBindAddress("127.0.0.1"), "wait-a",
            Ipv4Address.parse("10.244.61.0"), new DropCounters());
        for (int i = 0; i < 50; i++)
        {
            tunnel.doWork(System.nanoTime(), (source, buffer, offset, length, now) -> { });
        }
        return tunnel.idleWait();
    }

    @Test
    void shouldEndALongWaitWhenADatagramArrivesOnTheTunnelPort() throws Exception
    {
        final IdleWait wait = startTunnel();
        final CompletableFuture<Void> sent = CompletableFuture.runAsync(() ->
        {
            sleep(300);
            send(new byte[] {1, 2, 3, 4});
        });

        final long took = timed(() -> wait.await(LONG_WAIT_NANOS));

        sent.get(10, TimeUnit.SECONDS);
        assertThat(took).as("ended by the datagram").isLessThan(ENDED_EARLY_NANOS);
        assertThat(((TunnelWait)wait).registeredSockets()).as("the subscription's socket").isEqualTo(1);
    }

    @Test
    void shouldSelectOnTheDriversSocketsFromAWaitOfAFractionOfAMillisecondButParkShorterOnes()
    {
        final IdleWait wait = startTunnel();

        wait.await(TunnelWait.SELECT_FROM_NANOS / 2);
        assertThat(((TunnelWait)wait).registeredSockets()).as("a short wait parks").isZero();

        // the back-off's longer steps: what arrives meanwhile must end them, so they select (at least a millisecond)
        wait.await(TunnelWait.SELECT_FROM_NANOS);
        assertThat(((TunnelWait)wait).registeredSockets()).as("the subscription's socket").isEqualTo(1);
    }

    @Test
    void shouldEndALongWaitWhenWokenFromAnotherThread() throws Exception
    {
        final IdleWait wait = startTunnel();
        final CompletableFuture<Void> woken = CompletableFuture.runAsync(() ->
        {
            sleep(300);
            wait.wakeup();
        });

        final long took = timed(() -> wait.await(LONG_WAIT_NANOS));

        woken.get(10, TimeUnit.SECONDS);
        assertThat(took).isLessThan(ENDED_EARLY_NANOS);
    }

    @Test
    void shouldWaitItsTimeWhenNothingArrives()
    {
        final IdleWait wait = startTunnel();

        final long took = timed(() -> wait.await(TimeUnit.MILLISECONDS.toNanos(200)));

        assertThat(took).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(190));
    }

    @Test
    void shouldWatchEachPeersSocketForItsStatusMessages()
    {
        final IdleWait wait = startTunnel();
        tunnel.addPeer(Ipv4Address.parse("10.244.62.0"), "127.0.0.1", LoopbackPorts.freeUdpPort());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (((TunnelWait)wait).registeredSockets() < 2 && System.nanoTime() < deadline)
        {
            tunnel.doWork(System.nanoTime(), (source, buffer, offset, length, now) -> { });
            wait.await(TimeUnit.MILLISECONDS.toNanos(1));
        }

        assertThat(((TunnelWait)wait).registeredSockets()).as("the subscription's and the publication's").isEqualTo(2);
    }

    @Test
    void shouldWatchTheSocketOfAPeerAddedAfterAnotherWasRemoved()
    {
        final IdleWait wait = startTunnel();
        tunnel.addPeer(Ipv4Address.parse("10.244.62.0"), "127.0.0.1", LoopbackPorts.freeUdpPort());
        awaitRegistered(wait, 2);
        tunnel.removePeer(Ipv4Address.parse("10.244.62.0"));
        tunnel.addPeer(Ipv4Address.parse("10.244.63.0"), "127.0.0.1", LoopbackPorts.freeUdpPort());

        awaitRegistered(wait, 2);
        assertThat(((TunnelWait)wait).registeredSockets()).as("the subscription's and the new publication's").isEqualTo(2);
    }

    private void awaitRegistered(final IdleWait wait, final int sockets)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do
        {
            tunnel.doWork(System.nanoTime(), (source, buffer, offset, length, now) -> { });
            wait.await(TimeUnit.MILLISECONDS.toNanos(1));
        }
        while (((TunnelWait)wait).registeredSockets() != sockets && System.nanoTime() < deadline);
    }

    /** One datagram to the tunnel port, as anything on the underlay may send (the driver drops it). */
    private void send(final byte[] payload)
    {
        try (DatagramSocket socket = new DatagramSocket())
        {
            socket.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static long timed(final Runnable action)
    {
        final long start = System.nanoTime();
        action.run();
        return System.nanoTime() - start;
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
