package dev.podnet.tcp;

import dev.podnet.packet.TcpFlyweight;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.podnet.packet.TcpFlyweight.ACK;
import static dev.podnet.packet.TcpFlyweight.FIN;
import static dev.podnet.packet.TcpFlyweight.RST;
import static dev.podnet.packet.TcpFlyweight.SYN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opening and closing connections (RFC 9293 3.5, 3.6): handshakes, option negotiation, simultaneous open and
 * close, TIME-WAIT, resets for closed ports.
 */
class TcpOpenCloseTest
{
    static final int A = 0x0AF4_0102;
    static final int B = 0x0AF4_0203;

    private final Wire wire = new Wire();
    private final Wire.Host a = wire.host(A, 1413, TcpSettings.defaults());
    private final Wire.Host b = wire.host(B, 1413, TcpSettings.defaults());

    @Test
    void shouldCompleteThreeWayHandshakeNegotiatingMssWindowScaleSackAndTimestamps()
    {
        final Peer server = new Peer();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = new Peer();

        final TcpConnection connection = a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> client.established && server.established, Duration.ofSeconds(1));

        final List<Wire.Segment> handshake = wire.log.subList(0, 3);
        assertThat(handshake).extracting(Wire.Segment::flags).containsExactly(SYN, SYN | ACK, ACK);
        final Wire.Segment syn = handshake.get(0);
        final Wire.Segment synAck = handshake.get(1);
        assertThat(syn.mss()).as("MSS = pod MTU - 40").isEqualTo(1373);
        assertThat(syn.windowScale()).as("4 MiB buffers: Linux's scale").isEqualTo(7);
        assertThat(syn.sackPermitted()).isTrue();
        assertThat(syn.timestamps()).isTrue();
        assertThat(syn.destinationPort()).isEqualTo(80);
        assertThat(syn.sourcePort()).isBetween(TcpStack.EPHEMERAL_FIRST, TcpStack.EPHEMERAL_LAST);
        assertThat(synAck.ack()).isEqualTo(syn.seq() + 1);
        assertThat(synAck.mss()).isEqualTo(1373);
        assertThat(synAck.windowScale()).isEqualTo(7);
        assertThat(synAck.sackPermitted()).isTrue();
        assertThat(handshake.get(2).ack()).isEqualTo(synAck.seq() + 1);
        assertThat(handshake.get(2).seq()).isEqualTo(syn.seq() + 1);
        assertThat(connection.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(connection.mss()).as("1373 less 12 bytes of timestamps").isEqualTo(1361);
        assertThat(connection.info().options()).isEqualTo("ts sack wscale:7,7");
        assertThat(server.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(a.stack.counters().get(TcpCounter.ACTIVE_OPENS)).isEqualTo(1);
        assertThat(b.stack.counters().get(TcpCounter.PASSIVE_OPENS)).isEqualTo(1);
    }

    @Test
    void shouldAgreeOnlyOnWhatBothSidesOffer()
    {
        final Wire plainWire = new Wire();
        final Wire.Host x = plainWire.host(A, 1500, TcpSettings.defaults());
        final Wire.Host y = plainWire.host(B, 1500, TcpSettings.defaults().withOptions(false, false, false));
        final Peer server = new Peer();
        y.stack.listen(80, (ip, port, now) -> server);
        final Peer client = new Peer();

        final TcpConnection connection = x.stack.connect(B, 80, client, plainWire.now());
        plainWire.runUntil(() -> client.established, Duration.ofSeconds(1));

        final Wire.Segment synAck = plainWire.log.get(1);
        assertThat(synAck.windowScale()).isEqualTo(-1);
        assertThat(synAck.sackPermitted()).isFalse();
        assertThat(synAck.timestamps()).isFalse();
        assertThat(connection.info().options()).isEmpty();
        assertThat(connection.mss()).as("no timestamps: the full 1460").isEqualTo(1460);
        assertThat(plainWire.log.get(2).timestamps()).as("no timestamps after the SYN either").isFalse();
    }

    @Test
    void shouldTransferBothWaysAndCloseInOrderWithTimeWaitOnTheActiveCloser()
    {
        final Peer server = Peer.echoing();
        b.stack.listen(7, (ip, port, now) -> server);
        final Peer client = Peer.sending("hello".getBytes(StandardCharsets.US_ASCII), false);

        final TcpConnection connection = a.stack.connect(B, 7, client, wire.now());
        wire.runUntil(() -> server.received.size() == 5, Duration.ofSeconds(1));
        server.send(server.received.toByteArray());
        wire.runUntil(() -> client.received.size() == 5, Duration.ofSeconds(1));
        connection.close();
        wire.runUntil(() -> client.closed != null && server.closed != null, Duration.ofSeconds(1));

        assertThat(client.received.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(connection.state()).as("the active closer waits").isEqualTo(TcpState.TIME_WAIT);
        assertThat(server.connection.state()).isEqualTo(TcpState.CLOSED);
        assertThat(client.closed).isEqualTo(CloseReason.CLOSED);
        assertThat(server.closed).isEqualTo(CloseReason.CLOSED);
        final List<Wire.Segment> fins = wire.segments(s -> s.has(FIN));
        assertThat(fins).hasSize(2);
        assertThat(a.stack.connectionCount()).isEqualTo(1);

        wire.run(Duration.ofMillis(1900));
        assertThat(a.stack.connectionCount()).as("TIME-WAIT lasts 2 s").isEqualTo(1);
        wire.run(Duration.ofMillis(200));
        assertThat(a.stack.connectionCount()).isZero();
        assertThat(connection.state()).isEqualTo(TcpState.CLOSED);
        assertThat(wire.segments(s -> s.has(RST))).isEmpty();
    }

    @Test
    void shouldOpenSimultaneously()
    {
        final Peer atA = new Peer();
        final Peer atB = new Peer();

        final TcpConnection ab = a.stack.connect(B, 5001, 5000, atA, wire.now());
        final TcpConnection ba = b.stack.connect(A, 5000, 5001, atB, wire.now());
        wire.runUntil(() -> atA.established && atB.established, Duration.ofSeconds(1));

        assertThat(wire.log.subList(0, 2)).extracting(Wire.Segment::flags).containsExactly(SYN, SYN);
        assertThat(wire.log.subList(2, 4)).extracting(Wire.Segment::flags).containsExactly(SYN | ACK, SYN | ACK);
        assertThat(ab.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(ba.state()).isEqualTo(TcpState.ESTABLISHED);

        atA.send("ping".getBytes(StandardCharsets.US_ASCII));
        atB.send("pong".getBytes(StandardCharsets.US_ASCII));
        wire.runUntil(() -> atA.received.size() == 4 && atB.received.size() == 4, Duration.ofSeconds(1));
        assertThat(atA.received.toString(StandardCharsets.US_ASCII)).isEqualTo("pong");
        assertThat(atB.received.toString(StandardCharsets.US_ASCII)).isEqualTo("ping");
    }

    @Test
    void shouldCloseSimultaneouslyThroughClosingIntoTimeWaitOnBothSides()
    {
        final Peer server = new Peer();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = new Peer();
        final TcpConnection connection = a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> server.established && client.established, Duration.ofSeconds(1));

        connection.close();
        server.connection.close();
        assertThat(connection.state()).isEqualTo(TcpState.FIN_WAIT_1);
        wire.step();
        wire.runUntil(() -> connection.state() == TcpState.TIME_WAIT && server.connection.state() == TcpState.TIME_WAIT,
            Duration.ofSeconds(1));

        assertThat(wire.segments(s -> s.has(FIN))).hasSize(2);
        assertThat(client.closed).isEqualTo(CloseReason.CLOSED);
        assertThat(server.closed).isEqualTo(CloseReason.CLOSED);
        wire.run(Duration.ofMillis(2100));
        assertThat(a.stack.connectionCount() + b.stack.connectionCount()).isZero();
    }

    @Test
    void shouldGoThroughClosingWhenFinsCross()
    {
        final Peer server = new Peer();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = new Peer();
        final TcpConnection connection = a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> server.established && client.established, Duration.ofSeconds(1));
        final List<TcpState> seen = new java.util.ArrayList<>();

        connection.close();
        server.connection.close();
        wire.runUntil(() ->
        {
            if (seen.isEmpty() || seen.get(seen.size() - 1) != connection.state())
            {
                seen.add(connection.state());
            }
            return connection.state() == TcpState.TIME_WAIT;
        }, Duration.ofSeconds(1));

        assertThat(seen).containsExactly(TcpState.FIN_WAIT_1, TcpState.CLOSING, TcpState.TIME_WAIT);
    }

    @Test
    void shouldRefuseConnectionToClosedPortWithResetAck()
    {
        final Peer client = new Peer();

        final TcpConnection connection = a.stack.connect(B, 81, client, wire.now());
        wire.runUntil(() -> client.closed != null, Duration.ofSeconds(1));

        final Wire.Segment syn = wire.log.get(0);
        final Wire.Segment reset = wire.log.get(1);
        assertThat(reset.flags()).isEqualTo(RST | ACK);
        assertThat(reset.seq()).as("RFC 9293 3.10.7.1: SEQ=0").isZero();
        assertThat(reset.ack()).as("ACK = SEG.SEQ + SEG.LEN").isEqualTo(syn.seq() + 1);
        assertThat(client.closed).isEqualTo(CloseReason.REFUSED);
        assertThat(connection.state()).isEqualTo(TcpState.CLOSED);
        assertThat(a.stack.connectionCount()).isZero();
        assertThat(b.stack.counters().get(TcpCounter.NO_LISTENER)).isEqualTo(1);
        assertThat(a.stack.counters().get(TcpCounter.ATTEMPT_FAILS)).isEqualTo(1);
    }

    @Test
    void shouldAnswerAStrayAckWithResetAtItsAcknowledgmentAndNeverAnswerAReset()
    {
        wire.inject(A, B, segment(40000, 80, 1000, 5555, ACK, 0));
        wire.inject(A, B, segment(40000, 80, 1000, 5555, RST, 0));
        wire.inject(A, B, segment(40000, 80, 1000, 5555, RST | ACK, 0));
        wire.run(Duration.ofMillis(5));

        assertThat(wire.log).hasSize(1);
        final Wire.Segment reset = wire.log.get(0);
        assertThat(reset.flags()).isEqualTo(RST);
        assertThat(reset.seq()).isEqualTo(5555);
        assertThat(reset.destinationPort()).isEqualTo(40000);
    }

    @Test
    void shouldAnswerAnAckToAListenerWithReset()
    {
        b.stack.listen(80, (ip, port, now) -> new Peer());

        wire.inject(A, B, segment(40000, 80, 1000, 7777, ACK, 0));
        wire.run(Duration.ofMillis(5));

        assertThat(wire.log).extracting(Wire.Segment::flags, Wire.Segment::seq).containsExactly(
            org.assertj.core.groups.Tuple.tuple(RST, 7777));
        assertThat(b.stack.connectionCount()).isZero();
    }

    @Test
    void shouldRetransmitSynWithBackoffAndFailAfterTheRetries()
    {
        final Wire quiet = new Wire();
        final Wire.Host x = quiet.host(A, 1500, TcpSettings.defaults().withRetries(3, 15));
        quiet.dropIf = s -> true;
        final Peer client = new Peer();

        x.stack.connect(B, 80, client, quiet.now());
        quiet.runUntil(() -> client.closed != null, Duration.ofSeconds(30));

        final List<Wire.Segment> syns = quiet.segments(s -> s.has(SYN));
        assertThat(syns).hasSize(4);
        assertThat(syns.get(1).at() - syns.get(0).at()).as("initial RTO 1 s").isBetween(1_000_000_000L, 1_002_000_000L);
        assertThat(syns.get(2).at() - syns.get(1).at()).as("backed off").isBetween(2_000_000_000L, 2_002_000_000L);
        assertThat(syns.get(3).at() - syns.get(2).at()).isBetween(4_000_000_000L, 4_002_000_000L);
        assertThat(syns).extracting(Wire.Segment::seq).containsOnly(syns.get(0).seq());
        assertThat(client.closed).isEqualTo(CloseReason.TIMED_OUT);
        assertThat(x.stack.connectionCount()).isZero();
    }

    @Test
    void shouldRetransmitSynAckWhenTheClientRepeatsItsSyn()
    {
        final Peer server = new Peer();
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = new Peer();
        wire.dropIf = s -> s.has(SYN | ACK) && wire.segments(t -> t.has(SYN | ACK)).isEmpty();

        a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> client.established && server.established, Duration.ofSeconds(5));

        final List<Wire.Segment> syns = wire.segments(s -> s.flags() == SYN);
        assertThat(syns).hasSize(2);
        final long repeated = syns.get(1).at();
        assertThat(wire.segments(s -> s.has(SYN | ACK) && s.at() >= repeated && s.at() <= repeated + 2 * wire.latencyNanos))
            .as("a SYN-ACK answers the repeated SYN at once").isNotEmpty();
    }

    @Test
    void shouldStartANewIncarnationFromTimeWaitOnAHigherSyn()
    {
        final Peer server = new Peer();
        server.closeWhenPeerCloses = false;
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = Peer.echoing();
        final TcpConnection first = a.stack.connect(B, 80, 40000, client, wire.now());
        wire.runUntil(() -> server.established, Duration.ofSeconds(1));
        server.connection.close(); // the server closes first: it holds TIME-WAIT
        wire.runUntil(() -> server.connection.state() == TcpState.TIME_WAIT && first.state() == TcpState.CLOSED,
            Duration.ofSeconds(1));

        final Peer second = new Peer();
        final Peer again = new Peer();
        b.stack.unlisten(80);
        b.stack.listen(80, (ip, port, now) -> second);
        wire.run(Duration.ofMillis(10)); // the clock moves: the new ISN is higher (RFC 6528)
        a.stack.connect(B, 80, 40000, again, wire.now());
        wire.runUntil(() -> again.established && second.established, Duration.ofSeconds(1));

        assertThat(second.connection.localPort()).isEqualTo(80);
        assertThat(b.stack.connectionCount()).isEqualTo(1);
    }

    @Test
    void shouldResetWhenClosedWithUnreadData()
    {
        final Peer server = new Peer();
        server.reading = false;
        b.stack.listen(80, (ip, port, now) -> server);
        final Peer client = Peer.sending("unread".getBytes(StandardCharsets.US_ASCII), false);
        a.stack.connect(B, 80, client, wire.now());
        wire.runUntil(() -> server.connection != null && server.connection.readable() == 6, Duration.ofSeconds(1));

        server.connection.close();
        wire.runUntil(() -> client.closed != null, Duration.ofSeconds(1));

        assertThat(wire.segments(s -> s.has(RST))).hasSize(1);
        assertThat(client.closed).isEqualTo(CloseReason.RESET);
        assertThat(server.closed).isEqualTo(CloseReason.ABORTED);
    }

    @Test
    void shouldDropSynsBeyondTheBacklog()
    {
        final Wire busy = new Wire();
        final Wire.Host x = busy.host(A, 1500, TcpSettings.defaults());
        final Wire.Host y = busy.host(B, 1500, TcpSettings.defaults().withLimits(16384, 2));
        y.stack.listen(80, (ip, port, now) -> new Peer());
        busy.dropIf = s -> s.from() == A && !s.has(SYN); // the handshakes never complete

        for (int i = 0; i < 3; i++)
        {
            x.stack.connect(B, 80, new Peer(), busy.now());
        }
        busy.run(Duration.ofMillis(10));

        assertThat(busy.segments(s -> s.has(SYN | ACK))).hasSize(2);
        assertThat(y.stack.counters().get(TcpCounter.LISTEN_OVERFLOWS)).isEqualTo(1);
        assertThat(y.stack.connectionCount()).isEqualTo(2);
    }

    /** A bare segment with a good checksum from A to B. */
    static byte[] segment(final int sourcePort, final int destinationPort, final int seq, final int ack, final int flags,
        final int window)
    {
        final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(new byte[20]);
        new TcpFlyweight().wrap(buffer, 0, 20).writeHeader(sourcePort, destinationPort, seq, ack, 20, flags, window)
            .updateChecksum(A, B);
        return buffer.byteArray();
    }
}
