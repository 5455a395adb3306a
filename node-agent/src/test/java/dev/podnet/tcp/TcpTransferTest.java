package dev.podnet.tcp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static dev.podnet.packet.TcpFlyweight.FIN;
import static dev.podnet.packet.TcpFlyweight.RST;
import static dev.podnet.packet.TcpFlyweight.SYN;
import static dev.podnet.tcp.TcpOpenCloseTest.A;
import static dev.podnet.tcp.TcpOpenCloseTest.B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moving data: segmentation, acknowledgments, retransmission (RFC 6298), fast retransmit and NewReno recovery
 * (RFC 5681, 6582), SACK (RFC 2018), flow control with zero-window probes, Nagle and delayed ACKs, path MTU.
 */
class TcpTransferTest
{
    private static final int MEGABYTE = 1 << 20;

    private final Wire wire = new Wire();

    @Test
    void shouldTransferAMegabyteInFullSegmentsAndCloseCleanly()
    {
        final byte[] data = random(MEGABYTE, 1);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), data);

        wire.runUntil(() -> session.server.closed != null, Duration.ofSeconds(10));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        final List<Wire.Segment> dataSegments = wire.segments(s -> s.from() == A && s.length() > 0);
        assertThat(dataSegments).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(1361));
        assertThat(dataSegments).hasSize((MEGABYTE + 1360) / 1361);
        assertThat(wire.segments(s -> s.has(RST))).isEmpty();
        assertThat(session.client.closed).isEqualTo(CloseReason.CLOSED);
        assertThat(session.connection.retransmits()).isZero();
        assertThat(session.connection.bytesAcked()).isEqualTo(MEGABYTE);
        final int acks = wire.segments(s -> s.from() == B && s.length() == 0 && !s.has(SYN) && !s.has(FIN)).size();
        assertThat(acks).as("an ACK for every second full segment, about").isBetween(dataSegments.size() / 2 - 20,
            dataSegments.size() / 2 + 40);
    }

    @Test
    void shouldQueueABlockedConnectionOnceWhileAcksArriveAndTheWayOutHasNoRoom()
    {
        // the way out (the tunnel) has room every third step only, while ACKs for what went out keep arriving: each ACK
        // dispatches the connection, which finds no room; it must still wait in the stack's queues once, not once per
        // ACK (a pod's bulk transfer through the tunnel went from 69 to 15 MB/s in ten seconds, the stack dispatching a
        // growing queue of copies of one connection, 18 million times a second)
        final byte[] data = random(2 * MEGABYTE, 7);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), data);
        int steps = 0;
        int mostQueued = 0;
        final long deadline = wire.now() + Duration.ofSeconds(30).toNanos();
        while (session.server.received.size() < data.length && wire.now() < deadline)
        {
            session.a.room = steps++ % 3 == 0;
            wire.step();
            mostQueued = Math.max(mostQueued, session.a.stack.queuedConnections());
        }

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(mostQueued).as("the one connection, queued once at most").isEqualTo(1);
        assertThat(session.a.stack.counters().get(TcpCounter.SEND_BLOCKED)).as("it did wait for room").isPositive();
        // the window was not what held the sender back: it does not grow from ACKs alone (Linux's tcp_is_cwnd_limited)
        assertThat(session.connection.cwnd()).as("cwnd after 2 MB sent through a way out short of room")
            .isLessThan(data.length / 8);
    }

    @Test
    void shouldRetransmitALostSegmentWhenTheTimerExpiresWithTheRtoMinimum()
    {
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), new byte[0]);
        wire.runUntil(() -> session.server.established, Duration.ofSeconds(1));
        wire.dropIf = s -> s.from() == A && s.length() > 0 && wire.segments(t -> t.length() > 0).isEmpty();

        session.client.send("lost once".getBytes(StandardCharsets.US_ASCII));
        wire.runUntil(() -> session.server.received.size() == 9, Duration.ofSeconds(2));

        final List<Wire.Segment> sends = wire.segments(s -> s.from() == A && s.length() > 0);
        assertThat(sends).hasSize(2);
        assertThat(sends.get(1).at() - sends.get(0).at())
            .as("RTO = max(200 ms, SRTT + 4 RTTVAR) with a 100 us round trip").isBetween(200_000_000L, 202_000_000L);
        assertThat(session.connection.srttNanos()).isBetween(90_000L, 120_000L);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).isEqualTo(1);
    }

    @Test
    void shouldFastRetransmitOnTheThirdDuplicateAckLongBeforeTheTimer()
    {
        final byte[] data = random(200_000, 2);
        wire.dropIf = dropNthDataSegmentOnce(20);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), data);

        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.a.stack.counters().get(TcpCounter.FAST_RETRANSMITS)).isEqualTo(1);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).isZero();
        final Wire.Segment lost = wire.segments(Wire.Segment::dropped).get(0);
        final Wire.Segment again = wire.segments(s -> !s.dropped() && s.from() == A && s.seq() == lost.seq()).get(0);
        assertThat(again.at() - lost.at()).as("a few round trips, not an RTO").isLessThan(2_000_000L);
        assertThat(wire.segments(s -> s.from() == B && s.sackBlocks() > 0)).as("the receiver SACKs what it holds").isNotEmpty();
    }

    @Test
    void shouldRecoverTwoLossesInOneWindowWithNewRenoPartialAcksWithoutSack()
    {
        final TcpSettings noSack = TcpSettings.defaults().withOptions(true, false, true);
        final byte[] data = random(300_000, 3);
        wire.dropIf = dropDataSegmentsOnce(40, 44);
        final Session session = session(noSack, noSack, data);

        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.a.stack.counters().get(TcpCounter.FAST_RETRANSMITS)).isEqualTo(1);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).as("RFC 6582: the partial ACK repairs the second")
            .isZero();
        assertThat(wire.segments(s -> s.sackBlocks() > 0)).isEmpty();
    }

    @Test
    void shouldRepairSeveralHolesWithSackWithoutTimeout()
    {
        final byte[] data = random(400_000, 4);
        wire.dropIf = dropDataSegmentsOnce(60, 63, 66, 69);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), data);

        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).isZero();
        assertThat(session.connection.retransmits()).as("only the four holes are sent again").isEqualTo(4);
    }

    @Test
    void shouldUndoATimeoutThatTheAcksTimestampShowsSpurious()
    {
        final byte[] data = random(300_000, 7);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), data);
        wire.runUntil(() -> session.server.received.size() > 100_000, Duration.ofSeconds(2));
        final int cwndBefore = session.connection.cwnd();
        wire.holdUntil = wire.now() + 400_000_000L;
        wire.holdIf = s -> s.from() == B; // the ACKs stall for 400 ms, longer than the 200 ms RTO; none is lost

        wire.runUntil(() -> session.connection.bytesAcked() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).as("the stall outlasted the RTO").isEqualTo(1);
        assertThat(session.a.stack.counters().get(TcpCounter.SPURIOUS_TIMEOUTS)).as("RFC 3522").isEqualTo(1);
        assertThat(session.connection.retransmits()).as("only the first segment went again").isEqualTo(1);
        assertThat(session.connection.cwnd()).as("RFC 4015: the window put back").isGreaterThanOrEqualTo(cwndBefore);
    }

    @Test
    void shouldProbeAZeroWindowForAsLongAsThePeerAnswersAndResumeWhenItReads()
    {
        final TcpSettings small = TcpSettings.defaults().withBuffers(65536, 16384);
        final byte[] data = random(100_000, 5);
        final Session session = session(TcpSettings.defaults(), small, data);
        session.server.reading = false;

        wire.runUntil(() -> session.server.connection != null && session.server.connection.readable() == 16384,
            Duration.ofSeconds(1));
        wire.run(Duration.ofSeconds(60));

        assertThat(session.client.closed).isNull();
        assertThat(session.connection.state()).as("its data still waiting, the FIN behind it").isEqualTo(TcpState.FIN_WAIT_1);
        assertThat(session.connection.sendWindow()).isZero();
        assertThat(session.a.stack.counters().get(TcpCounter.WINDOW_PROBES)).isBetween(5L, 20L);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).as("probing is not retransmitting").isZero();
        assertThat(wire.segments(s -> s.from() == B && s.length() == 0 && s.window() == 0)).isNotEmpty();

        session.server.reading = true;
        session.server.drain();
        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
    }

    @Test
    void shouldRetransmitTheHeadOnTimeoutIntoAWindowSmallerThanASegmentAndFinishOnceTheWindowOpens()
    {
        // the receiver does not read: its 16 KB buffer takes 12 full segments and leaves a window of 52 bytes, which
        // the sender fills when its persist timer runs out (RFC 9293 3.8.6.2.1's override). That runt is lost, and so
        // is every segment the receiver sends until it has read everything: its window update too. With 52 bytes
        // outstanding in a window of 52, the retransmission timer alone can move the connection; it must resend the
        // head (Linux's tcp_retransmit_timer, __tcp_retransmit_skb), else nothing ever asks the receiver for its window
        final TcpSettings small = TcpSettings.defaults().withBuffers(65536, 16384);
        final byte[] data = random(100_000, 13);
        final boolean[] ackless = {false};
        wire.dropIf = s ->
        {
            if (!ackless[0] && s.from() == A && s.length() > 0 && s.length() < 1000)
            {
                ackless[0] = true;
                return true;
            }
            return ackless[0] && s.from() == B;
        };
        final Session session = session(TcpSettings.defaults(), small, data);
        session.server.reading = false;

        wire.runUntil(() -> ackless[0], Duration.ofSeconds(5));
        final Wire.Segment runt = wire.segments(Wire.Segment::dropped).get(0);
        assertThat(session.connection.sendWindow()).as("a window smaller than a segment")
            .isEqualTo(runt.length()).isLessThan(session.connection.mss());
        wire.runUntil(() -> !resent(runt).isEmpty(), Duration.ofSeconds(2));

        final Wire.Segment again = resent(runt).get(0);
        assertThat(again.at() - runt.at()).as("on the retransmission timer").isBetween(200_000_000L, 1_000_000_000L);
        assertThat(again.length()).as("what the window takes").isEqualTo(runt.length());
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).isEqualTo(1);

        session.server.reading = true;
        session.server.drain();
        wire.run(Duration.ofMillis(10));
        assertThat(wire.segments(s -> s.from() == B && s.dropped() && s.window() > 8192)).as("its window update, lost")
            .isNotEmpty();
        wire.dropIf = s -> false;
        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(10));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.a.stack.counters().get(TcpCounter.TIMEOUTS)).as("the head went again, backed off").isEqualTo(2);
        wire.runUntil(() -> session.client.closed != null, Duration.ofSeconds(1));
        assertThat(session.client.closed).isEqualTo(CloseReason.CLOSED);
    }

    @Test
    void shouldResendAProbedLastByteWhenTheProbesAnswerAndTheWindowUpdateAreLost()
    {
        // one byte more than the receiver's buffer, and no FIN behind it: the persist timer's one-byte probe is then
        // everything left to send. Its answer is lost, and so is the window update when the receiver reads: with the
        // byte outstanding and nothing unsent the persist timer has nothing to probe with, so the retransmission timer
        // must run, or the byte waits for ever
        final TcpSettings small = TcpSettings.defaults().withBuffers(65536, 16384);
        final byte[] data = random(16384 + 1, 15);
        final Wire.Host a = wire.host(A, 1413, TcpSettings.defaults());
        final Wire.Host b = wire.host(B, 1413, small);
        final Peer server = Peer.echoing();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = Peer.sending(data, false);
        a.stack.connect(B, 80, client, wire.now());
        server.reading = false;
        wire.runUntil(() -> a.stack.counters().get(TcpCounter.WINDOW_PROBES) > 0, Duration.ofSeconds(5));
        wire.dropIf = s -> s.from() == B;
        wire.run(Duration.ofMillis(50));
        server.reading = true;
        server.drain();
        wire.run(Duration.ofMillis(10));
        assertThat(wire.segments(s -> s.from() == B && s.dropped() && s.window() > 8192)).as("the window update, lost")
            .isNotEmpty();
        wire.dropIf = s -> false;

        wire.runUntil(() -> server.received.size() == data.length, Duration.ofSeconds(10));

        assertThat(server.received.toByteArray()).isEqualTo(data);
    }

    /** @return the segments from A, not lost, with data from where {@code lost} began. */
    private List<Wire.Segment> resent(final Wire.Segment lost)
    {
        return wire.segments(s -> s.from() == A && s.seq() == lost.seq() && s.length() > 0 && !s.dropped());
    }

    @Test
    void shouldResetAPeerWhoseWindowItHasProbedWithASequenceNumberThatPeerAccepts()
    {
        // a zero-window probe takes SND.MAX one byte past the peer's closed window, where the peer accepts only
        // SEG.SEQ = RCV.NXT (RFC 9293 3.10.7.4; RFC 5961 3.2: a reset only at exactly RCV.NXT): a reset at SND.MAX
        // would be dropped and the peer left with a connection that is gone. Linux's tcp_send_active_reset takes
        // tcp_acceptable_seq, as the ACKs do
        final TcpSettings small = TcpSettings.defaults().withBuffers(65536, 16384);
        final Session session = session(TcpSettings.defaults(), small, random(100_000, 14));
        session.server.reading = false;
        wire.runUntil(() -> session.a.stack.counters().get(TcpCounter.WINDOW_PROBES) > 0, Duration.ofSeconds(2));
        wire.run(Duration.ofMillis(10)); // the probe answered: nothing from the peer on the way
        final Wire.Segment probe = wire.segments(s -> s.from() == A && s.length() == 1).get(0);
        final int rcvNxt = wire.segments(s -> s.from() == B).stream().reduce((first, second) -> second).orElseThrow().ack();
        assertThat(probe.seq()).as("the probe: the byte at the peer's RCV.NXT, beyond its window").isEqualTo(rcvNxt);

        session.connection.abort();
        wire.run(Duration.ofMillis(10));

        final List<Wire.Segment> resets = wire.segments(s -> s.from() == A && s.has(RST));
        assertThat(resets.get(0).seq()).as("the peer's RCV.NXT, not SND.MAX").isEqualTo(rcvNxt);
        assertThat(resets).hasSize(1);
        assertThat(session.server.closed).isEqualTo(CloseReason.RESET);
        assertThat(session.b.stack.connectionCount()).isZero();
    }

    @Test
    void shouldAcknowledgeAPeerWhoseWindowItHasProbedWithASequenceNumberThatPeerAccepts()
    {
        // Linux's python3 in a real pod against a pod's echo service (RealPodProcessIT): the client sends everything
        // (sendall) before it reads anything, so its small receive buffer fills with the echo and its window closes;
        // the echo side probes that window with one byte beyond it, and SND.MAX moves past the window's edge. Its
        // ACKs for the client's data must still carry a sequence number the client finds acceptable (RFC 9293
        // 3.10.7.4: with a zero window, only SEG.SEQ = RCV.NXT), as Linux's tcp_acceptable_seq does, else the client
        // drops each one unread, retransmits into a deadlock and its socket times out
        wire.latencyNanos = 5_000_000L;
        final Wire.Host a = wire.host(A, 1413, TcpSettings.defaults().withBuffers(64 * 1024, 16 * 1024));
        final Wire.Host b = wire.host(B, 1413, TcpSettings.defaults());
        b.stack.listen(7, (ip, port, now) -> new Echo());
        final byte[] data = random(3 * MEGABYTE, 11);
        final Peer client = Peer.sending(data, true);
        client.halfClose = true;
        client.reading = false;
        final TcpConnection connection = a.stack.connect(B, 7, client, wire.now());

        wire.runUntil(client::allSent, Duration.ofSeconds(20));
        client.reading = true;
        client.drain();
        wire.runUntil(() -> client.received.size() == data.length && client.peerClosed, Duration.ofSeconds(20));

        assertThat(client.received.toByteArray()).isEqualTo(data);
        assertThat(b.stack.counters().get(TcpCounter.WINDOW_PROBES)).as("the client's window was probed").isPositive();
        assertThat(connection.bytesAcked()).isEqualTo(data.length);
    }

    @Test
    void shouldTellAnApplicationThatFoundNoRoomToWriteWhenTheSendBufferHasRoomAgain()
    {
        // the echo service reads only as much as writable() says the send buffer takes, so its writes are never cut
        // short; when writable() said 0, it stopped with the client's data unread, and nothing but more data would
        // wake it: a client that had sent everything before reading (python3's sendall, 5 MiB) got back 4.2 MiB and
        // waited, the echo's connection in CLOSE-WAIT for good. A writable() of 0 promises onWritable, as Linux's poll
        // sets SOCK_NOSPACE for the write-space callback
        final Wire.Host a = wire.host(A, 1413, TcpSettings.defaults().withBuffers(4 << 20, 64 * 1024));
        final Wire.Host b = wire.host(B, 1413, TcpSettings.defaults());
        wire.recording = false;
        b.stack.listen(7, (ip, port, now) -> new Echo());
        final byte[] data = random(6 * MEGABYTE, 12);
        final Peer client = Peer.sending(data, true);
        client.halfClose = true;
        client.reading = false;
        a.stack.connect(B, 7, client, wire.now());

        wire.runUntil(client::allSent, Duration.ofSeconds(20));
        client.reading = true;
        client.drain();
        wire.runUntil(() -> client.received.size() == data.length && client.peerClosed, Duration.ofSeconds(20));

        assertThat(client.received.toByteArray()).isEqualTo(data);
        wire.runUntil(() -> b.stack.connectionCount() == 0, Duration.ofSeconds(1)); // the echo closed its side too
    }

    /** The pod's echo service ({@code dev.podnet.pod.TcpEcho}): reads only what it can write back. */
    private static final class Echo implements TcpHandler
    {
        private final org.agrona.concurrent.UnsafeBuffer scratch = new org.agrona.concurrent.UnsafeBuffer(new byte[65536]);

        @Override
        public void onReadable(final TcpConnection connection, final long nowNanos)
        {
            echo(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection, final long nowNanos)
        {
            echo(connection);
        }

        private void echo(final TcpConnection connection)
        {
            int room;
            while ((room = Math.min(connection.writable(), scratch.capacity())) > 0 && connection.readable() > 0)
            {
                connection.write(scratch, 0, connection.read(scratch, 0, room));
            }
            if (connection.peerClosed())
            {
                connection.close();
            }
        }
    }

    @Test
    void shouldDelayTheAckOfALoneSegmentByFortyMilliseconds()
    {
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), new byte[0]);
        wire.runUntil(() -> session.server.established, Duration.ofSeconds(1));
        wire.log.clear();

        session.client.send("x".getBytes(StandardCharsets.US_ASCII));
        wire.run(Duration.ofMillis(100));

        final Wire.Segment sent = wire.segments(s -> s.from() == A && s.length() == 1).get(0);
        final List<Wire.Segment> acks = wire.segments(s -> s.from() == B);
        assertThat(acks).hasSize(1);
        assertThat(acks.get(0).at() - sent.at()).isBetween(40_000_000L, 42_000_000L);
    }

    @Test
    void shouldHoldASmallSegmentWhileDataIsUnacknowledgedUnlessNodelay()
    {
        final Session nagle = session(TcpSettings.defaults(), TcpSettings.defaults(), new byte[0]);
        wire.runUntil(() -> nagle.server.established, Duration.ofSeconds(1));
        wire.log.clear();

        nagle.connection.write(new org.agrona.concurrent.UnsafeBuffer("a".getBytes(StandardCharsets.US_ASCII)), 0, 1);
        nagle.a.stack.pump(wire.now());
        nagle.connection.write(new org.agrona.concurrent.UnsafeBuffer("b".getBytes(StandardCharsets.US_ASCII)), 0, 1);
        nagle.a.stack.pump(wire.now());

        assertThat(wire.segments(s -> s.from() == A && s.length() > 0)).as("the second byte waits for an ACK").hasSize(1);
        wire.runUntil(() -> nagle.server.received.size() == 2, Duration.ofMillis(100));

        nagle.connection.nodelay(true);
        wire.log.clear();
        nagle.connection.write(new org.agrona.concurrent.UnsafeBuffer("c".getBytes(StandardCharsets.US_ASCII)), 0, 1);
        nagle.a.stack.pump(wire.now());
        nagle.connection.write(new org.agrona.concurrent.UnsafeBuffer("d".getBytes(StandardCharsets.US_ASCII)), 0, 1);
        nagle.a.stack.pump(wire.now());
        assertThat(wire.segments(s -> s.from() == A && s.length() > 0)).hasSize(2);
    }

    @Test
    void shouldShrinkSegmentsToAPathMtuFromFragmentationNeededAndResend()
    {
        final byte[] data = random(100_000, 6);
        final Session session = session(TcpSettings.defaults(), TcpSettings.defaults(), new byte[0]);
        wire.runUntil(() -> session.server.established, Duration.ofSeconds(1));
        session.client.send(data);
        wire.step();
        final Wire.Segment first = wire.segments(s -> s.from() == A && s.length() > 0).get(0);

        session.a.stack.onIcmpError("frag-needed", true, 1000, B, session.connection.localPort(), 80, first.seq(), wire.now());
        wire.log.clear();
        wire.runUntil(() -> session.server.received.size() == data.length, Duration.ofSeconds(5));

        assertThat(session.server.received.toByteArray()).isEqualTo(data);
        assertThat(session.connection.pathMtu()).isEqualTo(1000);
        assertThat(session.connection.mss()).isEqualTo(1000 - 40 - 12);
        assertThat(wire.segments(s -> s.from() == A && s.length() > 0))
            .allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(948));
        assertThat(session.a.stack.counters().get(TcpCounter.PMTU_REDUCTIONS)).isEqualTo(1);

        session.a.stack.onIcmpError("frag-needed", true, 900, B, session.connection.localPort(), 80, first.seq() - 5_000_000,
            wire.now());
        assertThat(session.connection.pathMtu()).as("RFC 5927: a quote outside the window is ignored").isEqualTo(1000);
    }

    @Test
    void shouldFailAConnectionAttemptOnHostUnreachable()
    {
        final Wire.Host a = wire.host(A, 1500, TcpSettings.defaults());
        wire.dropIf = s -> true;
        final Peer client = new Peer();
        final TcpConnection connection = a.stack.connect(B, 80, client, wire.now());
        final Wire.Segment syn = wire.log.get(0);

        a.stack.onIcmpError("host-unreachable", false, 0, B, connection.localPort(), 80, syn.seq(), wire.now());

        assertThat(client.closed).isEqualTo(CloseReason.UNREACHABLE);
        assertThat(connection.errorDetail()).isEqualTo("host-unreachable");
        assertThat(a.stack.connectionCount()).isZero();
    }

    @Test
    void shouldGiveEveryFourTupleItsOwnIsnGrowingWithTime()
    {
        final IsnGenerator isn = new IsnGenerator(1, 2);

        final int first = isn.isn(A, 40000, B, 80, 0);
        final int otherPort = isn.isn(A, 40001, B, 80, 0);
        final int later = isn.isn(A, 40000, B, 80, 1_000_000_000L);

        assertThat(otherPort).isNotEqualTo(first);
        assertThat(later - first).as("M ticks every 4 us (4096 ns)").isEqualTo(1_000_000_000 >>> IsnGenerator.TICK_SHIFT);
        assertThat(new IsnGenerator(3, 4).isn(A, 40000, B, 80, 0)).as("another secret").isNotEqualTo(first);
        // SipHash-2-4 reference vector: key 00..0f, message 00..0f
        assertThat(IsnGenerator.sipHash24(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L))
            .isEqualTo(0x3f2acc7f57c29bdbL);
    }

    @Test
    void shouldHoldThousandsOfConnectionsInOnePod()
    {
        final Wire.Host a = wire.host(A, 1500, TcpSettings.defaults());
        final Wire.Host b = wire.host(B, 1500, TcpSettings.defaults());
        wire.recording = false;
        b.stack.listen(7, (ip, port, now) -> Peer.echoing());
        final Peer[] clients = new Peer[3000];
        for (int i = 0; i < clients.length; i++)
        {
            clients[i] = Peer.sending(("hello " + i).getBytes(StandardCharsets.US_ASCII), false);
            assertThat(a.stack.connect(B, 7, clients[i], wire.now())).isNotNull();
        }

        wire.runUntil(() -> b.stack.connectionCount() == 3000 && java.util.Arrays.stream(clients).allMatch(c -> c.established),
            Duration.ofSeconds(5));

        assertThat(a.stack.connectionCount()).isEqualTo(3000);
        assertThat(b.stack.sockets()).hasSize(3001);
    }

    // ---------------------------------------------------------------- helpers

    /** A connection from A to B:80 whose client sends {@code data} and closes; the server reads and closes after. */
    private Session session(final TcpSettings clientSettings, final TcpSettings serverSettings, final byte[] data)
    {
        final Wire.Host a = wire.host(A, 1413, clientSettings);
        final Wire.Host b = wire.host(B, 1413, serverSettings);
        final Peer server = Peer.echoing();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = Peer.sending(data, data.length > 0);
        final TcpConnection connection = a.stack.connect(B, 80, client, wire.now());
        return new Session(a, b, client, server, connection);
    }

    private record Session(Wire.Host a, Wire.Host b, Peer client, Peer server, TcpConnection connection)
    {
    }

    private java.util.function.Predicate<Wire.Segment> dropNthDataSegmentOnce(final int n)
    {
        return dropDataSegmentsOnce(n);
    }

    /** Drop the data segments from A with these ordinals (1-based, counting every data segment A sends), once each. */
    private java.util.function.Predicate<Wire.Segment> dropDataSegmentsOnce(final int... ordinals)
    {
        final java.util.Set<Integer> wanted = new java.util.HashSet<>();
        for (final int ordinal : ordinals)
        {
            wanted.add(ordinal);
        }
        final int[] count = {0};
        return s ->
        {
            if (s.from() != A || s.length() == 0)
            {
                return false;
            }
            count[0]++;
            return wanted.remove(count[0]);
        };
    }

    static byte[] random(final int length, final long seed)
    {
        final byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }
}
