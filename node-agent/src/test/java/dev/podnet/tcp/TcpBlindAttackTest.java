package dev.podnet.tcp;

import dev.podnet.packet.TcpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.podnet.packet.TcpFlyweight.ACK;
import static dev.podnet.packet.TcpFlyweight.PSH;
import static dev.podnet.packet.TcpFlyweight.RST;
import static dev.podnet.packet.TcpFlyweight.SYN;
import static dev.podnet.tcp.TcpOpenCloseTest.A;
import static dev.podnet.tcp.TcpOpenCloseTest.B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Segments that do not fit the connection's state (RFC 9293 3.10.7.4 with RFC 5961's defences against blind
 * resets, SYNs and data injection): an established connection between A and B receives hand-made segments claiming
 * to come from A.
 */
class TcpBlindAttackTest
{
    private final Wire wire = new Wire();
    private final Wire.Host a = wire.host(A, 1413, TcpSettings.defaults().withOptions(true, true, false));
    private final Wire.Host b = wire.host(B, 1413, TcpSettings.defaults().withOptions(true, true, false));
    private final Peer server = new Peer();
    private final Peer client = new Peer();
    private TcpConnection connection;
    /** A's next sequence number: B's RCV.NXT. */
    private int aNext;
    /** B's next sequence number: what A acknowledges. */
    private int bNext;
    private int aPort;

    @BeforeEach
    void connect()
    {
        b.stack.listen(80, (ip, port, now) -> server);
        connection = a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> server.established && client.established, Duration.ofSeconds(1));
        final Wire.Segment last = wire.log.get(wire.log.size() - 1);
        aNext = last.seq();
        bNext = last.ack();
        aPort = last.sourcePort();
        wire.log.clear();
    }

    @Test
    void shouldResetOnlyOnARstAtExactlyRcvNxt()
    {
        inject(aNext, 0, RST, "");
        wire.run(Duration.ofMillis(1));

        assertThat(server.closed).isEqualTo(CloseReason.RESET);
        assertThat(b.stack.connectionCount()).isZero();
        assertThat(wire.log).as("a reset is never answered").isEmpty();
    }

    @Test
    void shouldAnswerAnInWindowRstWithAChallengeAckAndStayOpen()
    {
        inject(aNext + 1000, 0, RST, "");
        wire.run(Duration.ofMillis(1));

        assertThat(server.closed).isNull();
        assertThat(server.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        final List<Wire.Segment> answers = wire.segments(s -> s.from() == B);
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).flags()).isEqualTo(ACK);
        assertThat(answers.get(0).seq()).isEqualTo(bNext);
        assertThat(answers.get(0).ack()).as("tells the real peer where we are").isEqualTo(aNext);
        assertThat(b.stack.counters().get(TcpCounter.CHALLENGE_ACKS)).isEqualTo(1);
        // the real peer, receiving that ACK, has nothing to say: a data-free ACK within its window
        wire.run(Duration.ofMillis(5));
        assertThat(client.closed).isNull();
    }

    @Test
    void shouldIgnoreARstOutsideTheWindowSilently()
    {
        inject(aNext - 100_000, 0, RST, "");
        inject(aNext + 50_000_000, 0, RST, "");
        wire.run(Duration.ofMillis(1));

        assertThat(server.closed).isNull();
        assertThat(wire.log).isEmpty();
    }

    @Test
    void shouldAnswerASynOnAnEstablishedConnectionWithAChallengeAck()
    {
        inject(aNext + 5, 0, SYN, "");
        inject(aNext - 5_000_000, 0, SYN, "");
        wire.run(Duration.ofMillis(1));

        assertThat(server.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(wire.segments(s -> s.from() == B)).extracting(Wire.Segment::flags).containsExactly(ACK, ACK);
        assertThat(b.stack.counters().get(TcpCounter.CHALLENGE_ACKS)).isEqualTo(2);
    }

    @Test
    void shouldDropDataWhoseAckAcknowledgesWhatWasNeverSent()
    {
        inject(aNext, bNext + 100_000, ACK | PSH, "injected");
        wire.run(Duration.ofMillis(1));

        assertThat(server.received.size()).isZero();
        assertThat(server.connection.readable()).isZero();
        assertThat(wire.segments(s -> s.from() == B)).extracting(Wire.Segment::ack).containsExactly(aNext);
    }

    @Test
    void shouldDropDataWhoseAckIsTooOldAndChallengeIt()
    {
        inject(aNext, bNext - 10_000_000, ACK | PSH, "injected");
        wire.run(Duration.ofMillis(1));

        assertThat(server.received.size()).as("RFC 5961 5.2: below SND.UNA - MAX.SND.WND").isZero();
        assertThat(b.stack.counters().get(TcpCounter.CHALLENGE_ACKS)).isEqualTo(1);
    }

    @Test
    void shouldAcknowledgeDataOutsideTheWindowWithoutTakingIt()
    {
        inject(aNext + 100_000_000, bNext, ACK | PSH, "far");
        inject(aNext - 3000, bNext, ACK | PSH, "old");
        wire.run(Duration.ofMillis(1));

        assertThat(server.received.size()).isZero();
        assertThat(wire.segments(s -> s.from() == B)).extracting(Wire.Segment::ack).containsExactly(aNext, aNext);
        assertThat(b.stack.counters().get(TcpCounter.OUT_OF_WINDOW)).isEqualTo(2);
    }

    @Test
    void shouldTakeGenuineDataAfterAllThat()
    {
        inject(aNext + 1000, 0, RST, "");
        inject(aNext + 5, 0, SYN, "");
        wire.run(Duration.ofMillis(1));

        client.send("still here".getBytes(StandardCharsets.US_ASCII));
        wire.runUntil(() -> server.received.size() == 10, Duration.ofSeconds(1));

        assertThat(server.received.toString(StandardCharsets.US_ASCII)).isEqualTo("still here");
        assertThat(connection.state()).isEqualTo(TcpState.ESTABLISHED);
    }

    @Test
    void shouldLimitChallengeAcksToAThousandASecond()
    {
        for (int i = 0; i < 1500; i++)
        {
            inject(aNext + 1000 + i, 0, RST, "");
        }
        wire.run(Duration.ofMillis(1));

        assertThat(wire.segments(s -> s.from() == B)).hasSize(TcpStack.CHALLENGE_ACKS_PER_SECOND);
        assertThat(b.stack.counters().get(TcpCounter.CHALLENGE_ACKS_LIMITED)).isEqualTo(500);
    }

    @Test
    void shouldAnswerASynAckFromAStrangerInSynSentWithAReset()
    {
        final Wire fresh = new Wire();
        final Wire.Host x = fresh.host(A, 1500, TcpSettings.defaults());
        fresh.dropIf = s -> s.from() == A && s.has(SYN); // the SYN never arrives
        final Peer waiting = new Peer();
        final TcpConnection pending = x.stack.connect(B, 80, 41000, waiting, fresh.now());
        fresh.run(Duration.ofMillis(1));

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
        new TcpFlyweight().wrap(buffer, 0, 20).writeHeader(80, 41000, 12345, 999, 20, SYN | ACK, 1000).updateChecksum(B, A);
        fresh.inject(B, A, buffer.byteArray());
        fresh.run(Duration.ofMillis(1));

        final List<Wire.Segment> answers = fresh.segments(s -> s.from() == A && s.has(RST));
        assertThat(answers).extracting(Wire.Segment::seq).as("RFC 9293 3.10.7.3: <SEQ=SEG.ACK><CTL=RST>").containsExactly(999);
        assertThat(pending.state()).isEqualTo(TcpState.SYN_SENT);
    }

    private void inject(final int seq, final int ack, final int flags, final String text)
    {
        final byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20 + data.length]);
        buffer.putBytes(20, data);
        new TcpFlyweight().wrap(buffer, 0, 20 + data.length)
            .writeHeader(aPort, 80, seq, ack, 20, flags, 500)
            .updateChecksum(A, B);
        wire.inject(A, B, buffer.byteArray());
    }
}
