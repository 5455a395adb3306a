package dev.podnet.packet;

/**
 * IPv4 addresses as {@code int}s in network order: the first octet in the high byte, so {@code 10.244.1.2} is
 * {@code 0x0AF40102}, exactly as read by {@code buffer.getInt(index, BIG_ENDIAN)}.
 */
public final class Ipv4Address
{
    /**
     * Length of an IPv4 address in bytes.
     */
    public static final int LENGTH = 4;

    private Ipv4Address()
    {
    }

    /**
     * Dotted-quad text of an address.
     *
     * @param ip address in network order.
     * @return e.g. {@code "10.244.1.2"}.
     */
    public static String format(final int ip)
    {
        return appendTo(new StringBuilder(15), ip).toString();
    }

    /**
     * Append the dotted-quad text of an address.
     *
     * @param builder to append to.
     * @param ip      address in network order.
     * @return the builder.
     */
    public static StringBuilder appendTo(final StringBuilder builder, final int ip)
    {
        return builder
            .append(ip >>> 24).append('.')
            .append((ip >>> 16) & 0xFF).append('.')
            .append((ip >>> 8) & 0xFF).append('.')
            .append(ip & 0xFF);
    }

    /**
     * Parse dotted-quad text: four decimal octets 0..255 without signs, spaces or leading zeros (a leading zero
     * means octal to {@code inet_aton}, so it is refused rather than guessed).
     *
     * @param text e.g. {@code "10.244.1.2"}.
     * @return the address in network order.
     * @throws IllegalArgumentException if the text is not a dotted-quad IPv4 address.
     */
    public static int parse(final String text)
    {
        if (null == text)
        {
            throw new IllegalArgumentException("invalid IPv4 address: null (expected: a.b.c.d)");
        }

        final int length = text.length();
        int ip = 0;
        int octets = 0;
        int i = 0;
        while (i < length)
        {
            final int start = i;
            int octet = 0;
            while (i < length && i - start < 4)
            {
                final char c = text.charAt(i);
                if (c < '0' || c > '9')
                {
                    break;
                }
                octet = octet * 10 + (c - '0');
                i++;
            }

            final int digits = i - start;
            if (0 == digits || digits > 3 || octet > 255 || (digits > 1 && '0' == text.charAt(start)))
            {
                throw invalid(text);
            }

            ip = (ip << 8) | octet;
            octets++;

            if (i < length)
            {
                if (octets == 4 || '.' != text.charAt(i) || i == length - 1)
                {
                    throw invalid(text);
                }
                i++;
            }
        }

        if (octets != 4)
        {
            throw invalid(text);
        }

        return ip;
    }

    private static IllegalArgumentException invalid(final String text)
    {
        return new IllegalArgumentException(
            "invalid IPv4 address: \"" + text + "\" (expected: a.b.c.d with decimal octets 0..255)");
    }
}
