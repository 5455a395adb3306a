package dev.podnet.netem;

import java.util.Locale;

/**
 * The units {@code tc} and {@code netem} speak, parsed and printed the same way everywhere (API, CLI,
 * agent option): times ({@code 50ms}, {@code 1.5s}, {@code 200us}; a bare number is milliseconds),
 * percentages ({@code 10%}, {@code 0.5%}; a bare number is percent) and rates as tc(8) has them
 * ({@code bit}, {@code kbit}, {@code mbit}, {@code gbit}, {@code bps}, {@code kbps}, {@code mbps},
 * {@code gbps}: "bit" units are bits per second, "bps" units bytes per second, k = 1000; a bare number is
 * bits per second). Errors are {@link IllegalArgumentException}s that say what was expected.
 */
public final class Units
{
    private Units()
    {
    }

    /** A duration in nanoseconds, at least 0. */
    public static long parseDuration(final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        final long unit;
        final String number;
        if (value.endsWith("us") || value.endsWith("µs"))
        {
            unit = 1_000L;
            number = value.substring(0, value.length() - 2);
        }
        else if (value.endsWith("ms"))
        {
            unit = 1_000_000L;
            number = value.substring(0, value.length() - 2);
        }
        else if (value.endsWith("s"))
        {
            unit = 1_000_000_000L;
            number = value.substring(0, value.length() - 1);
        }
        else
        {
            unit = 1_000_000L;
            number = value;
        }
        final double amount = number(number, text, "a duration (e.g. 50ms, 1.5s, 200us)");
        if (amount < 0 || amount * unit > 3_600e9)
        {
            throw new IllegalArgumentException("'" + text + "' is outside 0..1h");
        }
        return Math.round(amount * unit);
    }

    /** A percentage as a fraction 0..1. */
    public static double parsePercent(final String text)
    {
        final String value = text.trim();
        final String number = value.endsWith("%") ? value.substring(0, value.length() - 1) : value;
        final double percent = number(number, text, "a percentage (e.g. 10%, 0.5%)");
        if (percent < 0 || percent > 100)
        {
            throw new IllegalArgumentException("'" + text + "' is outside 0..100%");
        }
        return percent / 100.0;
    }

    /** A rate in bits per second, at least 1 (0 means none). */
    public static long parseRate(final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        final String[][] units = {
            {"gbit", "1e9"}, {"mbit", "1e6"}, {"kbit", "1e3"}, {"bit", "1"},
            {"gbps", "8e9"}, {"mbps", "8e6"}, {"kbps", "8e3"}, {"bps", "8"}};
        for (final String[] unit : units)
        {
            if (value.endsWith(unit[0]))
            {
                return rate(value.substring(0, value.length() - unit[0].length()), Double.parseDouble(unit[1]), text);
            }
        }
        return rate(value, 1, text);
    }

    private static long rate(final String number, final double unit, final String text)
    {
        final double amount = number(number, text, "a rate (e.g. 10mbit, 512kbit, 1gbit, 100kbps)");
        final double bits = amount * unit;
        if (bits < 0 || bits > 1e12)
        {
            throw new IllegalArgumentException("'" + text + "' is outside 0..1000gbit");
        }
        return Math.round(bits);
    }

    private static double number(final String number, final String text, final String expected)
    {
        try
        {
            final double value = Double.parseDouble(number.trim());
            if (Double.isNaN(value) || Double.isInfinite(value) || number.trim().isEmpty())
            {
                throw new NumberFormatException();
            }
            return value;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not " + expected);
        }
    }

    /** {@code 50ms}, {@code 1.5s}, {@code 200us}, {@code 0ms}: the shortest exact spelling tc would print. */
    public static String formatDuration(final long nanos)
    {
        if (nanos % 1_000_000_000L == 0 && nanos != 0)
        {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0)
        {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0)
        {
            return trim(nanos / 1_000_000.0) + "ms";
        }
        return trim(nanos / 1_000.0) + "us";
    }

    /** {@code 10%}, {@code 0.5%}. */
    public static String formatPercent(final double fraction)
    {
        return trim(Math.round(fraction * 100 * 1e6) / 1e6) + "%";
    }

    /** {@code 10mbit}, {@code 512kbit}, {@code 1500bit}. */
    public static String formatRate(final long bitsPerSecond)
    {
        if (bitsPerSecond >= 1_000_000_000L && bitsPerSecond % 1_000_000L == 0)
        {
            return trim(bitsPerSecond / 1e9) + "gbit";
        }
        if (bitsPerSecond >= 1_000_000L && bitsPerSecond % 1_000L == 0)
        {
            return trim(bitsPerSecond / 1e6) + "mbit";
        }
        if (bitsPerSecond >= 1_000L)
        {
            return trim(bitsPerSecond / 1e3) + "kbit";
        }
        return bitsPerSecond + "bit";
    }

    private static String trim(final double value)
    {
        final String text = java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        return text;
    }
}
