package dev.podnet.tcp;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.TcpFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static dev.podnet.packet.TcpFlyweight.ACK;
import static dev.podnet.packet.TcpFlyweight.FIN;
import static dev.podnet.packet.TcpFlyweight.PSH;
import static dev.podnet.packet.TcpFlyweight.RST;
import static dev.podnet.packet.TcpFlyweight.SYN;

/**
 * One TCP connection: the state machine of RFC 9293 section 3.10, sans I/O.
 * <p>
 * <b>What it takes and gives.</b> The engine is driven by three inputs, each with the time: a segment that
 * arrived for it ({@link #onSegment}), a timer that came due ({@link #onTimer}), and its application's calls
 * (write, read, close). Each may send segments through the stack's {@link SegmentOutput} and move the
 * connection's next deadline ({@link #nextDeadline()}), which the stack keeps on its timer wheel. Nothing here
 * reads a clock, sleeps or allocates per segment, so tests drive it with a fake clock, deterministically.
 * <p>
 * <b>Sequence space.</b> The send side keeps SND.UNA, SND.NXT and SND.MAX (the highest sequence number sent plus
 * one: after a timeout SND.NXT goes back to SND.UNA and resends up to SND.MAX, go-back-N); the {@link SendBuffer}
 * holds every byte from SND.UNA on, so retransmissions are cut from it like first transmissions, at whatever
 * segment size the path allows then. The receive side keeps RCV.NXT and the right edge of the window last
 * announced, which never moves left (RFC 9293 3.8.6.2.2); the {@link ReceiveBuffer} reassembles what arrives out
 * of order and describes it in SACK blocks.
 * <p>
 * <b>Order of checks</b> for a segment in a synchronized state, as RFC 9293 3.10.7.4 lists them: PAWS (RFC 7323
 * 5.3), sequence acceptability (with the trimming of what lies outside the window), RST (RFC 5961 3.2: reset only
 * when SEG.SEQ = RCV.NXT, else a challenge ACK), SYN (RFC 5961 4.2: a challenge ACK), ACK (RFC 5961 5.2: only
 * within [SND.UNA - MAX.SND.WND, SND.MAX]), the segment text, then FIN. The application hears about it last
 * ({@link TcpHandler}), so that what it does in its callback (write, close, even abort) finds a consistent
 * connection.
 * <p>
 * <b>Timers</b> (all deadlines on the stack's clock, at most one wheel timer per connection): retransmission (RFC
 * 6298, via {@link RttEstimator}; Karn's rule: one timed segment at a time, never a retransmitted one; a timeout
 * resends the segment at SND.UNA whatever the peer's window, as Linux does), persist
 * (zero-window probes, backed off like the RTO), delayed ACK (at most {@link TcpSettings#delayedAck()}; every
 * second full segment, anything out of order and every FIN are acknowledged at once, RFC 5681 4.2 and RFC 1122
 * 4.2.3.2), and the close timer (TIME-WAIT, FIN-WAIT-2 of a connection its application closed).
 * <p>
 * <b>Loss recovery</b>: NewReno ({@link NewReno}, RFC 5681 and 6582) decides the window; with SACK negotiated the
 * connection keeps a scoreboard of what the peer holds and, in recovery, retransmits the holes below the highest
 * SACKed byte, one per ACK, before new data (the spirit of RFC 6675's NextSeg rule 1, under NewReno's window).
 * <p>
 * Single-threaded: the data plane's thread only.
 */
public final class TcpConnection
{
    /** A deadline that never comes. */
    static final long NONE = Long.MAX_VALUE;
    /** The MSS a peer that sent none accepts (RFC 9293 3.7.1). */
    static final int DEFAULT_MSS = 536;
    /** Smallest MSS believed from a peer or a path (Linux's {@code TCP_MIN_SND_MSS} is 48). */
    static final int MIN_MSS = 64;
    /** Smallest path MTU believed from an ICMP fragmentation-needed (Linux's {@code min_pmtu}: 552). */
    static final int MIN_PATH_MTU = 552;
    /** Segments one call of {@link #dispatch} sends at most, so that one connection never hogs a duty cycle. */
    static final int SEGMENTS_PER_DISPATCH = 64;
    /** SACK ranges of the peer remembered at most. */
    static final int SCOREBOARD_RANGES = 8;
    /** Time between ACKs answering segments without data outside the window (Linux's {@code tcp_invalid_ratelimit}). */
    static final long OUT_OF_WINDOW_ACK_INTERVAL_NANOS = 500_000_000L;
    private static final int IP_TCP_HEADERS = 40;

    final TcpStack stack;
    final long key;
    private final TcpSettings settings;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    private final boolean passive;
    private final String application;
    private TcpHandler handler;
    private TcpState state;

    // send sequence space (RFC 9293 3.3.1)
    private int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private final SendBuffer sendBuffer;
    private boolean finQueued;
    private boolean finAcked;

    // receive sequence space
    private int irs;
    private int rcvNxt;
    private int rcvAdvRight;
    private final ReceiveBuffer receiveBuffer;
    private final int windowThreshold;
    private boolean finReceived;
    private boolean finPending;
    private int finPendingSeq;

    // negotiated (RFC 9293 3.7.1, RFC 7323, RFC 2018)
    private final int announcedMss;
    private int peerMss = DEFAULT_MSS;
    private int pathMtu;
    private int mss;
    private int sndWscale;
    private int rcvWscale;
    private boolean wsOk;
    private boolean sackOk;
    private boolean tsOk;
    private int tsRecent;
    private int lastAckSent;
    private final int tsOffset;

    // round trips and congestion
    private final RttEstimator rtt;
    private final CongestionControl cc;
    private boolean timing;
    private int timedSeq;
    private long timedAt;
    private int highRxt;
    // Eifel detection of a spurious timeout (RFC 3522): what the first retransmission's TSval was, and what to undo
    private boolean eifelPending;
    private int eifelTsValue;
    private int eifelCwnd;
    private int eifelSsthresh;
    private int scoreboardRanges;
    private final int[] sackedStart = new int[SCOREBOARD_RANGES];
    private final int[] sackedEnd = new int[SCOREBOARD_RANGES];

    // timers
    private long rtoAt = NONE;
    private long persistAt = NONE;
    private long delayedAckAt = NONE;
    private long closeAt = NONE;
    private int retransmissions;
    private int probes;
    private int persistBackoff;
    private long lastOutOfWindowAckAt = Long.MIN_VALUE;

    // acknowledgments owed
    private boolean ackNow;
    private int segmentsUnacked;

    // the application's side
    private boolean nodelay;
    private boolean appClosed;
    private boolean writeBlocked;
    private CloseReason closeReason;
    private String errorDetail;
    private String softError;

    // statistics
    private long bytesSent;
    private long bytesAcked;
    private long bytesReceived;
    private long retransmits;

    // the stack's bookkeeping
    long timerId = TcpStack.NO_TIMER;
    long timerDeadline = NONE;
    boolean queued;
    /** The window held the sender back during the round trip under way ({@link #validateCwnd(boolean)}). */
    private boolean cwndLimited;
    /** The most bytes outstanding during the round trip under way. */
    private int maxFlight;
    /** Where the round trip under way ends: once SND.UNA reaches it, the usage is measured afresh. */
    private int cwndUsageSeq;
    TcpStack.Listener listener;

    TcpConnection(
        final TcpStack stack, final long key, final int localPort, final int remoteIp, final int remotePort,
        final boolean passive, final TcpHandler handler, final int iss, final int tsOffset)
    {
        this.stack = stack;
        this.key = key;
        this.settings = stack.settings;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.passive = passive;
        this.handler = handler;
        this.application = handler.application();
        this.iss = iss;
        this.cwndUsageSeq = iss;
        this.tsOffset = tsOffset;
        this.announcedMss = stack.mtu - IP_TCP_HEADERS;
        this.pathMtu = stack.mtu;
        this.mss = Math.max(MIN_MSS, Math.min(DEFAULT_MSS, announcedMss));
        this.sendBuffer = new SendBuffer(settings.bufferInitial(), settings.sendBufferMax());
        this.receiveBuffer = new ReceiveBuffer(
            settings.bufferInitial(), settings.receiveBufferMax(), 1 << settings.receiveWindowScale());
        this.windowThreshold = Math.min(settings.receiveBufferMax() / 2, announcedMss);
        this.rtt = new RttEstimator(settings.rtoInitial().toNanos(), settings.rtoMin().toNanos(), settings.rtoMax().toNanos());
        this.cc = new NewReno(settings.initialWindow());
        this.state = TcpState.CLOSED;
    }

    // ---------------------------------------------------------------- opening

    /** Active open (RFC 9293 3.10.1): send a SYN and wait in SYN-SENT. */
    void open(final long now)
    {
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
        state = TcpState.SYN_SENT;
        startTiming(iss + 1, now);
        transmit(iss, SYN, 0, 0, now);
        rtoAt = now + rtt.rtoNanos();
    }

    /** Passive open: a SYN reached a listener (RFC 9293 3.10.7.2); answer SYN-ACK and wait in SYN-RECEIVED. */
    void accept(final TcpFlyweight syn, final long now)
    {
        irs = syn.sequence();
        rcvNxt = irs + 1;
        negotiate(syn);
        sndUna = iss;
        sndNxt = iss + 1;
        sndMax = sndNxt;
        sndWnd = syn.window(); // the window of a SYN is never scaled (RFC 7323 2.2)
        maxSndWnd = sndWnd;
        sndWl1 = irs;
        sndWl2 = iss;
        state = TcpState.SYN_RECEIVED;
        startTiming(iss + 1, now);
        transmit(iss, SYN | ACK, 0, 0, now);
        rtoAt = now + rtt.rtoNanos();
    }

    /** Options of the peer's SYN: what both sides agreed to. */
    private void negotiate(final TcpFlyweight syn)
    {
        peerMss = syn.mss() == TcpFlyweight.NO_MSS ? DEFAULT_MSS : syn.mss();
        wsOk = settings.windowScaling() && syn.windowScale() != TcpFlyweight.NO_WINDOW_SCALE;
        if (wsOk)
        {
            sndWscale = syn.windowScale();
            rcvWscale = settings.receiveWindowScale();
        }
        else
        {
            sndWscale = 0;
            rcvWscale = 0;
        }
        sackOk = settings.sack() && syn.sackPermitted();
        tsOk = settings.timestamps() && syn.hasTimestamps();
        if (tsOk)
        {
            tsRecent = syn.timestampValue();
        }
        updateMss();
    }

    private void updateMss()
    {
        final int segment = Math.min(peerMss, pathMtu - IP_TCP_HEADERS) - (tsOk ? TcpFlyweight.TIMESTAMPS_ALIGNED_LENGTH : 0);
        mss = Math.max(MIN_MSS, segment);
    }

    private void established(final long now)
    {
        state = TcpState.ESTABLISHED;
        cc.onEstablished(mss);
        stack.established(this);
        if (finQueued)
        {
            state = TcpState.FIN_WAIT_1;
        }
        final TcpHandler app = handler;
        if (app != null)
        {
            app.onEstablished(this, now);
        }
        stack.requestOutput(this);
    }

    // ---------------------------------------------------------------- segment arrives (RFC 9293 3.10.7)

    /**
     * A segment for this connection: checked, options parsed, its four-tuple matching.
     *
     * @param segment the segment.
     * @param now     the stack's clock.
     */
    void onSegment(final TcpFlyweight segment, final long now)
    {
        if (state == TcpState.SYN_SENT)
        {
            onSegmentInSynSent(segment, now);
        }
        else if (state != TcpState.CLOSED)
        {
            onSegmentSynchronized(segment, now);
        }
        if (state != TcpState.CLOSED)
        {
            dispatch(now);
        }
    }

    /** RFC 9293 3.10.7.3, with RFC 5961 3.2 for the RST. */
    private void onSegmentInSynSent(final TcpFlyweight segment, final long now)
    {
        final int flags = segment.flags();
        final int ack = segment.acknowledgment();
        if ((flags & ACK) != 0 && (Seq.le(ack, iss) || Seq.gt(ack, sndMax)))
        {
            if ((flags & RST) == 0)
            {
                stack.sendReset(remoteIp, localPort, remotePort, ack, 0, false, now);
            }
            return;
        }
        if ((flags & RST) != 0)
        {
            if ((flags & ACK) != 0)
            {
                terminate(CloseReason.REFUSED, null, now);
            }
            return;
        }
        if ((flags & SYN) == 0)
        {
            return;
        }
        irs = segment.sequence();
        rcvNxt = irs + 1;
        rcvAdvRight = rcvNxt + Math.min(receiveBuffer.window(), 0xFFFF);
        negotiate(segment);
        if ((flags & ACK) != 0)
        {
            sndUna = ack;
        }
        sndWnd = segment.window(); // unscaled in a SYN
        maxSndWnd = sndWnd;
        sndWl1 = irs;
        sndWl2 = ack;
        if (Seq.gt(sndUna, iss))
        {
            sampleRtt(ack, now);
            retransmissions = 0;
            rtoAt = NONE;
            ackNow = true;
            established(now);
        }
        else
        {
            // simultaneous open (RFC 9293 figure 8): both SYNs crossed
            state = TcpState.SYN_RECEIVED;
            timing = false;
            transmit(iss, SYN | ACK, 0, 0, now);
            rtoAt = now + rtt.rtoNanos();
        }
    }

    private void onSegmentSynchronized(final TcpFlyweight segment, final long now)
    {
        int flags = segment.flags();
        final int seq = segment.sequence();
        final int payloadLength = segment.payloadLength();

        // PAWS (RFC 7323 5.3): an older timestamp than the connection's is an old duplicate
        if (tsOk && segment.hasTimestamps() && (flags & RST) == 0 && Seq.lt(segment.timestampValue(), tsRecent))
        {
            stack.counters.increment(TcpCounter.PAWS_REJECTED);
            acknowledgeUnacceptable(segment.sequenceLength(), now);
            return;
        }

        if (state == TcpState.SYN_RECEIVED && (flags & SYN) != 0)
        {
            if ((flags & ACK) == 0 && seq == irs)
            {
                // the peer did not hear our SYN-ACK and repeated its SYN
                transmit(iss, SYN | ACK, 0, 0, now);
                return;
            }
            if ((flags & ACK) != 0 && seq + 1 == rcvNxt && segment.acknowledgment() == sndMax)
            {
                // simultaneous open: the peer's SYN-ACK acknowledges ours; take it as the ACK (as Linux does)
                flags &= ~SYN;
                enterEstablishedOnAck(segment, seq + 1, now);
                return;
            }
        }

        // first: is the segment acceptable (RFC 9293 3.10.7.4, the four cases)?
        final int rcvWnd = Math.max(0, rcvAdvRight - rcvNxt);
        final int segLength = segment.sequenceLength();
        if (!acceptable(seq, segLength, rcvWnd))
        {
            if ((flags & SYN) != 0)
            {
                challengeAck(now); // RFC 5961 4.2: a SYN, whatever its sequence number
            }
            else if ((flags & RST) == 0)
            {
                stack.counters.increment(TcpCounter.OUT_OF_WINDOW);
                acknowledgeUnacceptable(segLength, now);
            }
            return;
        }

        // second: RST (RFC 5961 3.2)
        if ((flags & RST) != 0)
        {
            if (seq == rcvNxt)
            {
                onReset(now);
            }
            else
            {
                challengeAck(now);
            }
            return;
        }

        // fourth: SYN in a synchronized state (RFC 5961 4.2)
        if ((flags & SYN) != 0)
        {
            challengeAck(now);
            return;
        }

        // fifth: ACK
        if ((flags & ACK) == 0)
        {
            return;
        }
        if (state == TcpState.SYN_RECEIVED)
        {
            final int ack = segment.acknowledgment();
            if (Seq.lt(sndUna, ack) && Seq.le(ack, sndMax))
            {
                enterEstablishedOnAck(segment, seq, now);
                if (state == TcpState.CLOSED)
                {
                    return;
                }
            }
            else
            {
                stack.sendReset(remoteIp, localPort, remotePort, ack, 0, false, now);
                return;
            }
        }
        else if (!onAck(segment, seq, now))
        {
            return;
        }
        if (state == TcpState.CLOSED)
        {
            return;
        }

        // seventh: the segment text; eighth: FIN
        boolean readable = false;
        if (payloadLength > 0)
        {
            readable = onText(segment, seq, payloadLength, now);
            if (state == TcpState.CLOSED)
            {
                return;
            }
        }
        if ((flags & FIN) != 0)
        {
            readable |= onFin(seq + payloadLength, now);
        }
        if (finPending && rcvNxt == finPendingSeq)
        {
            readable |= processFin(now);
        }
        if (readable && handler != null && !appClosed)
        {
            handler.onReadable(this, now);
        }
        if (state == TcpState.TIME_WAIT)
        {
            notifyClosed(CloseReason.CLOSED, now); // after the application read what came with the FIN
        }
    }

    /** The four cases of RFC 9293 3.10.7.4 "first, check sequence number". */
    private boolean acceptable(final int seq, final int segLength, final int rcvWnd)
    {
        if (segLength == 0)
        {
            return rcvWnd == 0 ? seq == rcvNxt : Seq.inRange(seq, rcvNxt, rcvNxt + rcvWnd);
        }
        if (rcvWnd == 0)
        {
            return false;
        }
        final int right = rcvNxt + rcvWnd;
        return Seq.inRange(seq, rcvNxt, right) || Seq.inRange(seq + segLength - 1, rcvNxt, right);
    }

    /** An unacceptable segment is answered with an ACK (rate-limited when it carries nothing, as Linux does). */
    private void acknowledgeUnacceptable(final int segLength, final long now)
    {
        if (segLength == 0)
        {
            if (lastOutOfWindowAckAt != Long.MIN_VALUE && now - lastOutOfWindowAckAt < OUT_OF_WINDOW_ACK_INTERVAL_NANOS)
            {
                return;
            }
            lastOutOfWindowAckAt = now;
        }
        ackNow = true;
    }

    /** RFC 5961 3.2 / 4.2 / 5.2: an ACK telling the peer where we are, within the stack's rate limit (section 7). */
    private void challengeAck(final long now)
    {
        if (stack.challengeAckAllowed(now))
        {
            stack.counters.increment(TcpCounter.CHALLENGE_ACKS);
            sendAck(now);
        }
        else
        {
            stack.counters.increment(TcpCounter.CHALLENGE_ACKS_LIMITED);
        }
    }

    /** RFC 9293 3.10.7.4 "second, check the RST bit", once SEG.SEQ = RCV.NXT. */
    private void onReset(final long now)
    {
        if (state == TcpState.SYN_RECEIVED)
        {
            terminate(passive ? CloseReason.RESET : CloseReason.REFUSED, null, now);
            return;
        }
        if (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT)
        {
            stack.counters.increment(TcpCounter.ESTABLISHED_RESETS);
        }
        terminate(CloseReason.RESET, null, now);
    }

    /** SYN-RECEIVED, its SYN acknowledged: ESTABLISHED (RFC 9293 3.10.7.4 "fifth", SYN-RECEIVED). */
    private void enterEstablishedOnAck(final TcpFlyweight segment, final int seq, final long now)
    {
        final int ack = segment.acknowledgment();
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna))
        {
            sndNxt = sndUna;
        }
        sndWnd = segment.window() << sndWscale;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seq;
        sndWl2 = ack;
        sampleRtt(ack, now);
        retransmissions = 0;
        rtoAt = NONE;
        if (tsOk && segment.hasTimestamps())
        {
            tsRecent = segment.timestampValue();
        }
        established(now);
    }

    /**
     * RFC 9293 3.10.7.4 "fifth, check the ACK field" in ESTABLISHED and after.
     *
     * @return false when the segment is to be dropped.
     */
    private boolean onAck(final TcpFlyweight segment, final int seq, final long now)
    {
        final int ack = segment.acknowledgment();
        if (Seq.gt(ack, sndMax))
        {
            // acknowledges something not yet sent
            stack.counters.increment(TcpCounter.OUT_OF_WINDOW);
            acknowledgeUnacceptable(segment.sequenceLength(), now);
            return false;
        }
        if (Seq.lt(ack, sndUna - maxSndWnd))
        {
            // RFC 5961 5.2: too old to be acceptable
            challengeAck(now);
            return false;
        }
        if (tsOk && segment.hasTimestamps() && Seq.le(seq, lastAckSent))
        {
            // RFC 7323 4.3: the timestamp to echo is that of the segment that advanced the left edge
            tsRecent = segment.timestampValue();
        }
        if (sackOk && segment.sackBlockCount() > 0)
        {
            updateScoreboard(segment);
        }
        final int window = segment.window() << sndWscale;
        if (Seq.gt(ack, sndUna))
        {
            if (eifelPending)
            {
                eifelPending = false;
                if (segment.hasTimestamps() && Seq.lt(segment.timestampEchoReply(), eifelTsValue))
                {
                    // RFC 4015: a spurious timeout: restore the window, and send new data rather than resend what
                    // arrived
                    stack.counters.increment(TcpCounter.SPURIOUS_TIMEOUTS);
                    cc.undo(eifelCwnd, eifelSsthresh);
                    sndNxt = sndMax;
                }
            }
            onNewAck(ack, now);
        }
        else if (ack == sndUna && segment.payloadLength() == 0 && !segment.hasFlags(FIN) && window == sndWnd &&
            sndMax != sndUna && sndWnd > 0)
        {
            onDuplicateAck(now);
        }
        // window update (RFC 9293 3.10.7.4): only from a segment newer than the last one that set it
        if (Seq.lt(sndWl1, seq) || (sndWl1 == seq && Seq.le(sndWl2, ack)))
        {
            final boolean opened = sndWnd == 0 && window > 0;
            sndWnd = window;
            maxSndWnd = Math.max(maxSndWnd, window);
            sndWl1 = seq;
            sndWl2 = ack;
            if (opened)
            {
                persistAt = NONE;
                persistBackoff = 0;
                if (sndMax != sndUna)
                {
                    rtoAt = now + rtt.rtoNanos();
                }
            }
        }
        probes = 0; // the peer answers: probing goes on as long as it does (Linux)
        onOwnFinAcknowledged(now);
        return state != TcpState.CLOSED;
    }

    private void onNewAck(final int ack, final long now)
    {
        final int acked = ack - sndUna;
        final int flightBefore = sndMax - sndUna;
        int dataAcked = acked;
        if (finQueued && Seq.gt(ack, finSeq()))
        {
            dataAcked--; // the FIN takes a sequence number, not a byte
            finAcked = true;
        }
        sendBuffer.acknowledge(dataAcked);
        bytesAcked += dataAcked;
        sndUna = ack;
        if (Seq.lt(sndNxt, sndUna))
        {
            sndNxt = sndUna;
        }
        if (Seq.lt(highRxt, sndUna))
        {
            highRxt = sndUna;
        }
        sampleRtt(ack, now);
        retransmissions = 0;
        pruneScoreboard();
        if (cc.onAck(ack, acked, flightBefore, sndMax, cwndLimited, maxFlight) == CongestionControl.AckAction.RETRANSMIT_FIRST)
        {
            // RFC 6582 3.2 step 3: a partial ACK: retransmit the first unacknowledged segment, or with SACK the
            // first hole not retransmitted yet (the others went on earlier duplicate ACKs)
            final int hole = sackOk && Seq.lt(sndUna, highRxt) ? nextHole(highRxt) : sndUna;
            if (hole != sndMax)
            {
                retransmitHole(hole, now);
            }
        }
        if (sndUna == sndMax)
        {
            rtoAt = NONE; // RFC 6298 5.2: everything acknowledged
        }
        else
        {
            rtoAt = now + rtt.rtoNanos(); // 5.3: restart (the persist timer takes over if the window closed)
        }
        if (writeBlocked && handler != null && !appClosed && sendBuffer.free() >= settings.sendBufferMax() / 4)
        {
            writeBlocked = false;
            handler.onWritable(this, now);
        }
    }

    private void onDuplicateAck(final long now)
    {
        final int flight = sndMax - sndUna;
        if (cc.onDuplicateAck(sndUna, flight, sndMax) == CongestionControl.DupAckAction.FAST_RETRANSMIT)
        {
            stack.counters.increment(TcpCounter.FAST_RETRANSMITS);
            highRxt = sndUna;
            retransmitHole(sndUna, now);
        }
        else if (cc.inRecovery() && sackOk)
        {
            // RFC 6675 NextSeg rule 1: a hole below the highest SACKed byte not yet retransmitted
            final int hole = nextHole(highRxt);
            if (hole != sndMax)
            {
                retransmitHole(hole, now);
            }
        }
    }

    /** The FIN we sent was acknowledged: FIN-WAIT-1, CLOSING and LAST-ACK move on (RFC 9293 3.10.7.4). */
    private void onOwnFinAcknowledged(final long now)
    {
        if (!finAcked)
        {
            return;
        }
        switch (state)
        {
            case FIN_WAIT_1:
                state = TcpState.FIN_WAIT_2;
                if (appClosed)
                {
                    closeAt = now + settings.finWait2Timeout().toNanos();
                }
                break;
            case CLOSING:
                enterTimeWait(now);
                break;
            case LAST_ACK:
                terminate(CloseReason.CLOSED, null, now);
                break;
            default:
                break;
        }
    }

    /**
     * RFC 9293 3.10.7.4 "seventh, process the segment text".
     *
     * @return whether new in-order data is readable.
     */
    private boolean onText(final TcpFlyweight segment, final int seq, final int payloadLength, final long now)
    {
        if (state != TcpState.ESTABLISHED && state != TcpState.FIN_WAIT_1 && state != TcpState.FIN_WAIT_2)
        {
            return false; // the peer already sent its FIN: anything more is ignored
        }
        if (appClosed && Seq.gt(seq + payloadLength, rcvNxt))
        {
            // nobody reads any more: reset, as Linux does (TCPAbortOnData)
            stack.sendReset(remoteIp, localPort, remotePort, acceptableSeq(), 0, false, now);
            terminate(CloseReason.ABORTED, null, now);
            return false;
        }
        int dataSeq = seq;
        int offset = segment.payloadOffset();
        int length = payloadLength;
        if (Seq.lt(dataSeq, rcvNxt))
        {
            final int cut = Math.min(length, rcvNxt - dataSeq);
            dataSeq += cut;
            offset += cut;
            length -= cut;
        }
        final int right = rcvAdvRight;
        if (Seq.gt(dataSeq + length, right))
        {
            length = Math.max(0, right - dataSeq);
        }
        if (length < payloadLength)
        {
            ackNow = true; // partly old or beyond the window: say where we are
        }
        if (length <= 0)
        {
            return false;
        }
        final boolean hadGap = receiveBuffer.hasOutOfOrder();
        final int advance = receiveBuffer.insert(dataSeq - rcvNxt, segment.buffer(), offset, length);
        if (advance > 0)
        {
            rcvNxt += advance;
            bytesReceived += advance;
            if (hadGap)
            {
                ackNow = true; // a hole filled (RFC 5681 4.2)
            }
            else if (++segmentsUnacked >= 2 || length >= 2 * announcedMss)
            {
                ackNow = true; // every second full segment
            }
            else if (delayedAckAt == NONE)
            {
                delayedAckAt = now + settings.delayedAck().toNanos();
            }
            return true;
        }
        if (advance < 0)
        {
            stack.counters.increment(TcpCounter.OUT_OF_ORDER_DROPPED);
        }
        ackNow = true; // out of order: a duplicate ACK at once, with SACK blocks (RFC 5681 4.2)
        return false;
    }

    /**
     * RFC 9293 3.10.7.4 "eighth, check the FIN bit".
     *
     * @return whether the application has something new to read (the end of the stream).
     */
    private boolean onFin(final int finSeq, final long now)
    {
        if (Seq.gt(finSeq, rcvAdvRight) || Seq.lt(finSeq, rcvNxt))
        {
            return false;
        }
        if (finSeq == rcvNxt)
        {
            return processFin(now);
        }
        finPending = true; // out of order: it counts once the data before it is in
        finPendingSeq = finSeq;
        ackNow = true;
        return false;
    }

    private boolean processFin(final long now)
    {
        finPending = false;
        if (finReceived)
        {
            ackNow = true;
            if (state == TcpState.TIME_WAIT)
            {
                closeAt = now + settings.timeWait().toNanos();
            }
            return false;
        }
        finReceived = true;
        rcvNxt += 1;
        ackNow = true;
        switch (state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                state = TcpState.CLOSE_WAIT;
                break;
            case FIN_WAIT_1:
                if (finAcked)
                {
                    enterTimeWait(now);
                }
                else
                {
                    state = TcpState.CLOSING;
                }
                break;
            case FIN_WAIT_2:
                enterTimeWait(now);
                break;
            default:
                break;
        }
        return true;
    }

    private void enterTimeWait(final long now)
    {
        state = TcpState.TIME_WAIT;
        rtoAt = NONE;
        persistAt = NONE;
        closeAt = now + settings.timeWait().toNanos();
    }

    /**
     * A SYN reached this connection in TIME-WAIT: may it start a new incarnation (RFC 9293 3.10.7.4, RFC 6191)?
     *
     * @param seq the SYN's sequence number.
     * @return whether it lies beyond everything of the old one.
     */
    boolean acceptsNewIncarnation(final int seq)
    {
        return Seq.gt(seq, rcvNxt);
    }

    // ---------------------------------------------------------------- timers

    /** @return the earliest deadline of this connection's timers, or {@link #NONE}. */
    long nextDeadline()
    {
        return Math.min(Math.min(rtoAt, persistAt), Math.min(delayedAckAt, closeAt));
    }

    /**
     * Whatever came due: close, delayed ACK, retransmission, persist probe.
     *
     * @param now the stack's clock.
     */
    void onTimer(final long now)
    {
        if (now >= closeAt)
        {
            closeAt = NONE;
            if (state == TcpState.TIME_WAIT)
            {
                terminate(CloseReason.CLOSED, null, now);
            }
            else if (state == TcpState.FIN_WAIT_2)
            {
                // the peer never sent its FIN: give up as Linux's tcp_fin_timeout does, with a reset
                stack.sendReset(remoteIp, localPort, remotePort, acceptableSeq(), rcvNxt, true, now);
                terminate(CloseReason.TIMED_OUT, null, now);
            }
            if (state == TcpState.CLOSED)
            {
                return;
            }
        }
        if (now >= delayedAckAt)
        {
            delayedAckAt = NONE;
            ackNow = true;
        }
        if (now >= rtoAt)
        {
            rtoAt = NONE;
            onRetransmitTimeout(now);
            if (state == TcpState.CLOSED)
            {
                return;
            }
        }
        if (now >= persistAt)
        {
            persistAt = NONE;
            onPersistTimeout(now);
            if (state == TcpState.CLOSED)
            {
                return;
            }
        }
        dispatch(now);
    }

    /**
     * RFC 6298 5.4-5.7, RFC 5681 3.1: retransmit the earliest unacknowledged segment, back off, start again.
     * <p>
     * With the peer's window zero the retransmission is a window probe (Linux's {@code tcp_retransmit_timer}): the
     * connection gives up when the peer stops answering, not after so many retransmissions into a window it keeps
     * closed, so the timeout counts as a probe, which any ACK from the peer forgives ({@link #onAck}).
     */
    private void onRetransmitTimeout(final long now)
    {
        stack.counters.increment(TcpCounter.TIMEOUTS);
        final boolean handshake = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED;
        final boolean probe = !handshake && sndWnd == 0;
        final int attempts = probe ? ++probes : ++retransmissions;
        final int limit = handshake ? settings.synRetries() : settings.retries();
        if (attempts > limit)
        {
            stack.counters.increment(TcpCounter.CONNECTION_TIMEOUTS);
            terminate(softError != null ? CloseReason.UNREACHABLE : CloseReason.TIMED_OUT, softError, now);
            return;
        }
        rtt.backOff();
        timing = false; // Karn: nothing retransmitted is timed
        if (handshake)
        {
            transmit(iss, state == TcpState.SYN_SENT ? SYN : SYN | ACK, 0, 0, now);
            countRetransmit();
            rtoAt = now + rtt.rtoNanos();
            return;
        }
        if (tsOk && retransmissions == 1 && !probe)
        {
            // RFC 3522: if the ACK that follows echoes an older timestamp than this retransmission's, the original
            // arrived and the timeout was spurious (a stall, not a loss): remember what to put back
            eifelPending = true;
            eifelTsValue = tsValue(now);
            eifelCwnd = cc.cwnd();
            eifelSsthresh = cc.ssthresh();
        }
        cc.onRetransmitTimeout(sndMax - sndUna, sndMax);
        scoreboardRanges = 0; // RFC 2018 8: SACK information is advisory, forgotten after a timeout
        highRxt = sndUna;
        sndNxt = sndUna; // go back N: resend from the first unacknowledged byte as the window allows
        retransmitHead(now);
        rtoAt = now + rtt.rtoNanos();
    }

    /**
     * The timer's retransmission of the segment at SND.UNA (Linux's {@code __tcp_retransmit_skb}), which goes whatever
     * the peer's window: cut to that window when it is smaller than the segment, a whole segment when it is zero
     * (a probe); never more than was sent before, and with the FIN if that was. Go-back-N's {@link #sendData} cannot
     * be left to it: a window smaller than a segment is one that silly window avoidance holds data back from, and
     * with data outstanding the persist timer does not run, so nothing would go until the peer opened its window,
     * and a lost window update would never be asked for again.
     */
    private void retransmitHead(final long now)
    {
        if (!stack.output.canSendData(remoteIp))
        {
            return; // the way out is full: sendData waits for room, and the timer, backed off, comes again
        }
        final int buffered = sendBuffer.size();
        final int window = sndWnd > 0 ? sndWnd : mss; // a zero window takes a whole segment: a probe
        final int length = Math.min(Math.min(mss, window), Math.min(buffered, sndMax - sndUna));
        final boolean fin = finQueued && length == buffered && Seq.ge(sndMax, finSeq() + 1);
        if (length <= 0 && !fin)
        {
            return;
        }
        final int sent = transmit(sndUna, ACK | (length == buffered && length > 0 ? PSH : 0) | (fin ? FIN : 0), 0, length, now);
        countRetransmit();
        sndNxt = sndUna + sent + (fin && sent == length ? 1 : 0);
    }

    /**
     * RFC 9293 3.8.6.1: the peer's window is zero and we have data: probe it, one byte, backing off. A window
     * smaller than a segment that silly window avoidance held back is filled instead (3.8.6.2.1's override).
     */
    private void onPersistTimeout(final long now)
    {
        if (!windowHeld())
        {
            if (sndMax != sndUna && rtoAt == NONE)
            {
                // the probe's byte was all there was to send: nothing is left to probe with, and should the probe's
                // answer and the window update both be lost, only the retransmission timer can ask again (it resends
                // the head whatever the window: retransmitHead)
                rtoAt = now + rtt.rtoNanos();
            }
            return;
        }
        final int room = sndUna + sndWnd - sndNxt;
        if (sndWnd > 0 && room > 0 && sndMax == sndUna)
        {
            // RFC 9293 3.8.6.2.1 override: a window too small for a full segment is filled after all
            final int sent = transmit(sndNxt, ACK, sndNxt - sndUna, Math.min(room, sendBuffer.size() - (sndNxt - sndUna)), now);
            sndNxt += sent;
            if (Seq.gt(sndNxt, sndMax))
            {
                bytesSent += sndNxt - sndMax;
                sndMax = sndNxt;
            }
            rtoAt = now + rtt.rtoNanos();
            return;
        }
        probes++;
        if (probes > settings.retries())
        {
            stack.counters.increment(TcpCounter.CONNECTION_TIMEOUTS);
            terminate(CloseReason.TIMED_OUT, null, now);
            return;
        }
        stack.counters.increment(TcpCounter.WINDOW_PROBES);
        if (sendBuffer.size() > 0)
        {
            // one byte beyond the window (RFC 9293 3.8.6.1): acknowledged if the window reopened meanwhile
            transmit(sndUna, ACK, 0, 1, now);
            if (Seq.lt(sndNxt, sndUna + 1))
            {
                sndNxt = sndUna + 1;
            }
            if (Seq.lt(sndMax, sndNxt))
            {
                sndMax = sndNxt;
            }
        }
        else
        {
            // only the FIN waits: an old sequence number asks for an ACK with the window (as Linux probes)
            transmit(sndUna - 1, ACK, 0, 0, now);
        }
        persistBackoff++;
        persistAt = now + Math.min(settings.rtoMax().toNanos(), rtt.rtoNanos() << Math.min(persistBackoff, 16));
    }

    // ---------------------------------------------------------------- sending

    /**
     * Send what the windows allow: new data, retransmissions after a timeout (go-back-N), the FIN, and any ACK owed.
     * Data waits while the way out is full ({@link SegmentOutput#canSendData(int)}); the stack calls again.
     *
     * @param now the stack's clock.
     * @return segments sent.
     */
    int dispatch(final long now)
    {
        // not queued = false here: a segment or a timer dispatches a connection that may be waiting in the stack's
        // queues, and only the stack, taking it out, may say it is no longer there (else it is queued again, twice)
        int sent = 0;
        if (state.synchronizedState() && state != TcpState.TIME_WAIT)
        {
            sent += sendData(now);
        }
        if (ackNow && state != TcpState.CLOSED && state != TcpState.SYN_SENT)
        {
            sendAck(now);
            sent++;
        }
        return sent;
    }

    private int sendData(final long now)
    {
        int segments = 0;
        boolean heldByCwnd = false;
        for (; segments < SEGMENTS_PER_DISPATCH; segments++)
        {
            final int offset = sndNxt - sndUna; // of the next byte to send, from SND.UNA, in the send buffer
            final int unsent = sendBuffer.size() - offset;
            final boolean finToSend = finQueued && Seq.le(sndNxt, finSeq());
            if (unsent <= 0 && !finToSend)
            {
                break;
            }
            final int inFlight = sndNxt - sndUna;
            final int windowRoom = sndUna + sndWnd - sndNxt;
            final int cwndRoom = cc.cwnd() - inFlight;
            if (cwndRoom < Math.min(mss, unsent) && cwndRoom < windowRoom)
            {
                heldByCwnd = true;
            }
            int length = Math.max(0, Math.min(Math.min(mss, unsent), Math.min(windowRoom, cwndRoom)));
            if (length < unsent && length < mss)
            {
                // silly window avoidance (RFC 9293 3.8.6.2.1): a runt only when half the largest window allows no more
                if (!(length > 0 && length == windowRoom && length >= maxSndWnd / 2))
                {
                    length = 0;
                }
            }
            else if (length == unsent && length < mss && length > 0 && !nodelay && !finQueued && sndMax != sndUna &&
                Seq.ge(sndNxt, sndMax))
            {
                // Nagle (RFC 896, RFC 9293 3.7.4): a small segment waits while data is unacknowledged
                length = 0;
            }
            final boolean fin = finToSend && length == unsent && windowRoom > length && cwndRoom >= length;
            if (length == 0 && !fin)
            {
                break;
            }
            if (!stack.output.canSendData(remoteIp))
            {
                stack.blocked(this);
                break;
            }
            final int seq = sndNxt;
            final int sent = transmit(seq, ACK | (length == unsent && length > 0 ? PSH : 0) | (fin ? FIN : 0), offset, length, now);
            final int end = seq + sent + (fin && sent == length ? 1 : 0);
            if (Seq.lt(seq, sndMax))
            {
                countRetransmit();
            }
            else if (sent > 0 && !timing)
            {
                startTiming(end, now);
            }
            if (Seq.gt(seq + sent, sndMax))
            {
                bytesSent += seq + sent - sndMax;
            }
            if (Seq.gt(end, sndMax))
            {
                sndMax = end;
            }
            sndNxt = end;
            if (rtoAt == NONE)
            {
                rtoAt = now + rtt.rtoNanos();
            }
        }
        armPersist(now);
        validateCwnd(heldByCwnd);
        return segments;
    }

    /**
     * Linux's {@code tcp_cwnd_validate}: for the round trip under way, whether the window held the sender back at
     * some point, else the most it had outstanding; a new round trip starts once what was sent when it began is
     * acknowledged.
     */
    private void validateCwnd(final boolean heldByCwnd)
    {
        final int flight = sndNxt - sndUna;
        if (Seq.ge(sndUna, cwndUsageSeq) || heldByCwnd || !cwndLimited && flight > maxFlight)
        {
            cwndLimited = heldByCwnd;
            maxFlight = flight;
            cwndUsageSeq = sndNxt;
        }
    }

    /** Nothing outstanding, data waiting, a zero window: the persist timer runs instead of the retransmission timer. */
    private void armPersist(final long now)
    {
        if (windowHeld() && Seq.ge(sndNxt, sndMax) && Seq.le(sndMax, sndUna + 1))
        {
            rtoAt = NONE;
            if (persistAt == NONE)
            {
                persistAt = now + rtt.rtoNanos();
            }
        }
    }

    /** Data waits and the peer's window is zero, or too small to send any under silly window avoidance. */
    private boolean windowHeld()
    {
        if (!hasDataToSend())
        {
            return false;
        }
        final int unsent = sendBuffer.size() - (sndNxt - sndUna);
        return sndWnd == 0 || sndUna + sndWnd - sndNxt < Math.min(mss, unsent);
    }

    private boolean hasDataToSend()
    {
        return sendBuffer.size() > sndNxt - sndUna || (finQueued && Seq.le(sndNxt, finSeq()));
    }

    /** Retransmit one segment starting at {@code from} (fast retransmit, a partial ACK, a SACK hole). */
    private void retransmitHole(final int from, final long now)
    {
        final int offset = from - sndUna;
        final int end = holeEnd(from);
        final int length = Math.min(mss, Math.min(end - from, sendBuffer.size() - offset));
        final boolean fin = finQueued && length == sendBuffer.size() - offset && Seq.ge(sndMax, finSeq() + 1);
        if (length <= 0 && !fin)
        {
            return;
        }
        final int sent = transmit(from, ACK | (fin ? FIN : 0), offset, Math.max(0, length), now);
        countRetransmit();
        if (timing && Seq.gt(timedSeq, from))
        {
            timing = false; // Karn
        }
        highRxt = Seq.max(highRxt, from + Math.max(sent, 1));
        rtoAt = now + rtt.rtoNanos();
    }

    private void countRetransmit()
    {
        retransmits++;
        stack.counters.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
    }

    /** @return the TSval clock: milliseconds, from this connection's random offset (RFC 7323 5.4). */
    private int tsValue(final long now)
    {
        return (int)(now / 1_000_000L) + tsOffset;
    }

    /**
     * A segment with nothing but the ACK, its sequence number one the peer accepts ({@link #acceptableSeq()}).
     */
    private void sendAck(final long now)
    {
        transmit(acceptableSeq(), ACK, 0, 0, now);
    }

    /**
     * The sequence number of a segment without data, an ACK or a reset (Linux's {@code tcp_acceptable_seq}, which
     * its {@code tcp_send_ack} and {@code tcp_send_active_reset} take): SND.MAX, the highest sent
     * (what Linux's {@code snd_nxt} is), unless that lies beyond the right edge of the peer's window, then that
     * edge. After a timeout SND.NXT goes back to resend, and a number below the peer's RCV.NXT would be dropped
     * unread; but a zero-window probe takes SND.MAX one byte past a closed window, and a peer whose window is zero
     * accepts only SEG.SEQ = RCV.NXT (RFC 9293 3.10.7.4): every ACK at SND.MAX would be dropped unread, its
     * acknowledgment with it, while that peer (one that reads nothing until it has sent everything) waits for it;
     * a reset at SND.MAX would be dropped too (RFC 5961 3.2: only at exactly RCV.NXT), that peer's connection left
     * behind.
     */
    private int acceptableSeq()
    {
        final int windowEnd = sndUna + sndWnd;
        return Seq.lt(windowEnd, sndMax) ? windowEnd : sndMax;
    }

    /**
     * Write and send one segment.
     *
     * @return data bytes sent: {@code length}, or fewer when SACK blocks left less room under the path MTU.
     */
    private int transmit(final int seq, final int flags, final int dataOffset, final int length, final long now)
    {
        final SegmentOutput output = stack.output;
        final MutableDirectBuffer buffer = output.segmentBuffer();
        final int at = output.segmentOffset();
        final TcpFlyweight tx = stack.tx;
        final boolean syn = (flags & SYN) != 0;
        final int tsValue = tsValue(now);
        tx.wrap(buffer, at, TcpFlyweight.MAX_HEADER_LENGTH);
        final int options;
        if (syn)
        {
            options = tx.writeSynOptions(
                announcedMss,
                synWindowScale(),
                state == TcpState.SYN_SENT ? settings.sack() : sackOk,
                state == TcpState.SYN_SENT ? settings.timestamps() : tsOk,
                tsValue,
                state == TcpState.SYN_SENT ? 0 : tsRecent);
        }
        else
        {
            final int blocks = sackOk && receiveBuffer.hasOutOfOrder() ?
                receiveBuffer.sackBlocks(rcvNxt, stack.sackLeft, stack.sackRight, TcpFlyweight.MAX_SACK_BLOCKS) : 0;
            options = tx.writeOptions(tsOk, tsValue, tsRecent, blocks, stack.sackLeft, stack.sackRight);
        }
        final int headerLength = TcpFlyweight.MIN_HEADER_LENGTH + options;
        final int data = Math.max(0, Math.min(length, pathMtu - 20 - headerLength));
        final boolean ack = (flags & ACK) != 0;
        final int sentFlags = data < length ? flags & ~(FIN | PSH) : flags;
        tx.writeHeader(localPort, remotePort, seq, ack ? rcvNxt : 0, headerLength, sentFlags, windowField(syn));
        if (data > 0)
        {
            sendBuffer.copy(dataOffset, buffer, at + headerLength, data);
        }
        tx.wrap(buffer, at, headerLength + data).updateChecksum(stack.localIp, remoteIp);
        output.sendSegment(remoteIp, headerLength + data, now);
        stack.counters.increment(TcpCounter.SEGMENTS_OUT);
        if (ack)
        {
            lastAckSent = rcvNxt;
            ackNow = false;
            segmentsUnacked = 0;
            delayedAckAt = NONE;
        }
        return data;
    }

    /** The window scale a SYN offers (SYN-SENT), or a SYN-ACK confirms (only when the peer's SYN offered one). */
    private int synWindowScale()
    {
        if (state == TcpState.SYN_SENT)
        {
            return settings.windowScaling() ? settings.receiveWindowScale() : TcpFlyweight.NO_WINDOW_SCALE;
        }
        return wsOk ? rcvWscale : TcpFlyweight.NO_WINDOW_SCALE;
    }

    /**
     * The window field: the room in the receive buffer, never moving the right edge left (RFC 9293 3.8.6.2.2),
     * moving it right only by at least min(half the buffer, MSS) (receiver SWS avoidance), in units of the scale.
     */
    private int windowField(final boolean syn)
    {
        final int room = receiveBuffer.window();
        if (syn)
        {
            final int window = Math.min(room, 0xFFFF);
            if (state != TcpState.SYN_SENT)
            {
                rcvAdvRight = rcvNxt + window;
            }
            return window;
        }
        final int scale = rcvWscale;
        final int promised = rcvAdvRight - rcvNxt;
        int offer = room;
        if (offer <= promised || offer - promised < windowThreshold)
        {
            offer = Math.max(promised, 0);
        }
        int field = offer >>> scale;
        if ((field << scale) < promised)
        {
            // rounding down would move the edge left: round up, within the buffer's slack
            field = Math.min((promised + (1 << scale) - 1) >>> scale, (room + (1 << scale)) >>> scale);
        }
        field = Math.min(field, 0xFFFF);
        rcvAdvRight = rcvNxt + (field << scale);
        return field;
    }

    // ---------------------------------------------------------------- round trips, SACK scoreboard

    private void startTiming(final int ackNeeded, final long now)
    {
        timing = true;
        timedSeq = ackNeeded;
        timedAt = now;
    }

    private void sampleRtt(final int ack, final long now)
    {
        if (timing && Seq.ge(ack, timedSeq))
        {
            timing = false;
            rtt.sample(now - timedAt);
        }
    }

    /** Record the SACK blocks of an ACK (RFC 2018): ranges above SND.UNA the peer holds. */
    private void updateScoreboard(final TcpFlyweight segment)
    {
        for (int b = 0; b < segment.sackBlockCount(); b++)
        {
            final int left = segment.sackLeft(b);
            final int right = segment.sackRight(b);
            if (!Seq.lt(left, right) || Seq.le(right, sndUna) || Seq.gt(right, sndMax))
            {
                continue; // a D-SACK or nonsense: ignored
            }
            addSacked(Seq.max(left, sndUna), right);
        }
    }

    private void addSacked(final int left, final int right)
    {
        int start = left;
        int end = right;
        int kept = 0;
        for (int i = 0; i < scoreboardRanges; i++)
        {
            if (Seq.le(sackedStart[i], end) && Seq.ge(sackedEnd[i], start))
            {
                start = Seq.min(start, sackedStart[i]);
                end = Seq.max(end, sackedEnd[i]);
                continue;
            }
            sackedStart[kept] = sackedStart[i];
            sackedEnd[kept] = sackedEnd[i];
            kept++;
        }
        scoreboardRanges = kept;
        if (scoreboardRanges == SCOREBOARD_RANGES)
        {
            scoreboardRanges--; // forget the highest range: the scoreboard is advisory
        }
        int insertAt = scoreboardRanges;
        while (insertAt > 0 && Seq.gt(sackedStart[insertAt - 1], start))
        {
            sackedStart[insertAt] = sackedStart[insertAt - 1];
            sackedEnd[insertAt] = sackedEnd[insertAt - 1];
            insertAt--;
        }
        sackedStart[insertAt] = start;
        sackedEnd[insertAt] = end;
        scoreboardRanges++;
    }

    private void pruneScoreboard()
    {
        int kept = 0;
        for (int i = 0; i < scoreboardRanges; i++)
        {
            if (Seq.gt(sackedEnd[i], sndUna))
            {
                sackedStart[kept] = Seq.max(sackedStart[i], sndUna);
                sackedEnd[kept] = sackedEnd[i];
                kept++;
            }
        }
        scoreboardRanges = kept;
    }

    /** @return the first sequence number at or after {@code from} the peer does not hold, below the highest SACKed; else SND.MAX. */
    private int nextHole(final int from)
    {
        if (scoreboardRanges == 0)
        {
            return sndMax;
        }
        int at = Seq.max(from, sndUna);
        for (int i = 0; i < scoreboardRanges; i++)
        {
            if (Seq.lt(at, sackedStart[i]))
            {
                return at;
            }
            if (Seq.lt(at, sackedEnd[i]))
            {
                at = sackedEnd[i];
            }
        }
        return sndMax;
    }

    /** @return where the hole starting at {@code from} ends: the next SACKed range, or SND.MAX. */
    private int holeEnd(final int from)
    {
        for (int i = 0; i < scoreboardRanges; i++)
        {
            if (Seq.gt(sackedStart[i], from))
            {
                return sackedStart[i];
            }
        }
        return sndMax;
    }

    // ---------------------------------------------------------------- ICMP (RFC 5927, RFC 1191, RFC 1122 4.2.3.9)

    /**
     * An ICMP error quoting a segment of ours.
     *
     * @param type         its name, e.g. {@code host-unreachable}, {@code frag-needed}.
     * @param fragmentation whether it is fragmentation-needed.
     * @param nextHopMtu   the MTU it reports (fragmentation-needed), else 0.
     * @param quotedSeq    the sequence number of the quoted segment.
     * @param now          the stack's clock.
     */
    void onIcmpError(final String type, final boolean fragmentation, final int nextHopMtu, final int quotedSeq, final long now)
    {
        if (!Seq.inRange(quotedSeq, sndUna, sndMax + 1))
        {
            stack.counters.increment(TcpCounter.ICMP_IGNORED); // RFC 5927 4.1: not a segment in flight
            return;
        }
        if (fragmentation)
        {
            final int mtu = Math.max(MIN_PATH_MTU, nextHopMtu);
            if (nextHopMtu > 0 && mtu < pathMtu)
            {
                stack.counters.increment(TcpCounter.PMTU_REDUCTIONS);
                pathMtu = mtu;
                updateMss();
                cc.onMssChanged(mss);
                // Linux's tcp_simple_retransmit: what was too large is sent again, smaller, without a window cut
                sndNxt = sndUna;
                timing = false;
                stack.requestOutput(this);
            }
            return;
        }
        if (state == TcpState.SYN_SENT || (state == TcpState.SYN_RECEIVED && !passive))
        {
            // a connection attempt meets an unreachable destination: it fails (Linux tcp_v4_err)
            terminate(CloseReason.UNREACHABLE, type, now);
            return;
        }
        softError = type; // RFC 1122 4.2.3.9: soft errors only; reported if the connection times out
    }

    // ---------------------------------------------------------------- the application's calls

    /**
     * Queue data to send.
     *
     * @return bytes accepted (all, or as many as the send buffer takes; then {@link TcpHandler#onWritable} follows
     * when it has room); 0 once the connection can send no more.
     */
    public int write(final DirectBuffer src, final int offset, final int length)
    {
        if (finQueued || appClosed || state == TcpState.CLOSED || state.ordinal() > TcpState.CLOSE_WAIT.ordinal())
        {
            return 0;
        }
        final int accepted = sendBuffer.write(src, offset, length);
        if (accepted < length)
        {
            writeBlocked = true;
        }
        if (accepted > 0)
        {
            stack.requestOutput(this);
        }
        return accepted;
    }

    /**
     * @return bytes the send buffer takes now. A 0 while the connection still sends promises
     * {@link TcpHandler#onWritable} once it has room, as a write cut short does (Linux's poll sets {@code SOCK_NOSPACE}
     * for the write-space callback): an application that writes only what this allows is never cut short.
     */
    public int writable()
    {
        if (finQueued || appClosed)
        {
            return 0;
        }
        final int free = sendBuffer.free();
        if (free == 0)
        {
            writeBlocked = true;
        }
        return free;
    }

    /**
     * Read in-order data.
     *
     * @return bytes read; 0 when there are none (see {@link #peerClosed()}).
     */
    public int read(final MutableDirectBuffer dst, final int offset, final int length)
    {
        final int count = receiveBuffer.read(dst, offset, length);
        afterRead(count);
        return count;
    }

    /**
     * Drop in-order data unread (a discard service).
     *
     * @return bytes dropped.
     */
    public int skip(final int length)
    {
        final int count = receiveBuffer.skip(length);
        afterRead(count);
        return count;
    }

    /**
     * Copy in-order data without consuming it.
     *
     * @return bytes copied.
     */
    public int peek(final int from, final MutableDirectBuffer dst, final int offset, final int length)
    {
        return receiveBuffer.peek(from, dst, offset, length);
    }

    /** @return the in-order byte at {@code index}, below {@link #readable()}, without consuming it. */
    public byte peekByte(final int index)
    {
        return receiveBuffer.get(index);
    }

    /** @return in-order bytes to read. */
    public int readable()
    {
        return receiveBuffer.readable();
    }

    /** @return whether the peer sent its FIN and everything before it has been read. */
    public boolean peerClosed()
    {
        return finReceived && receiveBuffer.readable() == 0;
    }

    /** After reading: announce a window that reopened (Linux's {@code tcp_cleanup_rbuf}, RFC 9293 3.8.6.2.2). */
    private void afterRead(final int count)
    {
        if (count <= 0 || !state.synchronizedState() || finReceived)
        {
            return;
        }
        // the sender may be stalled by a nearly closed window: no segment of its would bring the news
        final int promised = rcvAdvRight - rcvNxt;
        final int room = receiveBuffer.window();
        if (promised <= 2 * announcedMss && room - promised >= windowThreshold)
        {
            ackNow = true;
            stack.requestOutput(this);
        }
    }

    /**
     * Send segments as soon as they are written, not waiting for earlier ones to be acknowledged (Nagle off:
     * {@code TCP_NODELAY}).
     *
     * @param on whether to.
     * @return this.
     */
    public TcpConnection nodelay(final boolean on)
    {
        this.nodelay = on;
        return this;
    }

    /**
     * Half close ({@code shutdown(SHUT_WR)}): a FIN follows the data written; data from the peer still arrives.
     */
    public void shutdownOutput()
    {
        queueFin();
    }

    /**
     * Close ({@code close()}): the FIN follows the data written, nothing more is read, and the application hears
     * nothing more but {@link TcpHandler#onClosed}. Unread data makes it a reset (RFC 2525 2.17, as Linux).
     */
    public void close()
    {
        if (state == TcpState.CLOSED || appClosed)
        {
            return;
        }
        appClosed = true;
        if (receiveBuffer.readable() > 0 || (state == TcpState.SYN_SENT))
        {
            if (state == TcpState.SYN_SENT)
            {
                terminate(CloseReason.ABORTED, null, stack.now()); // RFC 9293 3.10.4: delete the TCB
                return;
            }
            abort();
            return;
        }
        queueFin();
        if (state == TcpState.FIN_WAIT_2)
        {
            closeAt = Math.min(closeAt, stack.now() + settings.finWait2Timeout().toNanos());
        }
    }

    private void queueFin()
    {
        if (finQueued || state == TcpState.CLOSED)
        {
            return;
        }
        finQueued = true;
        if (state == TcpState.ESTABLISHED)
        {
            state = TcpState.FIN_WAIT_1;
        }
        else if (state == TcpState.CLOSE_WAIT)
        {
            state = TcpState.LAST_ACK;
        }
        stack.requestOutput(this);
    }

    /**
     * Abort ({@code SO_LINGER} 0, RFC 9293 3.10.5): a reset to the peer, the connection gone at once.
     */
    public void abort()
    {
        if (state == TcpState.CLOSED)
        {
            return;
        }
        final long now = stack.now();
        if (state != TcpState.SYN_SENT && state != TcpState.TIME_WAIT)
        {
            // RFC 9293 3.10.5 <SEQ=SND.NXT><CTL=RST>, with the ACK Linux adds, at a sequence number the peer accepts
            // (Linux's tcp_send_active_reset); in SYN-RECEIVED the SYN's end, which no window limits
            final int seq = state == TcpState.SYN_RECEIVED ? sndMax : acceptableSeq();
            stack.sendReset(remoteIp, localPort, remotePort, seq, rcvNxt, true, now);
        }
        terminate(CloseReason.ABORTED, null, now);
    }

    /** The connection ends: timers stop, the stack forgets it, the application hears it (once). */
    void terminate(final CloseReason reason, final String detail, final long now)
    {
        final boolean wasEstablished = state.synchronizedState();
        if (!wasEstablished && reason != CloseReason.CLOSED)
        {
            stack.counters.increment(TcpCounter.ATTEMPT_FAILS);
        }
        state = TcpState.CLOSED;
        rtoAt = NONE;
        persistAt = NONE;
        delayedAckAt = NONE;
        closeAt = NONE;
        if (detail != null)
        {
            errorDetail = detail;
        }
        stack.remove(this);
        notifyClosed(reason, now);
    }

    private void notifyClosed(final CloseReason reason, final long now)
    {
        if (closeReason != null)
        {
            return;
        }
        closeReason = reason;
        final TcpHandler app = handler;
        handler = null;
        if (app != null)
        {
            app.onClosed(this, reason, now);
        }
    }

    // ---------------------------------------------------------------- what it looks like

    private int finSeq()
    {
        return sndUna + sendBuffer.size() - (finAcked ? 1 : 0);
    }

    /** @return the state. */
    public TcpState state()
    {
        return state;
    }

    /** @return the local port. */
    public int localPort()
    {
        return localPort;
    }

    /** @return the remote address. */
    public int remoteIp()
    {
        return remoteIp;
    }

    /** @return the remote port. */
    public int remotePort()
    {
        return remotePort;
    }

    /** @return why it ended, or null while it lasts for its application. */
    public CloseReason closeReason()
    {
        return closeReason;
    }

    /** @return what the ICMP error that ended or troubled it said, e.g. {@code host-unreachable}; or null. */
    public String errorDetail()
    {
        return errorDetail != null ? errorDetail : softError;
    }

    /** @return bytes of data per segment sent. */
    public int mss()
    {
        return mss;
    }

    /** @return the path MTU in use. */
    public int pathMtu()
    {
        return pathMtu;
    }

    /** @return the congestion window in bytes. */
    public int cwnd()
    {
        return cc.cwnd();
    }

    /** @return the smoothed round-trip time in nanoseconds, 0 before any measurement. */
    public long srttNanos()
    {
        return rtt.srttNanos();
    }

    /** @return the retransmission timeout in nanoseconds. */
    public long rtoNanos()
    {
        return rtt.rtoNanos();
    }

    /** @return segments sent again. */
    public long retransmits()
    {
        return retransmits;
    }

    /** @return data bytes the peer acknowledged. */
    public long bytesAcked()
    {
        return bytesAcked;
    }

    /** @return data bytes received in order. */
    public long bytesReceived()
    {
        return bytesReceived;
    }

    /** @return bytes written and not yet acknowledged. */
    public int sendQueue()
    {
        return sendBuffer.size();
    }

    /** @return the peer's window in bytes. */
    public int sendWindow()
    {
        return sndWnd;
    }

    /** @return whether timestamps, SACK and window scaling were agreed: e.g. {@code "ts sack wscale:7,7"}. */
    String optionsText()
    {
        final StringBuilder text = new StringBuilder();
        if (tsOk)
        {
            text.append("ts ");
        }
        if (sackOk)
        {
            text.append("sack ");
        }
        if (state != TcpState.SYN_SENT && (sndWscale > 0 || rcvWscale > 0))
        {
            text.append("wscale:").append(sndWscale).append(',').append(rcvWscale);
        }
        return text.toString().trim();
    }

    /**
     * @return the connection as {@code ss -tin} shows it.
     */
    public SocketInfo info()
    {
        return new SocketInfo(state.label(), stack.localIp, localPort, remoteIp, remotePort, receiveBuffer.readable(),
            sendBuffer.size(), application, mss, pathMtu, cc.cwnd(), cc.ssthresh(), rtt.srttNanos() / 1_000,
            rtt.rttvarNanos() / 1_000, rtt.rtoNanos() / 1_000_000, sndWnd, Math.max(0, rcvAdvRight - rcvNxt), retransmits,
            bytesSent, bytesAcked, bytesReceived, optionsText(), cc.name() + (cc.inRecovery() ? " recovery" : ""));
    }

    @Override
    public String toString()
    {
        return "TcpConnection{" + Ipv4Address.format(stack.localIp) + ":" + localPort + " > " +
            Ipv4Address.format(remoteIp) + ":" + remotePort + " " + state.label() + "}";
    }
}
