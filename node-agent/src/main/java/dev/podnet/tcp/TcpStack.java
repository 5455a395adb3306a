package dev.podnet.tcp;

import dev.podnet.packet.PacketError;
import dev.podnet.packet.TcpFlyweight;
import org.agrona.DeadlineTimerWheel;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.podnet.packet.TcpFlyweight.ACK;
import static dev.podnet.packet.TcpFlyweight.RST;
import static dev.podnet.packet.TcpFlyweight.SYN;

/**
 * One pod's TCP: its connections and listening ports, and what happens to a segment no connection wants.
 * <p>
 * <b>Demultiplexing.</b> Connections are found by their four-tuple packed into a {@code long} (remote address,
 * remote port, local port; the local address is the pod's) in a primitive map; listeners by port. A segment for
 * neither is answered as RFC 9293 3.10.7.1 says for CLOSED: a reset, never to a reset. A SYN for a listener makes a
 * connection in SYN-RECEIVED at once (no SYN cookies: the backlog bounds the half-open ones, as {@code somaxconn}
 * does, and SYNs beyond it are dropped and counted). A SYN that finds a connection in TIME-WAIT with a sequence
 * number above the old one starts a new incarnation (RFC 9293 3.10.7.4, as Linux).
 * <p>
 * <b>Time.</b> Every connection has at most one timer on an Agrona {@link DeadlineTimerWheel} (ticks of about a
 * millisecond): the earliest of its deadlines. A deadline that moves later leaves the timer where it is; it fires
 * early, the connection finds nothing due and the timer is set again. So a segment costs no timer operation in the
 * common case (an ACK moving the retransmission deadline), and thousands of idle connections cost nothing per tick.
 * <p>
 * <b>Output.</b> Segments are written into the {@link SegmentOutput}'s buffer and sent at once. Connections with
 * something to send after an application call (outside any segment's processing), or held back because the way out
 * was full, wait in a queue that {@link #pump} drains each duty cycle.
 * <p>
 * <b>Initial sequence numbers</b> follow RFC 6528 ({@link IsnGenerator}) under a secret the pod draws at start.
 * Single-threaded: the data plane's thread only; no allocation per segment.
 */
public final class TcpStack
{
    /** No wheel timer. */
    static final long NO_TIMER = -1;
    /** First ephemeral port (Linux {@code ip_local_port_range}). */
    public static final int EPHEMERAL_FIRST = 32768;
    /** Last ephemeral port. */
    public static final int EPHEMERAL_LAST = 60999;
    /** Challenge ACKs a pod sends per second at most (RFC 5961 7; Linux's former {@code tcp_challenge_ack_limit}). */
    static final int CHALLENGE_ACKS_PER_SECOND = 1000;
    private static final long TICK_NANOS = 1L << 20;
    private static final int TICKS_PER_WHEEL = 512;
    private static final int MAX_POLLS = 4096;

    /** A listening port. */
    static final class Listener
    {
        final int port;
        final TcpAcceptor acceptor;
        int pending;

        Listener(final int port, final TcpAcceptor acceptor)
        {
            this.port = port;
            this.acceptor = acceptor;
        }
    }

    final TcpSettings settings;
    final int localIp;
    final int mtu;
    final SegmentOutput output;
    final TcpFlyweight tx = new TcpFlyweight();
    final int[] sackLeft = new int[TcpFlyweight.MAX_SACK_BLOCKS];
    final int[] sackRight = new int[TcpFlyweight.MAX_SACK_BLOCKS];
    final TcpCounters counters = new TcpCounters();
    private final TcpFlyweight rx = new TcpFlyweight();
    private final IsnGenerator isn;
    private final Long2ObjectHashMap<TcpConnection> connections = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<Listener> listeners = new Int2ObjectHashMap<>();
    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<TcpConnection> timers = new Long2ObjectHashMap<>();
    private final ArrayList<TcpConnection> expired = new ArrayList<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::onTimerExpiry;
    private final ArrayDeque<TcpConnection> ready = new ArrayDeque<>();
    private final ArrayDeque<TcpConnection> blocked = new ArrayDeque<>();
    private long now;
    private int nextEphemeral;
    private long challengeSecond;
    private int challengeAcks;

    /**
     * @param localIp  the pod's address.
     * @param mtu      the pod's MTU: the MSS it announces is this less 40.
     * @param settings how its TCP behaves.
     * @param output   where its segments go.
     * @param secret0  first half of the RFC 6528 secret.
     * @param secret1  second half of the RFC 6528 secret.
     * @param nowNanos the data plane's clock now.
     */
    public TcpStack(
        final int localIp, final int mtu, final TcpSettings settings, final SegmentOutput output, final long secret0,
        final long secret1, final long nowNanos)
    {
        this.localIp = localIp;
        this.mtu = mtu;
        this.settings = settings;
        this.output = output;
        this.isn = new IsnGenerator(secret0, secret1);
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nowNanos, TICK_NANOS, TICKS_PER_WHEEL);
        this.now = nowNanos;
        this.nextEphemeral = EPHEMERAL_FIRST + (int)Math.floorMod(secret0 ^ secret1, EPHEMERAL_LAST - EPHEMERAL_FIRST + 1);
    }

    /** @return the clock as last seen by the stack. */
    long now()
    {
        return now;
    }

    /**
     * The clock as given by a caller. With no timer pending, the wheel's current tick jumps to it, so a stack made
     * before its clock was known (or idle for long) does not replay the ticks in between.
     */
    private void advance(final long nowNanos)
    {
        now = nowNanos;
        if (wheel.timerCount() == 0)
        {
            wheel.currentTickTime(nowNanos);
        }
    }

    /** @return the counters. */
    public TcpCounters counters()
    {
        return counters;
    }

    /** @return connections held, TIME-WAIT included. */
    public int connectionCount()
    {
        return connections.size();
    }

    // ---------------------------------------------------------------- segments in

    /**
     * A TCP segment for the pod: check it, find its connection or listener, process it.
     *
     * @param sourceIp      the IPv4 source.
     * @param destinationIp the IPv4 destination (the pod's address).
     * @param buffer        holding the segment.
     * @param offset        of its header.
     * @param length        of header and data: the IPv4 payload.
     * @param nowNanos      the data plane's clock.
     * @return {@link PacketError#NONE}, or why the segment was dropped (for the pod's drop counters).
     */
    public PacketError onSegment(
        final int sourceIp, final int destinationIp, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        advance(nowNanos);
        final TcpFlyweight segment = rx.wrap(buffer, offset, length);
        final PacketError error = segment.check(sourceIp, destinationIp);
        if (error != PacketError.NONE)
        {
            return error;
        }
        segment.parseOptions();
        counters.increment(TcpCounter.SEGMENTS_IN);
        final int localPort = segment.destinationPort();
        final int remotePort = segment.sourcePort();
        final long key = key(sourceIp, remotePort, localPort);
        final TcpConnection connection = connections.get(key);
        final int flags = segment.flags();
        if (connection != null)
        {
            if (!(connection.state() == TcpState.TIME_WAIT && (flags & (SYN | ACK | RST)) == SYN &&
                listeners.containsKey(localPort) && connection.acceptsNewIncarnation(segment.sequence())))
            {
                connection.onSegment(segment, nowNanos);
                reschedule(connection);
                return PacketError.NONE;
            }
            connection.terminate(CloseReason.CLOSED, null, nowNanos); // TIME-WAIT gives way to a new incarnation
        }
        final Listener listener = listeners.get(localPort);
        if (listener != null)
        {
            onListenerSegment(listener, segment, sourceIp, key, nowNanos);
            return PacketError.NONE;
        }
        // CLOSED (RFC 9293 3.10.7.1): anything but a reset is answered with a reset
        if ((flags & RST) == 0)
        {
            counters.increment(TcpCounter.NO_LISTENER);
            resetFor(segment, sourceIp, nowNanos);
        }
        return PacketError.NONE;
    }

    /** RFC 9293 3.10.7.2: LISTEN. */
    private void onListenerSegment(
        final Listener listener, final TcpFlyweight segment, final int sourceIp, final long key, final long nowNanos)
    {
        final int flags = segment.flags();
        if ((flags & RST) != 0)
        {
            return;
        }
        if ((flags & ACK) != 0)
        {
            counters.increment(TcpCounter.NO_LISTENER);
            sendReset(sourceIp, listener.port, segment.sourcePort(), segment.acknowledgment(), 0, false, nowNanos);
            return;
        }
        if ((flags & SYN) == 0)
        {
            return;
        }
        if (listener.pending >= settings.backlog() || connections.size() >= settings.maxConnections())
        {
            counters.increment(TcpCounter.LISTEN_OVERFLOWS); // dropped: the client's SYN is retransmitted
            return;
        }
        final int remotePort = segment.sourcePort();
        final TcpHandler handler = listener.acceptor.accept(sourceIp, remotePort, nowNanos);
        if (handler == null)
        {
            resetFor(segment, sourceIp, nowNanos);
            return;
        }
        final TcpConnection connection = new TcpConnection(this, key, listener.port, sourceIp, remotePort, true, handler,
            isn.isn(localIp, listener.port, sourceIp, remotePort, nowNanos),
            isn.timestampOffset(localIp, listener.port, sourceIp, remotePort));
        connection.listener = listener;
        listener.pending++;
        connections.put(key, connection);
        connection.accept(segment, nowNanos);
        reschedule(connection);
    }

    /** The reset RFC 9293 3.10.7.1 answers a segment with when no connection wants it. */
    private void resetFor(final TcpFlyweight segment, final int sourceIp, final long nowNanos)
    {
        if (segment.hasFlags(ACK))
        {
            sendReset(sourceIp, segment.destinationPort(), segment.sourcePort(), segment.acknowledgment(), 0, false, nowNanos);
        }
        else
        {
            sendReset(sourceIp, segment.destinationPort(), segment.sourcePort(), 0,
                segment.sequence() + segment.sequenceLength(), true, nowNanos);
        }
    }

    /**
     * Send a reset.
     *
     * @param remoteIp   to whom.
     * @param localPort  from which port.
     * @param remotePort to which port.
     * @param seq        its sequence number.
     * @param ack        its acknowledgment number, with {@code withAck}.
     * @param withAck    whether the ACK bit is set.
     * @param nowNanos   the clock.
     */
    void sendReset(
        final int remoteIp, final int localPort, final int remotePort, final int seq, final int ack, final boolean withAck,
        final long nowNanos)
    {
        final MutableDirectBuffer buffer = output.segmentBuffer();
        final int at = output.segmentOffset();
        tx.wrap(buffer, at, TcpFlyweight.MIN_HEADER_LENGTH)
            .writeHeader(localPort, remotePort, seq, withAck ? ack : 0, TcpFlyweight.MIN_HEADER_LENGTH, RST | (withAck ? ACK : 0), 0)
            .updateChecksum(localIp, remoteIp);
        output.sendSegment(remoteIp, TcpFlyweight.MIN_HEADER_LENGTH, nowNanos);
        counters.increment(TcpCounter.RESETS_SENT);
        counters.increment(TcpCounter.SEGMENTS_OUT);
    }

    /** RFC 5961 7: at most {@value #CHALLENGE_ACKS_PER_SECOND} challenge ACKs a second. */
    boolean challengeAckAllowed(final long nowNanos)
    {
        final long second = nowNanos / 1_000_000_000L;
        if (second != challengeSecond)
        {
            challengeSecond = second;
            challengeAcks = 0;
        }
        return ++challengeAcks <= CHALLENGE_ACKS_PER_SECOND;
    }

    /**
     * An ICMP error about a segment this pod sent (RFC 5927): the connection it quotes hears it.
     *
     * @param type          e.g. {@code host-unreachable} or {@code frag-needed}.
     * @param fragmentation whether it is fragmentation-needed.
     * @param nextHopMtu    the MTU it reports, else 0.
     * @param remoteIp      the destination of the quoted segment.
     * @param localPort     its source port.
     * @param remotePort    its destination port.
     * @param quotedSeq     its sequence number.
     * @param nowNanos      the clock.
     */
    public void onIcmpError(
        final String type, final boolean fragmentation, final int nextHopMtu, final int remoteIp, final int localPort,
        final int remotePort, final int quotedSeq, final long nowNanos)
    {
        advance(nowNanos);
        final TcpConnection connection = connections.get(key(remoteIp, remotePort, localPort));
        if (connection == null)
        {
            counters.increment(TcpCounter.ICMP_IGNORED);
            return;
        }
        connection.onIcmpError(type, fragmentation, nextHopMtu, quotedSeq, nowNanos);
        if (connection.state() != TcpState.CLOSED)
        {
            reschedule(connection);
        }
    }

    // ---------------------------------------------------------------- applications

    /**
     * Listen on a port.
     *
     * @param port     1..65535.
     * @param acceptor gives each new connection its handler.
     * @return false when the port is taken.
     */
    public boolean listen(final int port, final TcpAcceptor acceptor)
    {
        if (port < 1 || port > 65535 || listeners.containsKey(port))
        {
            return false;
        }
        listeners.put(port, new Listener(port, acceptor));
        return true;
    }

    /**
     * Stop listening; connections already made go on.
     *
     * @param port the port.
     */
    public void unlisten(final int port)
    {
        listeners.remove(port);
    }

    /**
     * Open a connection (RFC 9293 3.10.1) from an ephemeral port.
     *
     * @param remoteIp   to where.
     * @param remotePort to which port, 1..65535.
     * @param handler    the application on it.
     * @param nowNanos   the clock.
     * @return the connection in SYN-SENT, or null when the pod has no free port or holds its limit of connections.
     */
    public TcpConnection connect(final int remoteIp, final int remotePort, final TcpHandler handler, final long nowNanos)
    {
        advance(nowNanos);
        final int range = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
        for (int i = 0; i < range && connections.size() < settings.maxConnections(); i++)
        {
            final int port = nextEphemeral;
            nextEphemeral = port == EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
            if (!connections.containsKey(key(remoteIp, remotePort, port)) && !listeners.containsKey(port))
            {
                return open(remoteIp, remotePort, port, handler, nowNanos);
            }
        }
        return null;
    }

    /**
     * Open a connection from a given port ({@code bind} then {@code connect}), e.g. for a simultaneous open.
     *
     * @param remoteIp   to where.
     * @param remotePort to which port.
     * @param localPort  from which port.
     * @param handler    the application on it.
     * @param nowNanos   the clock.
     * @return the connection in SYN-SENT, or null when that four-tuple is in use or the pod holds its limit.
     */
    public TcpConnection connect(
        final int remoteIp, final int remotePort, final int localPort, final TcpHandler handler, final long nowNanos)
    {
        advance(nowNanos);
        if (connections.size() >= settings.maxConnections() || connections.containsKey(key(remoteIp, remotePort, localPort)))
        {
            return null;
        }
        return open(remoteIp, remotePort, localPort, handler, nowNanos);
    }

    private TcpConnection open(
        final int remoteIp, final int remotePort, final int localPort, final TcpHandler handler, final long nowNanos)
    {
        final long key = key(remoteIp, remotePort, localPort);
        final TcpConnection connection = new TcpConnection(this, key, localPort, remoteIp, remotePort, false, handler,
            isn.isn(localIp, localPort, remoteIp, remotePort, nowNanos),
            isn.timestampOffset(localIp, localPort, remoteIp, remotePort));
        connections.put(key, connection);
        counters.increment(TcpCounter.ACTIVE_OPENS);
        connection.open(nowNanos);
        reschedule(connection);
        return connection;
    }

    /** A connection made by a listener completed its handshake: it leaves the backlog. */
    void established(final TcpConnection connection)
    {
        final Listener listener = connection.listener;
        if (listener != null)
        {
            listener.pending--;
            connection.listener = null;
            counters.increment(TcpCounter.PASSIVE_OPENS);
        }
    }

    /** A connection ended: forget it. */
    void remove(final TcpConnection connection)
    {
        connections.remove(connection.key);
        cancelTimer(connection);
        final Listener listener = connection.listener;
        if (listener != null)
        {
            listener.pending--;
            connection.listener = null;
        }
    }

    /** Connections waiting to send (for the next pump, or for room on the way out): each at most once. */
    int queuedConnections()
    {
        return ready.size() + blocked.size();
    }

    /** A connection has something to send outside a segment's processing: {@link #pump} sends it. */
    void requestOutput(final TcpConnection connection)
    {
        if (!connection.queued)
        {
            connection.queued = true;
            ready.addLast(connection);
        }
    }

    /** A connection found the way out full: it goes on when there is room. */
    void blocked(final TcpConnection connection)
    {
        counters.increment(TcpCounter.SEND_BLOCKED);
        if (!connection.queued)
        {
            connection.queued = true;
            blocked.addLast(connection);
        }
    }

    /**
     * Let connections send what they hold: after application calls, or once the way out has room again.
     *
     * @param nowNanos the clock.
     * @return segments sent: the duty cycle's work count. A connection still held back by a full way out sends
     * nothing and counts no work, so that an idle strategy may back off rather than spin on it.
     */
    public int pump(final long nowNanos)
    {
        advance(nowNanos);
        TcpConnection held;
        while ((held = blocked.pollFirst()) != null)
        {
            ready.addLast(held); // each tries again: the way to its destination may have room now
        }
        int work = 0;
        for (int i = ready.size(); i > 0; i--)
        {
            final TcpConnection connection = ready.pollFirst();
            connection.queued = false;
            if (connection.state() == TcpState.CLOSED)
            {
                continue;
            }
            work += connection.dispatch(nowNanos);
            if (connection.state() != TcpState.CLOSED)
            {
                reschedule(connection);
            }
        }
        return work;
    }

    // ---------------------------------------------------------------- timers

    /**
     * Run the timers that came due.
     *
     * @param nowNanos the clock.
     * @return timers expired.
     */
    public int onTimer(final long nowNanos)
    {
        advance(nowNanos);
        if (wheel.timerCount() == 0)
        {
            return 0;
        }
        for (int polls = 0; polls < MAX_POLLS && wheel.currentTickTime() <= nowNanos; polls++)
        {
            wheel.poll(nowNanos, onExpiry, Integer.MAX_VALUE);
        }
        final int count = expired.size();
        for (int i = 0; i < count; i++)
        {
            final TcpConnection connection = expired.get(i);
            if (connection.state() != TcpState.CLOSED)
            {
                connection.onTimer(nowNanos);
                if (connection.state() != TcpState.CLOSED)
                {
                    reschedule(connection);
                }
            }
        }
        expired.clear();
        return count;
    }

    private boolean onTimerExpiry(final TimeUnit timeUnit, final long nowNanos, final long timerId)
    {
        final TcpConnection connection = timers.remove(timerId);
        if (connection != null && connection.timerId == timerId)
        {
            connection.timerId = NO_TIMER;
            connection.timerDeadline = TcpConnection.NONE;
            expired.add(connection);
        }
        return true;
    }

    /** Keep the connection's one wheel timer at or before its earliest deadline. */
    void reschedule(final TcpConnection connection)
    {
        final long deadline = connection.nextDeadline();
        if (deadline == TcpConnection.NONE)
        {
            cancelTimer(connection);
            return;
        }
        if (connection.timerId != NO_TIMER)
        {
            if (connection.timerDeadline <= deadline)
            {
                return; // fires early; the connection sets it again then
            }
            cancelTimer(connection);
        }
        final long timerId = wheel.scheduleTimer(deadline);
        timers.put(timerId, connection);
        connection.timerId = timerId;
        connection.timerDeadline = deadline;
    }

    private void cancelTimer(final TcpConnection connection)
    {
        if (connection.timerId != NO_TIMER)
        {
            wheel.cancelTimer(connection.timerId);
            timers.remove(connection.timerId);
            connection.timerId = NO_TIMER;
            connection.timerDeadline = TcpConnection.NONE;
        }
    }

    // ---------------------------------------------------------------- listing, closing

    /**
     * @return every listening port and connection, listeners first, then by remote address and ports; allocates.
     */
    public List<SocketInfo> sockets()
    {
        final List<SocketInfo> result = new ArrayList<>(listeners.size() + connections.size());
        for (final Listener listener : listeners.values())
        {
            result.add(new SocketInfo(TcpState.LISTEN.label(), localIp, listener.port, 0, 0, listener.pending,
                settings.backlog(), "", 0, mtu, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "", ""));
        }
        for (final TcpConnection connection : connections.values())
        {
            result.add(connection.info());
        }
        result.sort(Comparator.comparing((SocketInfo info) -> !info.state().equals(TcpState.LISTEN.label()))
            .thenComparingInt(SocketInfo::localPort)
            .thenComparingLong(info -> info.remoteIp() & 0xFFFF_FFFFL)
            .thenComparingInt(SocketInfo::remotePort));
        return result;
    }

    /**
     * The pod goes away: every connection is aborted (a reset to each peer) and every listener closed.
     */
    public void close()
    {
        listeners.clear();
        for (final TcpConnection connection : new ArrayList<>(connections.values()))
        {
            connection.abort();
        }
    }

    static long key(final int remoteIp, final int remotePort, final int localPort)
    {
        return ((long)remoteIp << 32) | ((long)(remotePort & 0xFFFF) << 16) | (localPort & 0xFFFF);
    }
}
