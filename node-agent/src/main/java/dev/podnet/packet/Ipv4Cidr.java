package dev.podnet.packet;

/**
 * An IPv4 network in CIDR notation, e.g. a node's pod range {@code 10.244.1.0/24}.
 * <p>
 * The network address never has host bits set: {@code 10.244.1.5/24} is refused rather than silently masked,
 * because it is almost always a typo for a host address or a wrong prefix length.
 *
 * @param network      network address in network order, host bits zero.
 * @param prefixLength number of leading network bits, 0..32.
 */
public record Ipv4Cidr(int network, int prefixLength)
{
    /**
     * Validate the prefix length and that no host bits are set.
     *
     * @param network      network address in network order, host bits zero.
     * @param prefixLength number of leading network bits, 0..32.
     * @throws IllegalArgumentException if the prefix length is not 0..32 or host bits are set.
     */
    public Ipv4Cidr
    {
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException(
                "invalid prefix length: " + prefixLength + " in " + Ipv4Address.format(network) + "/" + prefixLength +
                " (expected: 0..32)");
        }

        final int mask = mask(prefixLength);
        if ((network & ~mask) != 0)
        {
            throw new IllegalArgumentException(
                Ipv4Address.format(network) + "/" + prefixLength + " has host bits set (network is " +
                Ipv4Address.format(network & mask) + "/" + prefixLength + ")");
        }
    }

    /**
     * Parse CIDR notation.
     *
     * @param text e.g. {@code "10.244.1.0/24"}.
     * @return the network.
     * @throws IllegalArgumentException if the text is not {@code a.b.c.d/n}, n is not 0..32, or host bits are set.
     */
    public static Ipv4Cidr parse(final String text)
    {
        if (null == text)
        {
            throw new IllegalArgumentException("invalid CIDR: null (expected: a.b.c.d/n)");
        }

        final int slash = text.indexOf('/');
        final int prefixDigits = text.length() - slash - 1;
        if (slash < 0 || prefixDigits < 1 || prefixDigits > 2)
        {
            throw new IllegalArgumentException("invalid CIDR: \"" + text + "\" (expected: a.b.c.d/n with n in 0..32)");
        }

        int prefixLength = 0;
        for (int i = slash + 1; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                throw new IllegalArgumentException(
                    "invalid CIDR: \"" + text + "\" (expected: a.b.c.d/n with n in 0..32)");
            }
            prefixLength = prefixLength * 10 + (c - '0');
        }

        final int network;
        try
        {
            network = Ipv4Address.parse(text.substring(0, slash));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid CIDR: \"" + text + "\" (expected: a.b.c.d/n)", ex);
        }

        return new Ipv4Cidr(network, prefixLength);
    }

    /**
     * The network of the given prefix length that contains an address, host bits cleared.
     *
     * @param ip           any address in the network.
     * @param prefixLength number of leading network bits, 0..32.
     * @return the network containing {@code ip}.
     */
    public static Ipv4Cidr containing(final int ip, final int prefixLength)
    {
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException("invalid prefix length: " + prefixLength + " (expected: 0..32)");
        }

        return new Ipv4Cidr(ip & mask(prefixLength), prefixLength);
    }

    /**
     * The netmask, e.g. {@code 0xFFFFFF00} for /24.
     *
     * @return the netmask in network order.
     */
    public int mask()
    {
        return mask(prefixLength);
    }

    /**
     * Is an address inside this network? Allocation-free, fit for the hot path.
     *
     * @param ip address in network order.
     * @return true if the network bits of {@code ip} match.
     */
    public boolean contains(final int ip)
    {
        return (ip & mask(prefixLength)) == network;
    }

    /**
     * The last address of the network, e.g. {@code 10.244.1.255} for {@code 10.244.1.0/24}.
     *
     * @return the broadcast address in network order.
     */
    public int broadcast()
    {
        return network | ~mask(prefixLength);
    }

    /**
     * Number of addresses in the network, network and broadcast addresses included: 2<sup>32-prefix</sup>.
     *
     * @return the number of addresses, up to 2<sup>32</sup> for /0.
     */
    public long size()
    {
        return 1L << (32 - prefixLength);
    }

    /**
     * The address at an index in the network: {@code network + hostIndex}; 0 is the network address.
     *
     * @param hostIndex 0 .. {@link #size()} - 1.
     * @return the address in network order.
     * @throws IllegalArgumentException if the index is outside the network.
     */
    public int address(final int hostIndex)
    {
        if (hostIndex < 0 || hostIndex >= size())
        {
            throw new IllegalArgumentException(
                "host index " + hostIndex + " outside " + this + " (expected: 0.." + (size() - 1) + ")");
        }

        return network + hostIndex;
    }

    /**
     * CIDR notation.
     *
     * @return e.g. {@code "10.244.1.0/24"}.
     */
    @Override
    public String toString()
    {
        return Ipv4Address.appendTo(new StringBuilder(18), network).append('/').append(prefixLength).toString();
    }

    private static int mask(final int prefixLength)
    {
        return 0 == prefixLength ? 0 : -1 << (32 - prefixLength);
    }
}
