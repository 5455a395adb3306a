package dev.podnet.dns;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The fixed 12-byte header of a DNS message (RFC 1035 section 4.1.1), as a flyweight over
 * {@code (buffer, offset)}; fields are big-endian.
 * <pre>
 *                                  1  1  1  1  1  1
 *    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    QDCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ANCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    NSCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ARCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * </pre>
 * The Z bits include AD and CD of RFC 4035; podnet neither sets nor reads them (no DNSSEC).
 */
public final class DnsHeaderFlyweight
{
    public static final int LENGTH = 12;
    public static final int ID_OFFSET = 0;
    public static final int FLAGS_OFFSET = ID_OFFSET + 2;
    public static final int QDCOUNT_OFFSET = FLAGS_OFFSET + 2;
    public static final int ANCOUNT_OFFSET = QDCOUNT_OFFSET + 2;
    public static final int NSCOUNT_OFFSET = ANCOUNT_OFFSET + 2;
    public static final int ARCOUNT_OFFSET = NSCOUNT_OFFSET + 2;

    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    private static final int OPCODE_SHIFT = 11;
    private static final int OPCODE_MASK = 0xF;
    private static final int RCODE_MASK = 0xF;

    public static final int OPCODE_QUERY = 0;

    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;
    /** Extended RCODE 16 (RFC 6891): its upper 8 bits travel in the OPT record. */
    public static final int RCODE_BADVERS = 16;

    private DirectBuffer buffer;
    private int offset;

    public DnsHeaderFlyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int id()
    {
        return buffer.getShort(offset + ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int flags()
    {
        return buffer.getShort(offset + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public boolean isResponse()
    {
        return (flags() & FLAG_QR) != 0;
    }

    public int opcode()
    {
        return (flags() >>> OPCODE_SHIFT) & OPCODE_MASK;
    }

    public int rcode()
    {
        return flags() & RCODE_MASK;
    }

    public int questionCount()
    {
        return buffer.getShort(offset + QDCOUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int answerCount()
    {
        return buffer.getShort(offset + ANCOUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int authorityCount()
    {
        return buffer.getShort(offset + NSCOUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public int additionalCount()
    {
        return buffer.getShort(offset + ARCOUNT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** Writes a whole header. */
    public static void write(
        final MutableDirectBuffer buffer, final int offset, final int id, final int flags,
        final int questions, final int answers, final int authorities, final int additionals)
    {
        buffer.putShort(offset + ID_OFFSET, (short)id, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + QDCOUNT_OFFSET, (short)questions, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + ANCOUNT_OFFSET, (short)answers, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + NSCOUNT_OFFSET, (short)authorities, ByteOrder.BIG_ENDIAN);
        buffer.putShort(offset + ARCOUNT_OFFSET, (short)additionals, ByteOrder.BIG_ENDIAN);
    }

    /** Flags of a query or response: opcode and rcode in their places. */
    public static int flags(final boolean response, final int opcode, final int bits, final int rcode)
    {
        return (response ? FLAG_QR : 0) | (opcode & OPCODE_MASK) << OPCODE_SHIFT | bits | (rcode & RCODE_MASK);
    }
}
