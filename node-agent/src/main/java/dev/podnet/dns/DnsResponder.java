package dev.podnet.dns;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_AA;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_RD;
import static dev.podnet.dns.DnsHeaderFlyweight.FLAG_TC;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_BADVERS;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_FORMERR;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_NOERROR;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_NOTIMP;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_NXDOMAIN;
import static dev.podnet.dns.DnsHeaderFlyweight.RCODE_REFUSED;
import static dev.podnet.dns.DnsZone.CLASS_ANY;
import static dev.podnet.dns.DnsZone.CLASS_IN;
import static dev.podnet.dns.DnsZone.TYPE_A;
import static dev.podnet.dns.DnsZone.TYPE_ANY;
import static dev.podnet.dns.DnsZone.TYPE_AXFR;
import static dev.podnet.dns.DnsZone.TYPE_IXFR;
import static dev.podnet.dns.DnsZone.TYPE_NS;
import static dev.podnet.dns.DnsZone.TYPE_OPT;
import static dev.podnet.dns.DnsZone.TYPE_PTR;
import static dev.podnet.dns.DnsZone.TYPE_SOA;
import static dev.podnet.dns.DnsZone.TYPE_SRV;
import static dev.podnet.dns.DnsZone.TYPE_TXT;

/**
 * Cluster DNS as a pure function: one query message in, one response message out, from a
 * {@link DnsZone}. No sockets and no clock (sans-I/O): the data plane hands it the UDP payload a pod
 * sent to the DNS Service and sends back what it returns; tests call it with bytes.
 * <p>
 * What a response carries (RFC 1035, RFC 2308, RFC 6891, as CoreDNS answers):
 * <ul>
 *   <li>the query's ID, opcode and RD flag, QR set, RA clear (no recursion: nothing outside the
 *       cluster is reachable), AA set for names of the cluster zone and {@code in-addr.arpa};</li>
 *   <li>the question as asked (its case kept; answers point at it with compression);</li>
 *   <li>NOERROR with the records of the type asked, or NODATA (NOERROR, no answer) with the zone's SOA
 *       in the authority section; NXDOMAIN with the SOA; REFUSED outside the zones; FORMERR for a
 *       malformed query, NOTIMP for an opcode other than QUERY; zone transfers are REFUSED;</li>
 *   <li>SRV answers bring their targets' A records in the additional section;</li>
 *   <li>EDNS(0): a query with an OPT record gets one back (UDP payload {@value #EDNS_UDP_SIZE}), its
 *       advertised size (at most {@value #MAX_UDP_EDNS}) as the limit; without one, 512 bytes; a version
 *       above 0 is BADVERS. An answer over the limit is cut to the question with TC set, so the
 *       client retries over TCP.</li>
 * </ul>
 * A message that is not a query at all (shorter than a header, or a response) gets nothing back.
 * Answering allocates nothing. Single-threaded; the counters may be read from any thread.
 */
public final class DnsResponder
{
    public static final int MAX_UDP_PLAIN = 512;
    public static final int MAX_UDP_EDNS = 4096;
    /** The UDP payload size this server advertises (the DNS flag day 2020 value). */
    public static final int EDNS_UDP_SIZE = 1232;
    public static final int MAX_TCP = 65535;
    private static final int SOA_REFRESH = 7200;
    private static final int SOA_RETRY = 1800;
    private static final int SOA_EXPIRE = 86400;
    private static final int QUESTION_OFFSET = DnsHeaderFlyweight.LENGTH;
    private static final int OVERFLOW = -1;

    /** Response codes counted, by index: see {@link #count(int)}. */
    public static final String[] COUNTED = {"noerror", "nxdomain", "nodata", "refused", "formerr", "notimp", "badvers", "truncated",
        "dropped"};
    private static final int C_NOERROR = 0;
    private static final int C_NXDOMAIN = 1;
    private static final int C_NODATA = 2;
    private static final int C_REFUSED = 3;
    private static final int C_FORMERR = 4;
    private static final int C_NOTIMP = 5;
    private static final int C_BADVERS = 6;
    private static final int C_TRUNCATED = 7;
    private static final int C_DROPPED = 8;

    private final UnsafeBuffer in = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer out = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer question = new UnsafeBuffer(new byte[DnsName.MAX_LENGTH]);
    private final DnsHeaderFlyweight header = new DnsHeaderFlyweight();
    private final AtomicLongArray counts = new AtomicLongArray(COUNTED.length);

    private int questionLength;
    private int limit;
    private int answers;
    private int authorities;
    private int additionals;

    /**
     * Answers the query in {@code query[queryOffset, queryOffset + queryLength)} into {@code response}
     * from {@code responseOffset} (room for {@code responseCapacity} bytes).
     *
     * @param tcp whether it came over TCP (no 512-byte limit)
     * @return the response's length, or 0 when nothing is to be sent
     */
    public int respond(
        final DnsZone zone, final DirectBuffer query, final int queryOffset, final int queryLength,
        final MutableDirectBuffer response, final int responseOffset, final int responseCapacity, final boolean tcp)
    {
        if (queryLength < DnsHeaderFlyweight.LENGTH || responseCapacity < MAX_UDP_PLAIN)
        {
            increment(C_DROPPED);
            return 0;
        }
        in.wrap(query, queryOffset, queryLength);
        out.wrap(response, responseOffset, responseCapacity);
        header.wrap(in, 0);
        if (header.isResponse())
        {
            increment(C_DROPPED);
            return 0;
        }
        final int id = header.id();
        final int opcode = header.opcode();
        final int rd = header.flags() & FLAG_RD;
        answers = 0;
        authorities = 0;
        additionals = 0;
        if (opcode != DnsHeaderFlyweight.OPCODE_QUERY)
        {
            increment(C_NOTIMP);
            return finish(id, opcode, rd, RCODE_NOTIMP, false, QUESTION_OFFSET, 0, false);
        }
        if (header.questionCount() != 1)
        {
            increment(C_FORMERR);
            return finish(id, opcode, rd, RCODE_FORMERR, false, QUESTION_OFFSET, 0, false);
        }
        final long read = DnsName.read(in, queryLength, QUESTION_OFFSET, question, 0);
        final int afterName = (int)(read >>> 32);
        if (read < 0 || afterName + 4 > queryLength)
        {
            increment(C_FORMERR);
            return finish(id, opcode, rd, RCODE_FORMERR, false, QUESTION_OFFSET, 0, false);
        }
        questionLength = (int)read;
        final int qtype = in.getShort(afterName, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int qclass = in.getShort(afterName + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;

        // the rest of the message: only an OPT record in the additional section matters
        int position = afterName + 4;
        int ednsSize = -1;
        int ednsVersion = 0;
        final int records = header.answerCount() + header.authorityCount() + header.additionalCount();
        final int firstAdditional = header.answerCount() + header.authorityCount();
        for (int i = 0; i < records; i++)
        {
            final int end = DnsName.skip(in, queryLength, position);
            if (end < 0 || end + 10 > queryLength)
            {
                increment(C_FORMERR);
                return finish(id, opcode, rd, RCODE_FORMERR, false, QUESTION_OFFSET, 0, false);
            }
            final int type = in.getShort(end, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int rdLength = in.getShort(end + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (end + 10 + rdLength > queryLength)
            {
                increment(C_FORMERR);
                return finish(id, opcode, rd, RCODE_FORMERR, false, QUESTION_OFFSET, 0, false);
            }
            if (type == TYPE_OPT && i >= firstAdditional)
            {
                if (ednsSize >= 0)
                {
                    increment(C_FORMERR); // RFC 6891 6.1.1: more than one OPT is FORMERR
                    return finish(id, opcode, rd, RCODE_FORMERR, false, QUESTION_OFFSET, 0, false);
                }
                ednsSize = in.getShort(end + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                ednsVersion = in.getByte(end + 5) & 0xFF;
            }
            position = end + 10 + rdLength;
        }
        final boolean edns = ednsSize >= 0;
        limit = tcp ? Math.min(MAX_TCP, responseCapacity) :
            Math.min(responseCapacity, edns ? Math.max(MAX_UDP_PLAIN, Math.min(ednsSize, MAX_UDP_EDNS)) : MAX_UDP_PLAIN);

        int at = writeQuestion(qtype, qclass);
        if (edns && ednsVersion > 0)
        {
            increment(C_BADVERS);
            return finish(id, opcode, rd, RCODE_BADVERS, false, at, 1, edns);
        }
        if ((qclass != CLASS_IN && qclass != CLASS_ANY) || qtype == TYPE_AXFR || qtype == TYPE_IXFR || qtype == TYPE_OPT)
        {
            increment(C_REFUSED);
            return finish(id, opcode, rd, RCODE_REFUSED, false, at, 1, edns);
        }
        final DnsZone.Apex apex = zone.apexOf(question, 0, questionLength);
        if (apex == null)
        {
            increment(C_REFUSED);
            return finish(id, opcode, rd, RCODE_REFUSED, false, at, 1, edns);
        }

        final int answersStart = at;
        final DnsZone.Node node = zone.find(question, 0, questionLength);
        int rcode = RCODE_NOERROR;
        if (node != null)
        {
            at = writeAnswers(zone, node, qtype, at);
        }
        else
        {
            final long synthesized = podAddress(zone);
            if (synthesized >= 0)
            {
                if (qtype == TYPE_A || qtype == TYPE_ANY)
                {
                    at = writeA(QUESTION_POINTER, (int)synthesized, at);
                }
            }
            else
            {
                rcode = RCODE_NXDOMAIN;
            }
        }
        if (at != OVERFLOW && answers == 0)
        {
            at = writeSoa(apex, at);
            authorities = at == OVERFLOW ? 0 : 1;
        }
        if (at == OVERFLOW)
        {
            answers = 0;
            authorities = 0;
            additionals = 0;
            increment(C_TRUNCATED);
            return finish(id, opcode, rd, rcode, true, answersStart, 1, edns);
        }
        increment(rcode == RCODE_NXDOMAIN ? C_NXDOMAIN : answers == 0 ? C_NODATA : C_NOERROR);
        return finish(id, opcode, rd, rcode, false, at, 1, edns);
    }

    /** Queries answered with each outcome of {@link #COUNTED}, by its index. */
    public long count(final int index)
    {
        return counts.get(index);
    }

    /** Counts, under {@code dropped}, a message a transport had to refuse before it could be read as a query. */
    public void dropped()
    {
        increment(C_DROPPED);
    }

    private void increment(final int index)
    {
        counts.lazySet(index, counts.get(index) + 1);
    }

    private static final int QUESTION_POINTER = 0xC000 | QUESTION_OFFSET;

    /** The address a synthesized {@code a-b-c-d.<ns>.pod.<zone>} name spells, or -1 when it is not one. */
    private long podAddress(final DnsZone zone)
    {
        final int first = question.getByte(0) & 0xFF;
        if (first == 0 || 1 + first >= questionLength)
        {
            return -1;
        }
        final DnsZone.Node parent = zone.find(question, 1 + first, questionLength - 1 - first);
        return parent != null && parent.podNamespace ? DnsName.parseDashed(question, 1, first) : -1;
    }

    private int writeQuestion(final int qtype, final int qclass)
    {
        out.putBytes(QUESTION_OFFSET, question, 0, questionLength);
        int at = QUESTION_OFFSET + questionLength;
        out.putShort(at, (short)qtype, ByteOrder.BIG_ENDIAN);
        out.putShort(at + 2, (short)qclass, ByteOrder.BIG_ENDIAN);
        return at + 4;
    }

    private int writeAnswers(final DnsZone zone, final DnsZone.Node node, final int qtype, final int start)
    {
        int at = start;
        final boolean any = qtype == TYPE_ANY;
        if (any || qtype == TYPE_A)
        {
            for (final int ip : node.addresses)
            {
                at = writeA(QUESTION_POINTER, ip, at);
                if (at == OVERFLOW)
                {
                    return OVERFLOW;
                }
            }
        }
        if ((any || qtype == TYPE_SOA) && node.soa)
        {
            at = writeSoa(node.apex, at);
            if (at == OVERFLOW)
            {
                return OVERFLOW;
            }
            answers++;
        }
        if ((any || qtype == TYPE_NS) && node.ns != null)
        {
            at = writeNameRecord(TYPE_NS, node.ns, at);
        }
        if ((any || qtype == TYPE_PTR) && node.ptr != null && at != OVERFLOW)
        {
            at = writeNameRecord(TYPE_PTR, node.ptr, at);
        }
        if ((any || qtype == TYPE_TXT) && node.txt != null && at != OVERFLOW)
        {
            at = recordHeader(QUESTION_POINTER, TYPE_TXT, DnsZone.TTL, at);
            if (at != OVERFLOW && at + 2 + node.txt.length <= limit)
            {
                out.putShort(at, (short)node.txt.length, ByteOrder.BIG_ENDIAN);
                out.putBytes(at + 2, node.txt);
                at += 2 + node.txt.length;
                answers++;
            }
            else
            {
                at = OVERFLOW;
            }
        }
        if ((any || qtype == TYPE_SRV) && at != OVERFLOW)
        {
            for (final DnsZone.Srv srv : node.srv)
            {
                at = recordHeader(QUESTION_POINTER, TYPE_SRV, DnsZone.TTL, at);
                if (at == OVERFLOW || at + 8 > limit)
                {
                    return OVERFLOW;
                }
                final int rdStart = at + 2;
                out.putShort(rdStart, (short)srv.priority(), ByteOrder.BIG_ENDIAN);
                out.putShort(rdStart + 2, (short)srv.weight(), ByteOrder.BIG_ENDIAN);
                out.putShort(rdStart + 4, (short)srv.port(), ByteOrder.BIG_ENDIAN);
                final int end = writeName(srv.target(), rdStart + 6);
                if (end == OVERFLOW)
                {
                    return OVERFLOW;
                }
                out.putShort(at, (short)(end - rdStart), ByteOrder.BIG_ENDIAN);
                at = end;
                answers++;
            }
            // the targets' addresses, in the additional section
            for (final DnsZone.Srv srv : node.srv)
            {
                final DnsZone.Node target = zone.find(srv.target());
                if (target == null)
                {
                    continue;
                }
                for (final int ip : target.addresses)
                {
                    final int before = answers;
                    at = writeA(-1, ip, at, srv.target());
                    if (at == OVERFLOW)
                    {
                        return OVERFLOW;
                    }
                    answers = before;
                    additionals++;
                }
            }
        }
        return at;
    }

    private int writeA(final int ownerPointer, final int ip, final int start)
    {
        return writeA(ownerPointer, ip, start, null);
    }

    /** An A record owned by the question ({@code ownerPointer}) or by {@code owner}. */
    private int writeA(final int ownerPointer, final int ip, final int start, final byte[] owner)
    {
        int at = owner == null ? recordHeader(ownerPointer, TYPE_A, DnsZone.TTL, start) : ownerHeader(owner, TYPE_A, start);
        if (at == OVERFLOW || at + 6 > limit)
        {
            return OVERFLOW;
        }
        out.putShort(at, (short)4, ByteOrder.BIG_ENDIAN);
        out.putInt(at + 2, ip, ByteOrder.BIG_ENDIAN);
        answers++;
        return at + 6;
    }

    private int ownerHeader(final byte[] owner, final int type, final int start)
    {
        final int afterName = writeName(owner, start);
        if (afterName == OVERFLOW || afterName + 8 > limit)
        {
            return OVERFLOW;
        }
        out.putShort(afterName, (short)type, ByteOrder.BIG_ENDIAN);
        out.putShort(afterName + 2, (short)CLASS_IN, ByteOrder.BIG_ENDIAN);
        out.putInt(afterName + 4, DnsZone.TTL, ByteOrder.BIG_ENDIAN);
        return afterName + 8;
    }

    /** A PTR or NS record owned by the question, pointing at {@code target}. */
    private int writeNameRecord(final int type, final byte[] target, final int start)
    {
        final int at = recordHeader(QUESTION_POINTER, type, DnsZone.TTL, start);
        if (at == OVERFLOW || at + 2 > limit)
        {
            return OVERFLOW;
        }
        final int end = writeName(target, at + 2);
        if (end == OVERFLOW)
        {
            return OVERFLOW;
        }
        out.putShort(at, (short)(end - at - 2), ByteOrder.BIG_ENDIAN);
        answers++;
        return end;
    }

    /** The SOA of {@code apex}, owned by the apex name (compressed against the question where it can be). */
    private int writeSoa(final DnsZone.Apex apex, final int start)
    {
        final int at = ownerHeader(apex.name, TYPE_SOA, start);
        if (at == OVERFLOW || at + 2 > limit)
        {
            return OVERFLOW;
        }
        int end = writeName(apex.mname, at + 2);
        end = end == OVERFLOW ? OVERFLOW : writeName(apex.rname, end);
        if (end == OVERFLOW || end + 20 > limit)
        {
            return OVERFLOW;
        }
        out.putInt(end, (int)apex.serial, ByteOrder.BIG_ENDIAN);
        out.putInt(end + 4, SOA_REFRESH, ByteOrder.BIG_ENDIAN);
        out.putInt(end + 8, SOA_RETRY, ByteOrder.BIG_ENDIAN);
        out.putInt(end + 12, SOA_EXPIRE, ByteOrder.BIG_ENDIAN);
        out.putInt(end + 16, DnsZone.TTL, ByteOrder.BIG_ENDIAN);
        end += 20;
        out.putShort(at, (short)(end - at - 2), ByteOrder.BIG_ENDIAN);
        return end;
    }

    /** Owner (a compression pointer), type, class IN and TTL; returns where RDLENGTH goes. */
    private int recordHeader(final int ownerPointer, final int type, final int ttl, final int start)
    {
        if (start + 10 > limit)
        {
            return OVERFLOW;
        }
        out.putShort(start, (short)ownerPointer, ByteOrder.BIG_ENDIAN);
        out.putShort(start + 2, (short)type, ByteOrder.BIG_ENDIAN);
        out.putShort(start + 4, (short)CLASS_IN, ByteOrder.BIG_ENDIAN);
        out.putInt(start + 6, ttl, ByteOrder.BIG_ENDIAN);
        return start + 10;
    }

    /**
     * Writes {@code name}, its longest suffix that is also a suffix of the question replaced by a
     * pointer into the question (RFC 1035 section 4.1.4).
     */
    private int writeName(final byte[] name, final int start)
    {
        int i = 0;
        while (i < name.length && name[i] != 0)
        {
            final int suffixLength = name.length - i;
            final int match = questionSuffix(name, i, suffixLength);
            if (match >= 0)
            {
                if (start + i + 2 > limit)
                {
                    return OVERFLOW;
                }
                out.putBytes(start, name, 0, i);
                out.putShort(start + i, (short)(0xC000 | (QUESTION_OFFSET + match)), ByteOrder.BIG_ENDIAN);
                return start + i + 2;
            }
            i += 1 + (name[i] & 0xFF);
        }
        if (start + name.length > limit)
        {
            return OVERFLOW;
        }
        out.putBytes(start, name);
        return start + name.length;
    }

    /** Where in the question the suffix {@code name[from, from + length)} starts, or -1. */
    private int questionSuffix(final byte[] name, final int from, final int length)
    {
        int position = 0;
        while (position < questionLength)
        {
            final int remaining = questionLength - position;
            if (remaining == length && suffixEquals(name, from, position, length))
            {
                return position;
            }
            final int label = question.getByte(position) & 0xFF;
            if (label == 0)
            {
                return -1;
            }
            position += 1 + label;
        }
        return -1;
    }

    private boolean suffixEquals(final byte[] name, final int from, final int position, final int length)
    {
        for (int k = 0; k < length; k++)
        {
            byte a = name[from + k];
            byte b = question.getByte(position + k);
            a = a >= 'A' && a <= 'Z' ? (byte)(a + 32) : a;
            b = b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
            if (a != b)
            {
                return false;
            }
        }
        return true;
    }

    /** Writes the header (and an OPT record when the query had one) and returns the message length. */
    private int finish(
        final int id, final int opcode, final int rd, final int rcode, final boolean truncated, final int end, final int questions,
        final boolean edns)
    {
        int at = end;
        if (edns)
        {
            if (at + 11 > out.capacity())
            {
                return 0;
            }
            out.putByte(at, (byte)0); // root
            out.putShort(at + 1, (short)TYPE_OPT, ByteOrder.BIG_ENDIAN);
            out.putShort(at + 3, (short)EDNS_UDP_SIZE, ByteOrder.BIG_ENDIAN);
            out.putInt(at + 5, (rcode >>> 4) << 24, ByteOrder.BIG_ENDIAN); // extended rcode, version 0, no flags
            out.putShort(at + 9, (short)0, ByteOrder.BIG_ENDIAN);
            at += 11;
            additionals++;
        }
        final boolean authoritative = rcode == RCODE_NOERROR || rcode == RCODE_NXDOMAIN;
        final int flags = DnsHeaderFlyweight.flags(true, opcode, rd | (authoritative ? FLAG_AA : 0) | (truncated ? FLAG_TC : 0), rcode);
        DnsHeaderFlyweight.write(out, 0, id, flags, questions, answers, authorities, additionals);
        return at;
    }
}
