package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the flyweights' fuzz tests ({@code EthernetFuzzTest}, {@code Ipv4FuzzTest}, {@code ArpFuzzTest},
 * {@code IcmpFuzzTest}, {@code UdpFuzzTest}; Jazzer, one target per class so that each fuzzes in its own
 * JVM) share: for any bytes, {@code check()} never throws, {@code validate()} throws only
 * {@link MalformedPacketException} and exactly when {@code check()} finds an error, and once a header checks
 * every getter stays inside the bytes given: each input sits at the end of a buffer of its exact size, so a
 * read past it fails the bounds check.
 */
final class FlyweightFuzzing
{
    /** Where the input starts in its buffer. */
    static final int OFFSET = 3;

    private FlyweightFuzzing()
    {
    }

    /** {@code bytes} at {@link #OFFSET} of a buffer that ends where they end. */
    static UnsafeBuffer at(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + bytes.length]);
        buffer.putBytes(OFFSET, bytes);
        return buffer;
    }

    /** Whether the header checks; {@code validate} must throw exactly when it does not, and only the malformed-packet exception. */
    static boolean agrees(final PacketError error, final Runnable validate)
    {
        if (error == PacketError.NONE)
        {
            validate.run();
            return true;
        }
        assertThatThrownBy(validate::run).isInstanceOf(MalformedPacketException.class);
        return false;
    }
}
