package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a TCP segment (RFC 9293 section 3.1) with its options: MSS (RFC 9293 3.2), window scale and
 * timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                           [Options]                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                             data ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Data Offset: header length in 32-bit words (5..15).
 * </pre>
 * The checksum covers the IPv4 pseudo-header (see {@link Checksum#pseudoHeaderSum(int, int, int, int)}) with the
 * segment length, the header and the data; unlike UDP it is never optional. Wrap it at the IPv4 payload:
 * {@code (buffer, ipv4.payloadOffset(), ipv4.payloadLength())}: TCP has no length field, the segment is what IPv4
 * carries. Sequence and acknowledgment numbers are returned as {@code int}s: they are modulo 2<sup>32</sup> and
 * compared with wrap-around arithmetic by the protocol engine, never as magnitudes.
 * <p>
 * Options are read by {@link #parseOptions()} into fields of this flyweight (no allocation), the way Linux's
 * {@code tcp_parse_options} does it: unknown options with a length are skipped, an option whose length is below 2
 * or runs past the header ends the parsing, and what was parsed before it stands (RFC 9293 3.1: "MUST ignore
 * without error any TCP option it does not implement"). Options are written by the {@code write*Options} methods
 * in the layouts Linux uses, so captures of podnet and of the kernel look alike.
 * <p>
 * Accessors do no checks beyond the buffer's own bounds checks; call {@link #check(int, int)} once per received
 * segment. Not thread-safe: one instance per agent.
 */
public final class TcpFlyweight
{
    /** Source port, 2 bytes. */
    public static final int SOURCE_PORT_OFFSET = 0;

    /** Destination port, 2 bytes. */
    public static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;

    /** Sequence number, 4 bytes. */
    public static final int SEQUENCE_OFFSET = DESTINATION_PORT_OFFSET + 2;

    /** Acknowledgment number, 4 bytes. */
    public static final int ACKNOWLEDGMENT_OFFSET = SEQUENCE_OFFSET + 4;

    /** Data offset (high nibble, header length in 32-bit words) and reserved bits, 1 byte. */
    public static final int DATA_OFFSET_OFFSET = ACKNOWLEDGMENT_OFFSET + 4;

    /** Control bits, 1 byte. */
    public static final int FLAGS_OFFSET = DATA_OFFSET_OFFSET + 1;

    /** Window, 2 bytes. */
    public static final int WINDOW_OFFSET = FLAGS_OFFSET + 1;

    /** Checksum, 2 bytes. */
    public static final int CHECKSUM_OFFSET = WINDOW_OFFSET + 2;

    /** Urgent pointer, 2 bytes. */
    public static final int URGENT_POINTER_OFFSET = CHECKSUM_OFFSET + 2;

    /** Length of a header without options: 20 bytes. */
    public static final int MIN_HEADER_LENGTH = URGENT_POINTER_OFFSET + 2;

    /** Length of the longest header, data offset 15: 60 bytes. */
    public static final int MAX_HEADER_LENGTH = 15 * 4;

    /** Longest option space: 40 bytes. */
    public static final int MAX_OPTIONS_LENGTH = MAX_HEADER_LENGTH - MIN_HEADER_LENGTH;

    /** FIN: no more data from sender. */
    public static final int FIN = 0x01;
    /** SYN: synchronize sequence numbers. */
    public static final int SYN = 0x02;
    /** RST: reset the connection. */
    public static final int RST = 0x04;
    /** PSH: push function. */
    public static final int PSH = 0x08;
    /** ACK: the acknowledgment field is significant. */
    public static final int ACK = 0x10;
    /** URG: the urgent pointer field is significant. */
    public static final int URG = 0x20;
    /** ECE: ECN-Echo (RFC 3168). */
    public static final int ECE = 0x40;
    /** CWR: congestion window reduced (RFC 3168). */
    public static final int CWR = 0x80;

    /** Option kind: end of option list. */
    public static final int OPTION_EOL = 0;
    /** Option kind: no-operation (padding). */
    public static final int OPTION_NOP = 1;
    /** Option kind: maximum segment size, length 4 (RFC 9293 3.2). */
    public static final int OPTION_MSS = 2;
    /** Option kind: window scale, length 3 (RFC 7323 2). */
    public static final int OPTION_WINDOW_SCALE = 3;
    /** Option kind: SACK permitted, length 2 (RFC 2018 2). */
    public static final int OPTION_SACK_PERMITTED = 4;
    /** Option kind: SACK blocks, length 2 + 8 per block (RFC 2018 3). */
    public static final int OPTION_SACK = 5;
    /** Option kind: timestamps, length 10 (RFC 7323 3). */
    public static final int OPTION_TIMESTAMPS = 8;

    /** Bytes a timestamps option takes in a segment, with the two NOPs that align it: 12. */
    public static final int TIMESTAMPS_ALIGNED_LENGTH = 12;

    /** SACK blocks one option can carry at most: 4, in 34 of the 40 option bytes. */
    public static final int MAX_SACK_BLOCKS = 4;

    /** Largest window scale shift (RFC 7323 2.3): larger values are taken as 14. */
    public static final int MAX_WINDOW_SCALE = 14;

    /** {@link #mss()} when the segment carried no MSS option. */
    public static final int NO_MSS = -1;

    /** {@link #windowScale()} when the segment carried no window scale option. */
    public static final int NO_WINDOW_SCALE = -1;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    // options as parsed by parseOptions()
    private int mss = NO_MSS;
    private int windowScale = NO_WINDOW_SCALE;
    private boolean sackPermitted;
    private boolean timestamps;
    private int timestampValue;
    private int timestampEchoReply;
    private int sackBlocks;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /**
     * Wrap a segment. No checks: see {@link #check(int, int)}. Parsed options are forgotten.
     *
     * @param buffer holding the segment.
     * @param offset of the first byte of the header.
     * @param length bytes of the segment, header and data: the IPv4 payload length.
     * @return this for a fluent API.
     */
    public TcpFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        clearOptions();

        return this;
    }

    /** @return the wrapped buffer. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /** @return index of the first byte of the header in the buffer. */
    public int offset()
    {
        return offset;
    }

    /** @return bytes of the segment as wrapped, header and data. */
    public int length()
    {
        return length;
    }

    /** @return source port, 0..65535. */
    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param port 0..65535.
     * @return this for a fluent API.
     */
    public TcpFlyweight sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /** @return destination port, 0..65535. */
    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param port 0..65535.
     * @return this for a fluent API.
     */
    public TcpFlyweight destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /** @return the sequence number, modulo 2<sup>32</sup>. */
    public int sequence()
    {
        return buffer.getInt(offset + SEQUENCE_OFFSET, BIG_ENDIAN);
    }

    /**
     * @param sequence modulo 2<sup>32</sup>.
     * @return this for a fluent API.
     */
    public TcpFlyweight sequence(final int sequence)
    {
        buffer.putInt(offset + SEQUENCE_OFFSET, sequence, BIG_ENDIAN);
        return this;
    }

    /** @return the acknowledgment number, modulo 2<sup>32</sup>; meaningful only with {@link #ACK}. */
    public int acknowledgment()
    {
        return buffer.getInt(offset + ACKNOWLEDGMENT_OFFSET, BIG_ENDIAN);
    }

    /**
     * @param acknowledgment modulo 2<sup>32</sup>.
     * @return this for a fluent API.
     */
    public TcpFlyweight acknowledgment(final int acknowledgment)
    {
        buffer.putInt(offset + ACKNOWLEDGMENT_OFFSET, acknowledgment, BIG_ENDIAN);
        return this;
    }

    /** @return header length in bytes from the data offset field: 0..60, at least 20 once checked. */
    public int headerLength()
    {
        return ((buffer.getByte(offset + DATA_OFFSET_OFFSET) >> 4) & 0xF) * 4;
    }

    /**
     * Set the data offset; the reserved bits are cleared.
     *
     * @param headerLength header length in bytes, a multiple of 4 in 20..60.
     * @return this for a fluent API.
     */
    public TcpFlyweight headerLength(final int headerLength)
    {
        buffer.putByte(offset + DATA_OFFSET_OFFSET, (byte)((headerLength / 4) << 4));
        return this;
    }

    /** @return the control bits: {@link #FIN}, {@link #SYN}, {@link #RST}, {@link #PSH}, {@link #ACK}, ... */
    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    /**
     * @param flags the control bits.
     * @return this for a fluent API.
     */
    public TcpFlyweight flags(final int flags)
    {
        buffer.putByte(offset + FLAGS_OFFSET, (byte)flags);
        return this;
    }

    /**
     * @param flag one or more control bits.
     * @return true when every one of them is set.
     */
    public boolean hasFlags(final int flag)
    {
        return (flags() & flag) == flag;
    }

    /** @return the window field as sent, unscaled: 0..65535. */
    public int window()
    {
        return buffer.getShort(offset + WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param window 0..65535, already scaled down by the sender's shift.
     * @return this for a fluent API.
     */
    public TcpFlyweight window(final int window)
    {
        buffer.putShort(offset + WINDOW_OFFSET, (short)window, BIG_ENDIAN);
        return this;
    }

    /** @return checksum field as found. */
    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param checksum 0..0xFFFF.
     * @return this for a fluent API.
     */
    public TcpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    /** @return urgent pointer; meaningful only with {@link #URG}. */
    public int urgentPointer()
    {
        return buffer.getShort(offset + URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param urgentPointer 0..65535.
     * @return this for a fluent API.
     */
    public TcpFlyweight urgentPointer(final int urgentPointer)
    {
        buffer.putShort(offset + URGENT_POINTER_OFFSET, (short)urgentPointer, BIG_ENDIAN);
        return this;
    }

    /** @return index in the buffer of the first data byte: {@code offset() + headerLength()}. */
    public int payloadOffset()
    {
        return offset + headerLength();
    }

    /** @return data bytes: {@code length() - headerLength()}. */
    public int payloadLength()
    {
        return length - headerLength();
    }

    /**
     * The sequence space the segment occupies (RFC 9293 3.4, SEG.LEN): its data, plus one for SYN and one for FIN.
     *
     * @return SEG.LEN.
     */
    public int sequenceLength()
    {
        final int flags = flags();
        return payloadLength() + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
    }

    /**
     * Write a header: ports, numbers, data offset, flags and window; checksum and urgent pointer 0. Write the
     * options (e.g. {@link #writeSynOptions}) and data next, then call {@link #updateChecksum(int, int)}.
     *
     * @param sourcePort      source port.
     * @param destinationPort destination port.
     * @param sequence        sequence number.
     * @param acknowledgment  acknowledgment number (0 without ACK).
     * @param headerLength    header length in bytes including options, a multiple of 4 in 20..60.
     * @param flags           control bits.
     * @param window          window field, already scaled.
     * @return this for a fluent API.
     */
    public TcpFlyweight writeHeader(
        final int sourcePort,
        final int destinationPort,
        final int sequence,
        final int acknowledgment,
        final int headerLength,
        final int flags,
        final int window)
    {
        return sourcePort(sourcePort)
            .destinationPort(destinationPort)
            .sequence(sequence)
            .acknowledgment(acknowledgment)
            .headerLength(headerLength)
            .flags(flags)
            .window(window)
            .checksum(0)
            .urgentPointer(0);
    }

    /**
     * Compute the checksum over the pseudo-header and {@link #length()} bytes, the checksum field taken as zero.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return the checksum to write.
     */
    public int computeChecksum(final int sourceIp, final int destinationIp)
    {
        int sum = Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Flyweight.PROTOCOL_TCP, length);
        sum = Checksum.sum(buffer, offset, CHECKSUM_OFFSET, sum);
        sum = Checksum.sum(buffer, offset + URGENT_POINTER_OFFSET, length - URGENT_POINTER_OFFSET, sum);

        return Checksum.fold(sum);
    }

    /**
     * Compute and write the checksum; call after options and data are written.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return this for a fluent API.
     */
    public TcpFlyweight updateChecksum(final int sourceIp, final int destinationIp)
    {
        return checksum(computeChecksum(sourceIp, destinationIp));
    }

    /**
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return true when pseudo-header and segment, checksum field included, sum to the one's complement zero.
     */
    public boolean isChecksumValid(final int sourceIp, final int destinationIp)
    {
        final int sum = Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Flyweight.PROTOCOL_TCP, length);

        return 0 == Checksum.fold(Checksum.sum(buffer, offset, length, sum));
    }

    /**
     * Check the length, the data offset and the checksum, in that order. Options are not looked at: see
     * {@link #parseOptions()}. Never throws and never allocates for any {@code (offset, length)} within the buffer.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return {@link PacketError#NONE} or the first problem found.
     */
    public PacketError check(final int sourceIp, final int destinationIp)
    {
        if (length < MIN_HEADER_LENGTH)
        {
            return PacketError.TRUNCATED_TCP;
        }

        final int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH || headerLength > length)
        {
            return PacketError.BAD_TCP_HEADER_LENGTH;
        }

        if (!isChecksumValid(sourceIp, destinationIp))
        {
            return PacketError.BAD_TCP_CHECKSUM;
        }

        return PacketError.NONE;
    }

    /**
     * {@link #check(int, int)} for API/CLI edges.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @throws MalformedPacketException saying what was found and what was expected.
     */
    public void validate(final int sourceIp, final int destinationIp)
    {
        final PacketError error = check(sourceIp, destinationIp);
        switch (error)
        {
            case NONE:
                return;

            case TRUNCATED_TCP:
                throw new MalformedPacketException(
                    error, "truncated TCP header: " + length + " bytes (expected: " + MIN_HEADER_LENGTH + "+ bytes)");

            case BAD_TCP_HEADER_LENGTH:
                throw new MalformedPacketException(
                    error,
                    "bad TCP header length: " + headerLength() + " bytes (expected: " + MIN_HEADER_LENGTH + ".." +
                    Math.min(MAX_HEADER_LENGTH, length) + " bytes, " + length + " available)");

            default:
                throw new MalformedPacketException(
                    error,
                    "bad TCP checksum: 0x" + PacketFormat.hex(checksum(), 4) +
                    " (expected: 0x" + PacketFormat.hex(computeChecksum(sourceIp, destinationIp), 4) + ")");
        }
    }

    // ---------------------------------------------------------------- options: reading

    private void clearOptions()
    {
        mss = NO_MSS;
        windowScale = NO_WINDOW_SCALE;
        sackPermitted = false;
        timestamps = false;
        timestampValue = 0;
        timestampEchoReply = 0;
        sackBlocks = 0;
    }

    /**
     * Parse the options of a segment (checked or not) into {@link #mss()}, {@link #windowScale()}, {@link #sackPermitted()},
     * {@link #hasTimestamps()}, {@link #sackBlockCount()} and their values. Options of the wrong length for their
     * kind are ignored; an option of length below 2, or one running past the header, ends the list (Linux).
     * Never throws and never allocates.
     *
     * @return how many option bytes were understood up to where parsing stopped; for logs and tests.
     */
    public int parseOptions()
    {
        clearOptions();
        if (length < MIN_HEADER_LENGTH)
        {
            return 0;
        }
        final int end = offset + Math.min(headerLength(), length);
        int at = offset + MIN_HEADER_LENGTH;
        while (at < end)
        {
            final int kind = buffer.getByte(at) & 0xFF;
            if (kind == OPTION_EOL)
            {
                break;
            }
            if (kind == OPTION_NOP)
            {
                at++;
                continue;
            }
            if (at + 1 >= end)
            {
                break;
            }
            final int size = buffer.getByte(at + 1) & 0xFF;
            if (size < 2 || at + size > end)
            {
                break; // silly or partial option: stop here (RFC 9293 3.1, Linux tcp_parse_options)
            }
            switch (kind)
            {
                case OPTION_MSS:
                    if (size == 4)
                    {
                        mss = buffer.getShort(at + 2, BIG_ENDIAN) & 0xFFFF;
                    }
                    break;

                case OPTION_WINDOW_SCALE:
                    if (size == 3)
                    {
                        // RFC 7323 2.3: a shift above 14 is logged and used as 14
                        windowScale = Math.min(buffer.getByte(at + 2) & 0xFF, MAX_WINDOW_SCALE);
                    }
                    break;

                case OPTION_SACK_PERMITTED:
                    if (size == 2)
                    {
                        sackPermitted = true;
                    }
                    break;

                case OPTION_TIMESTAMPS:
                    if (size == 10)
                    {
                        timestamps = true;
                        timestampValue = buffer.getInt(at + 2, BIG_ENDIAN);
                        timestampEchoReply = buffer.getInt(at + 6, BIG_ENDIAN);
                    }
                    break;

                case OPTION_SACK:
                    if ((size - 2) % 8 == 0)
                    {
                        final int blocks = Math.min((size - 2) / 8, MAX_SACK_BLOCKS);
                        for (int i = 0; i < blocks; i++)
                        {
                            sackLeft[i] = buffer.getInt(at + 2 + 8 * i, BIG_ENDIAN);
                            sackRight[i] = buffer.getInt(at + 6 + 8 * i, BIG_ENDIAN);
                        }
                        sackBlocks = blocks;
                    }
                    break;

                default:
                    break; // unknown option with a length: skipped
            }
            at += size;
        }
        return at - offset - MIN_HEADER_LENGTH;
    }

    /** @return the MSS option's value, or {@link #NO_MSS}; after {@link #parseOptions()}. */
    public int mss()
    {
        return mss;
    }

    /** @return the window scale shift 0..14, or {@link #NO_WINDOW_SCALE}; after {@link #parseOptions()}. */
    public int windowScale()
    {
        return windowScale;
    }

    /** @return whether SACK-permitted was present; after {@link #parseOptions()}. */
    public boolean sackPermitted()
    {
        return sackPermitted;
    }

    /** @return whether a timestamps option was present; after {@link #parseOptions()}. */
    public boolean hasTimestamps()
    {
        return timestamps;
    }

    /** @return TSval of the timestamps option; after {@link #parseOptions()}. */
    public int timestampValue()
    {
        return timestampValue;
    }

    /** @return TSecr of the timestamps option; after {@link #parseOptions()}. */
    public int timestampEchoReply()
    {
        return timestampEchoReply;
    }

    /** @return SACK blocks present, 0..4; after {@link #parseOptions()}. */
    public int sackBlockCount()
    {
        return sackBlocks;
    }

    /**
     * @param index 0..{@link #sackBlockCount()} - 1.
     * @return left edge of a SACK block: its first sequence number.
     */
    public int sackLeft(final int index)
    {
        return sackLeft[index];
    }

    /**
     * @param index 0..{@link #sackBlockCount()} - 1.
     * @return right edge of a SACK block: the sequence number after its last byte.
     */
    public int sackRight(final int index)
    {
        return sackRight[index];
    }

    // ---------------------------------------------------------------- options: writing

    /**
     * Write the options of a SYN or SYN-ACK after the fixed header, in Linux's layout: MSS, then SACK-permitted
     * and timestamps sharing one 12-byte block (or each with its NOPs alone), then NOP and window scale.
     * Set the header length to {@code 20 +} the returned length.
     *
     * @param mss            maximum segment size to announce.
     * @param windowScale    shift 0..14 to announce, or {@link #NO_WINDOW_SCALE} for none.
     * @param sackPermitted  announce SACK-permitted.
     * @param timestamps     send a timestamps option.
     * @param timestampValue its TSval.
     * @param timestampEcho  its TSecr (0 in a SYN).
     * @return option bytes written, a multiple of 4.
     */
    public int writeSynOptions(
        final int mss,
        final int windowScale,
        final boolean sackPermitted,
        final boolean timestamps,
        final int timestampValue,
        final int timestampEcho)
    {
        int at = offset + MIN_HEADER_LENGTH;
        buffer.putByte(at, (byte)OPTION_MSS);
        buffer.putByte(at + 1, (byte)4);
        buffer.putShort(at + 2, (short)mss, BIG_ENDIAN);
        at += 4;
        if (sackPermitted && timestamps)
        {
            buffer.putByte(at, (byte)OPTION_SACK_PERMITTED);
            buffer.putByte(at + 1, (byte)2);
            putTimestamps(at + 2, timestampValue, timestampEcho);
            at += 12;
        }
        else if (timestamps)
        {
            at = writeTimestampsAt(at, timestampValue, timestampEcho);
        }
        else if (sackPermitted)
        {
            buffer.putByte(at, (byte)OPTION_NOP);
            buffer.putByte(at + 1, (byte)OPTION_NOP);
            buffer.putByte(at + 2, (byte)OPTION_SACK_PERMITTED);
            buffer.putByte(at + 3, (byte)2);
            at += 4;
        }
        if (windowScale != NO_WINDOW_SCALE)
        {
            buffer.putByte(at, (byte)OPTION_NOP);
            buffer.putByte(at + 1, (byte)OPTION_WINDOW_SCALE);
            buffer.putByte(at + 2, (byte)3);
            buffer.putByte(at + 3, (byte)windowScale);
            at += 4;
        }
        return at - offset - MIN_HEADER_LENGTH;
    }

    /**
     * Write the options of a segment after the SYN: NOP, NOP, timestamps (when used) then NOP, NOP, SACK blocks
     * (when given), as Linux lays them out. With timestamps at most 3 blocks fit, else 4; extra blocks are left out.
     * Set the header length to {@code 20 +} the returned length.
     *
     * @param timestamps     send a timestamps option.
     * @param timestampValue its TSval.
     * @param timestampEcho  its TSecr.
     * @param blocks         SACK blocks to send, 0 for none.
     * @param left           left edges, {@code blocks} of them, the first the most recent (RFC 2018 4).
     * @param right          right edges.
     * @return option bytes written, a multiple of 4.
     */
    public int writeOptions(
        final boolean timestamps,
        final int timestampValue,
        final int timestampEcho,
        final int blocks,
        final int[] left,
        final int[] right)
    {
        int at = offset + MIN_HEADER_LENGTH;
        if (timestamps)
        {
            at = writeTimestampsAt(at, timestampValue, timestampEcho);
        }
        final int room = timestamps ? MAX_SACK_BLOCKS - 1 : MAX_SACK_BLOCKS;
        final int count = Math.min(blocks, room);
        if (count > 0)
        {
            buffer.putByte(at, (byte)OPTION_NOP);
            buffer.putByte(at + 1, (byte)OPTION_NOP);
            buffer.putByte(at + 2, (byte)OPTION_SACK);
            buffer.putByte(at + 3, (byte)(2 + 8 * count));
            at += 4;
            for (int i = 0; i < count; i++)
            {
                buffer.putInt(at, left[i], BIG_ENDIAN);
                buffer.putInt(at + 4, right[i], BIG_ENDIAN);
                at += 8;
            }
        }
        return at - offset - MIN_HEADER_LENGTH;
    }

    /**
     * Option bytes {@link #writeOptions} takes for these options.
     *
     * @param timestamps with a timestamps option.
     * @param blocks     SACK blocks asked for.
     * @return option bytes, a multiple of 4.
     */
    public static int optionsLength(final boolean timestamps, final int blocks)
    {
        final int room = timestamps ? MAX_SACK_BLOCKS - 1 : MAX_SACK_BLOCKS;
        final int count = Math.min(blocks, room);
        return (timestamps ? TIMESTAMPS_ALIGNED_LENGTH : 0) + (count > 0 ? 4 + 8 * count : 0);
    }

    private int writeTimestampsAt(final int at, final int timestampValue, final int timestampEcho)
    {
        buffer.putByte(at, (byte)OPTION_NOP);
        buffer.putByte(at + 1, (byte)OPTION_NOP);
        putTimestamps(at + 2, timestampValue, timestampEcho);
        return at + TIMESTAMPS_ALIGNED_LENGTH;
    }

    private void putTimestamps(final int at, final int timestampValue, final int timestampEcho)
    {
        buffer.putByte(at, (byte)OPTION_TIMESTAMPS);
        buffer.putByte(at + 1, (byte)10);
        buffer.putInt(at + 2, timestampValue, BIG_ENDIAN);
        buffer.putInt(at + 6, timestampEcho, BIG_ENDIAN);
    }

    // ---------------------------------------------------------------- text

    /**
     * Flags as tcpdump prints them, e.g. {@code "S."} for SYN-ACK, {@code "P."} for PSH-ACK, {@code "R"}.
     *
     * @param flags control bits.
     * @return the letters; allocates.
     */
    public static String flagsText(final int flags)
    {
        final StringBuilder text = new StringBuilder(8);
        if ((flags & SYN) != 0)
        {
            text.append('S');
        }
        if ((flags & FIN) != 0)
        {
            text.append('F');
        }
        if ((flags & RST) != 0)
        {
            text.append('R');
        }
        if ((flags & PSH) != 0)
        {
            text.append('P');
        }
        if ((flags & URG) != 0)
        {
            text.append('U');
        }
        if ((flags & ECE) != 0)
        {
            text.append('E');
        }
        if ((flags & CWR) != 0)
        {
            text.append('W');
        }
        if ((flags & ACK) != 0)
        {
            text.append('.');
        }
        return text.length() == 0 ? "none" : text.toString();
    }

    /**
     * One line for logs, tcpdump style, e.g. {@code "TCP 36490 > 18777: Flags [S], seq 2189103260, win 65495,
     * length 0"}; the checksum is not verified here because the addresses are not known.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "TCP (unwrapped)";
        }

        if (length < MIN_HEADER_LENGTH)
        {
            return "TCP " + PacketError.TRUNCATED_TCP.label() + ", length " + length;
        }

        final StringBuilder builder = new StringBuilder(96)
            .append("TCP ").append(sourcePort()).append(" > ").append(destinationPort())
            .append(": Flags [").append(flagsText(flags())).append("], seq ").append(Integer.toUnsignedString(sequence()));
        if (hasFlags(ACK))
        {
            builder.append(", ack ").append(Integer.toUnsignedString(acknowledgment()));
        }
        builder.append(", win ").append(window());
        final int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH || headerLength > length)
        {
            builder.append(" [").append(PacketError.BAD_TCP_HEADER_LENGTH.label()).append(']');
        }
        else
        {
            builder.append(", length ").append(payloadLength());
        }

        return builder.toString();
    }
}
