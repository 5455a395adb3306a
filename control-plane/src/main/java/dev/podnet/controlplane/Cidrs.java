package dev.podnet.controlplane;

/**
 * IPv4 CIDR arithmetic for the lease pool: addresses as {@code int}, CIDRs as text in canonical form.
 */
public final class Cidrs
{
    private Cidrs()
    {
    }

    /** The canonical text of a CIDR, validated: {@code "10.244.0.0/16"}. */
    public static String canonical(final String cidr)
    {
        final int slash = cidr == null ? -1 : cidr.indexOf('/');
        if (slash < 0)
        {
            throw new IllegalArgumentException("'" + cidr + "' is not a CIDR (expected: a.b.c.d/n)");
        }
        final int prefix = prefix(cidr);
        final int network = address(cidr.substring(0, slash));
        if ((network & ~mask(prefix)) != 0)
        {
            throw new IllegalArgumentException(cidr + " has host bits set (network is " + format(network & mask(prefix)) + "/" + prefix + ")");
        }
        return format(network) + "/" + prefix;
    }

    public static int network(final String cidr)
    {
        return address(cidr.substring(0, cidr.indexOf('/')));
    }

    public static int prefix(final String cidr)
    {
        final int prefix;
        try
        {
            prefix = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + cidr + "' has no prefix length", ex);
        }
        if (prefix < 0 || prefix > 32)
        {
            throw new IllegalArgumentException("prefix length of " + cidr + " outside 0..32");
        }
        return prefix;
    }

    public static int mask(final int prefix)
    {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The {@code index}-th subnet of length {@code subnetPrefix} inside {@code cidr}. */
    public static String subnet(final String cidr, final int subnetPrefix, final int index)
    {
        final int network = network(cidr);
        return format(network + (index << (32 - subnetPrefix))) + "/" + subnetPrefix;
    }

    /** How many subnets of length {@code subnetPrefix} fit in {@code cidr}. */
    public static int subnetCount(final String cidr, final int subnetPrefix)
    {
        return 1 << (subnetPrefix - prefix(cidr));
    }

    /** Which subnet of length {@code subnetPrefix} of {@code cidr} {@code subnet} is, or -1 when it is not one. */
    public static int subnetIndex(final String cidr, final int subnetPrefix, final String subnet)
    {
        if (prefix(subnet) != subnetPrefix)
        {
            return -1;
        }
        final int offset = network(subnet) - network(cidr);
        final int index = offset >>> (32 - subnetPrefix);
        return (network(subnet) & mask(prefix(cidr))) == network(cidr) && index < subnetCount(cidr, subnetPrefix) ? index : -1;
    }

    public static int address(final String text)
    {
        final String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
        int ip = 0;
        for (final String part : parts)
        {
            final int octet;
            try
            {
                octet = Integer.parseInt(part);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address", ex);
            }
            if (octet < 0 || octet > 255 || part.isEmpty() || (part.length() > 1 && part.charAt(0) == '0'))
            {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            ip = ip << 8 | octet;
        }
        return ip;
    }

    public static String format(final int ip)
    {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }
}
