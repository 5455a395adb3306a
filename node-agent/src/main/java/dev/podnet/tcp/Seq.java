package dev.podnet.tcp;

/**
 * Sequence number arithmetic (RFC 9293 3.4): numbers live in a space of 2<sup>32</sup> and are compared modulo
 * that, so that {@code 0xFFFFFFF0} comes before {@code 0x10}. Valid while the two numbers are less than
 * 2<sup>31</sup> apart, which the windows guarantee. Allocation-free static helpers.
 */
final class Seq
{
    private Seq()
    {
    }

    /** @return whether {@code a} comes before {@code b}. */
    static boolean lt(final int a, final int b)
    {
        return a - b < 0;
    }

    /** @return whether {@code a} comes before {@code b} or is {@code b}. */
    static boolean le(final int a, final int b)
    {
        return a - b <= 0;
    }

    /** @return whether {@code a} comes after {@code b}. */
    static boolean gt(final int a, final int b)
    {
        return a - b > 0;
    }

    /** @return whether {@code a} comes after {@code b} or is {@code b}. */
    static boolean ge(final int a, final int b)
    {
        return a - b >= 0;
    }

    /** @return the later of the two. */
    static int max(final int a, final int b)
    {
        return gt(a, b) ? a : b;
    }

    /** @return the earlier of the two. */
    static int min(final int a, final int b)
    {
        return lt(a, b) ? a : b;
    }

    /** @return {@code low <= value < high} in sequence space. */
    static boolean inRange(final int value, final int low, final int high)
    {
        return le(low, value) && lt(value, high);
    }
}
