package dev.podnet.dataplane;

import dev.podnet.dns.DnsHeaderFlyweight;
import dev.podnet.packet.PacketError;
import dev.podnet.tcp.SegmentOutput;
import dev.podnet.tcp.TcpAcceptor;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import dev.podnet.tcp.TcpSettings;
import dev.podnet.tcp.TcpStack;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * The cluster DNS over TCP (RFC 7766), served by the router at the DNS ClusterIP's port 53 as {@link ClusterDns}
 * serves it over UDP: a resolver that got a truncated answer over UDP (more than 512 bytes, e.g. a headless
 * Service with many pods) asks again over TCP, as glibc and dig do, and {@code dig +tcp} asks over TCP at once.
 * <p>
 * The node's own {@link TcpStack} at the DNS address, a listener on port 53: each message is a two-byte length and
 * a DNS query (RFC 1035 4.2.2), answered from the same zone, several per connection and pipelined; the server
 * closes once the client has closed. A length below a DNS header's aborts the connection (a reset), counted
 * with the responder's {@code dropped}.
 * <p>
 * Data-plane thread only. A connection allocates its buffers once (a query and a held answer, up to 64 KiB each
 * when a message needs it); segments allocate nothing.
 */
final class ClusterDnsTcp implements TcpAcceptor
{
    private static final int LENGTH_PREFIX = 2;
    private static final int MAX_MESSAGE = 65_535;
    private static final int INITIAL_QUERY = 512;

    private final ClusterDns dns;
    private final TcpStack stack;
    /** Where answers are made, for every connection: the thread runs them one at a time. */
    private final UnsafeBuffer answer = new UnsafeBuffer(new byte[LENGTH_PREFIX + MAX_MESSAGE]);

    ClusterDnsTcp(final ClusterDns dns, final int mtu, final SegmentOutput output)
    {
        final SecureRandom random = new SecureRandom();
        this.dns = dns;
        this.stack = new TcpStack(dns.address(), mtu, TcpSettings.defaults(), output, random.nextLong(), random.nextLong(), 0);
        stack.listen(ClusterDns.PORT, this);
    }

    PacketError onSegment(
        final int sourceIp, final int destinationIp, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        return stack.onSegment(sourceIp, destinationIp, buffer, offset, length, nowNanos);
    }

    int onTimer(final long nowNanos)
    {
        return stack.onTimer(nowNanos);
    }

    int pump(final long nowNanos)
    {
        return stack.pump(nowNanos);
    }

    @Override
    public TcpHandler accept(final int remoteIp, final int remotePort, final long nowNanos)
    {
        return new Session();
    }

    /** One client's connection: length-prefixed queries in, length-prefixed answers out, in order. */
    private final class Session implements TcpHandler
    {
        private UnsafeBuffer query = new UnsafeBuffer(new byte[LENGTH_PREFIX + INITIAL_QUERY]);
        private int filled;
        /** An answer the send buffer had no room for yet: no further query is read until it is out. */
        private UnsafeBuffer held;
        private int heldOffset;
        private int heldLength;

        @Override
        public void onEstablished(final TcpConnection connection, final long nowNanos)
        {
            connection.nodelay(true);
        }

        @Override
        public void onReadable(final TcpConnection connection, final long nowNanos)
        {
            serve(connection);
        }

        @Override
        public void onWritable(final TcpConnection connection, final long nowNanos)
        {
            serve(connection);
        }

        private void serve(final TcpConnection connection)
        {
            while (flush(connection) && connection.readable() > 0)
            {
                final int wanted = filled < LENGTH_PREFIX ? LENGTH_PREFIX : LENGTH_PREFIX + messageLength();
                filled += connection.read(query, filled, wanted - filled);
                if (filled == LENGTH_PREFIX)
                {
                    final int length = messageLength();
                    if (length < DnsHeaderFlyweight.LENGTH)
                    {
                        dns.responder().dropped();
                        connection.abort();
                        return;
                    }
                    if (query.capacity() < LENGTH_PREFIX + length)
                    {
                        final UnsafeBuffer larger = new UnsafeBuffer(new byte[LENGTH_PREFIX + length]);
                        larger.putBytes(0, query, 0, LENGTH_PREFIX);
                        query = larger;
                    }
                }
                else if (filled > LENGTH_PREFIX && filled == LENGTH_PREFIX + messageLength())
                {
                    answer(connection);
                    filled = 0;
                }
            }
            if (held == null && connection.readable() == 0 && connection.peerClosed())
            {
                connection.close();
            }
        }

        private int messageLength()
        {
            return query.getShort(0, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }

        private void answer(final TcpConnection connection)
        {
            final int length = dns.responder().respond(dns.zone(), query, LENGTH_PREFIX, messageLength(), answer, LENGTH_PREFIX,
                MAX_MESSAGE, true);
            if (length == 0)
            {
                return; // not a query: the responder counted it, and a server sends nothing back
            }
            answer.putShort(0, (short)length, ByteOrder.BIG_ENDIAN);
            final int written = connection.write(answer, 0, LENGTH_PREFIX + length);
            if (written < LENGTH_PREFIX + length)
            {
                heldLength = LENGTH_PREFIX + length - written;
                held = new UnsafeBuffer(new byte[heldLength]);
                held.putBytes(0, answer, written, heldLength);
                heldOffset = 0;
            }
        }

        /** Sends what is held; true once nothing is. */
        private boolean flush(final TcpConnection connection)
        {
            if (held == null)
            {
                return true;
            }
            final int written = connection.write(held, heldOffset, heldLength);
            heldOffset += written;
            heldLength -= written;
            if (heldLength == 0)
            {
                held = null;
                return true;
            }
            return false;
        }

        @Override
        public String application()
        {
            return "dns";
        }
    }
}
