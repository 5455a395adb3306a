package dev.podnet.trace;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TracerTest
{
    private static final int A = Ipv4Address.parse("10.244.1.2");
    private static final int B = Ipv4Address.parse("10.244.2.3");
    private final Tracer tracer = new Tracer("node-1");

    /** An Ethernet frame with an IPv4 header from {@code source} to {@code destination} and a UDP header to {@code port}. */
    private static UnsafeBuffer udp(final int source, final int destination, final int port)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[14 + 20 + 8]);
        frame.putShort(12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        frame.putByte(14, (byte)0x45);
        frame.putShort(16, (short)28, ByteOrder.BIG_ENDIAN);
        frame.putByte(14 + 8, (byte)64);
        frame.putByte(14 + 9, (byte)17);
        frame.putInt(14 + 12, source, ByteOrder.BIG_ENDIAN);
        frame.putInt(14 + 16, destination, ByteOrder.BIG_ENDIAN);
        frame.putShort(34, (short)40000, ByteOrder.BIG_ENDIAN);
        frame.putShort(36, (short)port, ByteOrder.BIG_ENDIAN);
        frame.putShort(38, (short)8, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    @Test
    void shouldStartATraceAtTheFirstMatchingFrameOnlyAndUseTheFilterUp()
    {
        tracer.arm(7, new TraceFilter(A, B, 17, 8081), 0, 1_000);

        assertThat(tracer.traceOfSent(udp(A, B, 9), 0, 42, 10)).as("another port").isZero();
        assertThat(tracer.traceOfSent(udp(B, A, 8081), 0, 42, 10)).as("the other way").isZero();
        assertThat(tracer.traceOfSent(udp(A, B, 8081), 0, 42, 10)).isEqualTo(7);
        assertThat(tracer.traceOfSent(udp(A, B, 8081), 0, 42, 10)).as("used up").isZero();
        assertThat(tracer.disarm(7)).as("no longer waiting").isFalse();
    }

    @Test
    void shouldLetAFrameMadeWhileATracedOneIsHandledBelongToItsTrace()
    {
        tracer.current(9);

        assertThat(tracer.traceOfSent(udp(B, A, 40000), 0, 42, 10)).isEqualTo(9);
        tracer.current(0);
        assertThat(tracer.traceOfSent(udp(B, A, 40000), 0, 42, 10)).isZero();
    }

    @Test
    void shouldForgetAnArmedTraceAfterItsWindowAndRefuseMoreThanItHolds()
    {
        tracer.arm(1, new TraceFilter(A, B, 0, 0), 0, 100);
        assertThat(tracer.traceOfSent(udp(A, B, 1), 0, 42, 101)).isZero();

        for (int id = 10; id < 26; id++)
        {
            tracer.arm(id, new TraceFilter(A, B, 0, 0), 200, 300);
        }
        assertThatThrownBy(() -> tracer.arm(99, new TraceFilter(A, B, 0, 0), 200, 300)).hasMessageContaining("already 16 traces");
        tracer.arm(99, new TraceFilter(A, B, 0, 0), 301, 400); // the 16 expired meanwhile
        assertThat(tracer.traceOfSent(udp(A, B, 1), 0, 42, 302)).isEqualTo(99);
    }

    @Test
    void shouldExplainADropInTheStageTheTracedFrameIsIn()
    {
        tracer.current(5, "anti-spoofing");
        tracer.hop("anti-spoofing", "passed", "its own");
        tracer.enter("router");
        tracer.dropped("no-route");
        tracer.current(0);
        tracer.dropped("no-route"); // an untraced frame's drop is nobody's business

        assertThat(tracer.store().hops(5)).extracting(Hop::component, Hop::action, Hop::detail).containsExactly(
            org.assertj.core.groups.Tuple.tuple("anti-spoofing", "passed", "its own"),
            org.assertj.core.groups.Tuple.tuple("router", "dropped",
                "no-route: no route to the destination's network: answered with ICMP net unreachable"));
        assertThat(tracer.store().hops(5).get(1).node()).isEqualTo("node-1");
        assertThat(tracer.store().hops(5).get(1).seq()).isGreaterThan(tracer.store().hops(5).get(0).seq());
    }

    @Test
    void shouldExplainEveryDropReasonInWords()
    {
        for (final DropReason reason : DropReason.values())
        {
            assertThat(DropExplanations.explain(reason.label())).as(reason.name()).startsWith(reason.label() + ": ");
        }
    }

    @Test
    void shouldDescribeAFramesHeadersInOneLine()
    {
        assertThat(Headers.describe(udp(A, B, 8081), 0, 42))
            .isEqualTo("00:00:00:00:00:00 > 00:00:00:00:00:00, IPv4 10.244.1.2 > 10.244.2.3 ttl 64 id 0 len 28, UDP 40000 > 8081 len 8");
        assertThat(Headers.describe(new UnsafeBuffer(new byte[10]), 0, 10)).isEqualTo("truncated frame (10 bytes)");
    }
}
