package dev.podnet.packet;

/**
 * Text helpers shared by the flyweights' names and {@code toString()}s; never used on the hot path.
 */
final class PacketFormat
{
    private PacketFormat()
    {
    }

    /**
     * Lower-case hex of the low bits of a value, zero-padded.
     *
     * @param value  to format.
     * @param digits minimum number of hex digits.
     * @return e.g. {@code "0806"}.
     */
    static String hex(final int value, final int digits)
    {
        final String hex = Integer.toHexString(value);
        if (hex.length() >= digits)
        {
            return hex;
        }

        return "0".repeat(digits - hex.length()) + hex;
    }
}
