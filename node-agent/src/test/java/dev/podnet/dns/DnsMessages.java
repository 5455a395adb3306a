package dev.podnet.dns;

import dev.podnet.packet.Ipv4Address;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds queries and reads responses for tests, the way dig shows them. */
final class DnsMessages
{
    /** One resource record as dig prints it: {@code name ttl IN TYPE data}. */
    record Rr(String section, String name, int ttl, String type, String data)
    {
        @Override
        public String toString()
        {
            return name + " " + ttl + " IN " + type + " " + data;
        }
    }

    /** A decoded response. */
    record Response(int id, int flags, int rcode, String question, List<Rr> answers, List<Rr> authority, List<Rr> additional)
    {
        boolean flag(final int bit)
        {
            return (flags & bit) != 0;
        }

        List<String> answerLines()
        {
            return answers.stream().map(Rr::toString).toList();
        }
    }

    private DnsMessages()
    {
    }

    static byte[] query(final int id, final String name, final int type)
    {
        return query(id, name, type, DnsHeaderFlyweight.FLAG_RD, -1);
    }

    /** A query; {@code ednsSize} >= 0 adds an OPT record advertising it. */
    static byte[] query(final int id, final String name, final int type, final int flags, final int ednsSize)
    {
        final byte[] wire = DnsName.toWire(name, true);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[12 + wire.length + 4 + (ednsSize >= 0 ? 11 : 0)]);
        DnsHeaderFlyweight.write(buffer, 0, id, flags, 1, 0, 0, ednsSize >= 0 ? 1 : 0);
        buffer.putBytes(12, wire);
        buffer.putShort(12 + wire.length, (short)type, ByteOrder.BIG_ENDIAN);
        buffer.putShort(14 + wire.length, (short)DnsZone.CLASS_IN, ByteOrder.BIG_ENDIAN);
        if (ednsSize >= 0)
        {
            final int at = 16 + wire.length;
            buffer.putByte(at, (byte)0);
            buffer.putShort(at + 1, (short)DnsZone.TYPE_OPT, ByteOrder.BIG_ENDIAN);
            buffer.putShort(at + 3, (short)ednsSize, ByteOrder.BIG_ENDIAN);
            buffer.putInt(at + 5, 0);
            buffer.putShort(at + 9, (short)0);
        }
        return buffer.byteArray();
    }

    /** Answers {@code query} from {@code zone} over UDP; null when the responder sends nothing. */
    static byte[] ask(final DnsResponder responder, final DnsZone zone, final byte[] query)
    {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[8192]);
        final int length = responder.respond(zone, new UnsafeBuffer(query), 0, query.length, out, 0, out.capacity(), false);
        if (length == 0)
        {
            return null;
        }
        final byte[] response = new byte[length];
        out.getBytes(0, response);
        return response;
    }

    static Response decode(final byte[] bytes)
    {
        final UnsafeBuffer message = new UnsafeBuffer(bytes);
        final DnsHeaderFlyweight header = new DnsHeaderFlyweight().wrap(message, 0);
        final UnsafeBuffer name = new UnsafeBuffer(new byte[256]);
        int at = 12;
        String question = null;
        for (int i = 0; i < header.questionCount(); i++)
        {
            final long read = DnsName.read(message, bytes.length, at, name, 0);
            question = DnsName.toText(name, 0, (int)read) + " " +
                RecordText.typeName(message.getShort((int)(read >>> 32), ByteOrder.BIG_ENDIAN) & 0xFFFF);
            at = (int)(read >>> 32) + 4;
        }
        final List<List<Rr>> sections = new ArrayList<>();
        final int[] counts = {header.answerCount(), header.authorityCount(), header.additionalCount()};
        final String[] sectionNames = {"answer", "authority", "additional"};
        int extendedRcode = 0;
        for (int s = 0; s < 3; s++)
        {
            final List<Rr> records = new ArrayList<>();
            for (int i = 0; i < counts[s]; i++)
            {
                final long read = DnsName.read(message, bytes.length, at, name, 0);
                if (read < 0)
                {
                    throw new AssertionError("malformed owner name at " + at);
                }
                final String owner = DnsName.toText(name, 0, (int)read);
                at = (int)(read >>> 32);
                final int type = message.getShort(at, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                final int klass = message.getShort(at + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                final int ttl = message.getInt(at + 4, ByteOrder.BIG_ENDIAN);
                final int rdLength = message.getShort(at + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                if (type == DnsZone.TYPE_OPT)
                {
                    extendedRcode = ttl >>> 24;
                    records.add(new Rr(sectionNames[s], owner, ttl, "OPT", "udp=" + klass + " version=" + (ttl >>> 16 & 0xFF)));
                }
                else
                {
                    records.add(new Rr(sectionNames[s], owner, ttl, RecordText.typeName(type),
                        RecordText.of(message, bytes.length, type, at + 10, rdLength)));
                }
                at += 10 + rdLength;
            }
            sections.add(records);
        }
        if (at != bytes.length)
        {
            throw new AssertionError("trailing bytes after the records: " + (bytes.length - at));
        }
        return new Response(header.id(), header.flags(), extendedRcode << 4 | header.rcode(), question, sections.get(0),
            sections.get(1), sections.get(2));
    }

    static int ip(final String dotted)
    {
        return Ipv4Address.parse(dotted);
    }
}
