package dev.podnet.dns;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One name lookup as glibc's stub resolver does it, sans-I/O: it says which query to send, takes the
 * answers and timeouts it is given, and ends with addresses (or records) or why not. The caller (a
 * pod's UDP socket) moves the bytes; time comes in as a parameter.
 * <p>
 * The rules (resolv.conf(5), glibc {@code res_nsearch}):
 * <ul>
 *   <li>a name ending in a dot is absolute: it alone is asked;</li>
 *   <li>a name with at least {@code ndots} dots is asked as is first, then with each search domain;
 *       one with fewer (every Service name, with ndots 5) with each search domain first, then as is;</li>
 *   <li>NXDOMAIN or NODATA (no record of the type) moves on to the next candidate; SERVFAIL and
 *       REFUSED too, remembered; a query unanswered within the timeout is sent again, {@code attempts}
 *       times in all, then the next candidate is tried;</li>
 *   <li>the first answer with records ends the lookup; when every candidate failed the lookup fails
 *       NXDOMAIN if any candidate was answered with NXDOMAIN or NODATA (the name does not exist), else
 *       with the last failure ({@code SERVFAIL}, {@code REFUSED}, {@code timeout}).</li>
 * </ul>
 * A response is accepted only when its ID and question match the query outstanding (RFC 5452).
 */
public final class StubResolver
{
    /** One record of an answer, as text ({@code dig}'s presentation of its data). */
    public record Answer(String name, int type, int ttl, String data)
    {
    }

    /**
     * How the lookup ended.
     *
     * @param name      the name that answered (a fully qualified candidate), or the one asked when none did
     * @param answers   the records of the answer section, in order
     * @param addresses the A records' addresses
     * @param error     null when it answered, else {@code NXDOMAIN}, {@code SERVFAIL}, {@code REFUSED},
     *                  {@code timeout} or {@code truncated}
     * @param tried     the candidates asked, in order
     */
    public record Result(String name, List<Answer> answers, int[] addresses, String error, List<String> tried)
    {
        public boolean ok()
        {
            return error == null;
        }
    }

    private final ResolvConf conf;
    private final int type;
    private final List<String> candidates;
    private final List<String> tried = new ArrayList<>();
    private final UnsafeBuffer query = new UnsafeBuffer(new byte[DnsName.MAX_LENGTH + 32]);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[DnsName.MAX_LENGTH]);
    private int queryLength;
    private int candidate = -1;
    private int attempt;
    private int id;
    private long deadline;
    private boolean sawNegative;
    private String lastError = "timeout";
    private Result result;

    /**
     * @param name the name as the user gave it ({@code web}, {@code web.prod}, {@code web.prod.svc.cluster.local.})
     * @param type the record type asked ({@link DnsZone#TYPE_A}, {@link DnsZone#TYPE_SRV}, {@link DnsZone#TYPE_PTR}…)
     * @param firstId the ID of the first query (the next ones count up): random in a real resolver
     * @throws IllegalArgumentException when {@code name} is not a domain name
     */
    public StubResolver(final ResolvConf conf, final String name, final int type, final int firstId)
    {
        this.conf = conf;
        this.type = type;
        this.candidates = candidates(conf, name);
        this.id = firstId & 0xFFFF;
        for (final String each : candidates)
        {
            DnsName.toWire(each); // fails for what is no domain name
        }
    }

    /** The names to ask, in order (resolv.conf's search and ndots rules). */
    public static List<String> candidates(final ResolvConf conf, final String name)
    {
        final String trimmed = name.trim().toLowerCase(Locale.ROOT);
        if (trimmed.isEmpty() || trimmed.equals("."))
        {
            throw new IllegalArgumentException("an empty name");
        }
        final List<String> result = new ArrayList<>();
        if (trimmed.endsWith("."))
        {
            result.add(trimmed);
            return result;
        }
        final long dots = trimmed.chars().filter(c -> c == '.').count();
        final boolean asIsFirst = dots >= conf.ndots();
        if (asIsFirst)
        {
            result.add(trimmed + ".");
        }
        for (final String domain : conf.search())
        {
            result.add(trimmed + "." + domain + ".");
        }
        if (!asIsFirst)
        {
            result.add(trimmed + ".");
        }
        return result;
    }

    /** Starts the lookup: the first query is ready to send (see {@link #query()}). */
    public void start(final long nowNanos)
    {
        nextCandidate(nowNanos);
    }

    /** The query to send now (valid until the next call of any other method). */
    public DirectBuffer query()
    {
        return query;
    }

    public int queryLength()
    {
        return queryLength;
    }

    /** Whether the lookup has ended ({@link #result()}). */
    public boolean done()
    {
        return result != null;
    }

    public Result result()
    {
        return result;
    }

    /** When the outstanding query times out (nanoseconds of the caller's clock). */
    public long deadline()
    {
        return deadline;
    }

    /**
     * A time tick: an unanswered query is sent again or given up on.
     *
     * @return true when a (new) query is to be sent
     */
    public boolean onTimer(final long nowNanos)
    {
        if (result != null || nowNanos < deadline)
        {
            return false;
        }
        if (++attempt < conf.attempts())
        {
            deadline = nowNanos + conf.timeout().toNanos();
            return true;
        }
        lastError = "timeout";
        return nextCandidate(nowNanos);
    }

    /**
     * A datagram from the name server.
     *
     * @return true when a new query is to be sent; false when the lookup ended or the datagram was not
     *     the answer awaited (wrong ID or question, malformed: ignored, as RFC 5452 asks)
     */
    public boolean onResponse(final DirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        if (result != null || length < DnsHeaderFlyweight.LENGTH)
        {
            return false;
        }
        final UnsafeBuffer message = new UnsafeBuffer(buffer, offset, length);
        final DnsHeaderFlyweight header = new DnsHeaderFlyweight().wrap(message, 0);
        if (!header.isResponse() || header.id() != id || header.questionCount() != 1)
        {
            return false;
        }
        final long read = DnsName.read(message, length, DnsHeaderFlyweight.LENGTH, scratch, 0);
        if (read < 0)
        {
            return false;
        }
        final int nameLength = (int)read;
        int position = (int)(read >>> 32);
        final int askedLength = query.getByte(DnsHeaderFlyweight.LENGTH) == 0 ? 1 : nameLengthOfQuery();
        if (position + 4 > length || !DnsName.equalsIgnoreCase(scratch, 0, nameLength, queryName(askedLength)) ||
            (message.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF) != type)
        {
            return false;
        }
        position += 4;
        final int rcode = header.rcode();
        if ((header.flags() & DnsHeaderFlyweight.FLAG_TC) != 0)
        {
            lastError = "truncated"; // a real resolver retries over TCP
            return nextCandidate(nowNanos);
        }
        if (rcode == DnsHeaderFlyweight.RCODE_NXDOMAIN)
        {
            sawNegative = true;
            lastError = "NXDOMAIN";
            return nextCandidate(nowNanos);
        }
        if (rcode != DnsHeaderFlyweight.RCODE_NOERROR)
        {
            lastError = rcode == DnsHeaderFlyweight.RCODE_SERVFAIL ? "SERVFAIL" : rcode == DnsHeaderFlyweight.RCODE_REFUSED ?
                "REFUSED" : "rcode " + rcode;
            return nextCandidate(nowNanos);
        }
        final List<Answer> answers = new ArrayList<>();
        final List<Integer> addresses = new ArrayList<>();
        for (int i = 0; i < header.answerCount(); i++)
        {
            final long owner = DnsName.read(message, length, position, scratch, 0);
            if (owner < 0)
            {
                return false;
            }
            final String ownerText = DnsName.toText(scratch, 0, (int)owner);
            position = (int)(owner >>> 32);
            if (position + 10 > length)
            {
                return false;
            }
            final int rrType = message.getShort(position, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int ttl = message.getInt(position + 4, ByteOrder.BIG_ENDIAN);
            final int rdLength = message.getShort(position + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int rdata = position + 10;
            if (rdata + rdLength > length)
            {
                return false;
            }
            final String data = RecordText.of(message, length, rrType, rdata, rdLength);
            if (data == null)
            {
                return false;
            }
            if (rrType == DnsZone.TYPE_A && rdLength == 4)
            {
                addresses.add(message.getInt(rdata, ByteOrder.BIG_ENDIAN));
            }
            answers.add(new Answer(ownerText, rrType, ttl, data));
            position = rdata + rdLength;
        }
        if (answers.isEmpty())
        {
            sawNegative = true;
            lastError = "NXDOMAIN"; // NODATA for this candidate: the next may have it
            return nextCandidate(nowNanos);
        }
        result = new Result(candidates.get(candidate), List.copyOf(answers),
            addresses.stream().mapToInt(Integer::intValue).toArray(), null, List.copyOf(tried));
        return false;
    }

    private int nameLengthOfQuery()
    {
        return queryLength - DnsHeaderFlyweight.LENGTH - 4;
    }

    private byte[] queryName(final int length)
    {
        final byte[] name = new byte[length];
        query.getBytes(DnsHeaderFlyweight.LENGTH, name);
        return name;
    }

    private boolean nextCandidate(final long nowNanos)
    {
        candidate++;
        if (candidate >= candidates.size())
        {
            // as glibc: a name that some candidate found missing does not exist, whatever the others said
            result = new Result(candidates.get(candidates.size() - 1), List.of(), new int[0],
                sawNegative ? "NXDOMAIN" : lastError, List.copyOf(tried));
            return false;
        }
        attempt = 0;
        id = (id + 1) & 0xFFFF;
        final String name = candidates.get(candidate);
        tried.add(name);
        final byte[] wire = DnsName.toWire(name);
        DnsHeaderFlyweight.write(query, 0, id, DnsHeaderFlyweight.flags(false, 0, DnsHeaderFlyweight.FLAG_RD, 0), 1, 0, 0, 0);
        query.putBytes(DnsHeaderFlyweight.LENGTH, wire);
        int at = DnsHeaderFlyweight.LENGTH + wire.length;
        query.putShort(at, (short)type, ByteOrder.BIG_ENDIAN);
        query.putShort(at + 2, (short)DnsZone.CLASS_IN, ByteOrder.BIG_ENDIAN);
        queryLength = at + 4;
        deadline = nowNanos + conf.timeout().toNanos();
        return true;
    }
}
