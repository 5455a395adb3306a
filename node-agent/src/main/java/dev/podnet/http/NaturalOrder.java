package dev.podnet.http;

import java.util.Comparator;

/** Names with numbers in the order people count them: {@code node-2} before {@code node-10}. */
public final class NaturalOrder
{
    public static final Comparator<String> COMPARATOR = NaturalOrder::compare;

    private NaturalOrder()
    {
    }

    public static int compare(final String a, final String b)
    {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length())
        {
            final char x = a.charAt(i);
            final char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y))
            {
                final int endA = digitsEnd(a, i);
                final int endB = digitsEnd(b, j);
                final String numberA = a.substring(i, endA).replaceFirst("^0+(?=.)", "");
                final String numberB = b.substring(j, endB).replaceFirst("^0+(?=.)", "");
                final int byValue = numberA.length() != numberB.length() ?
                    Integer.compare(numberA.length(), numberB.length()) : numberA.compareTo(numberB);
                if (byValue != 0)
                {
                    return byValue;
                }
                i = endA;
                j = endB;
            }
            else
            {
                if (x != y)
                {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        final int byLength = Integer.compare(a.length() - i, b.length() - j);
        return byLength != 0 ? byLength : a.compareTo(b);
    }

    private static int digitsEnd(final String text, final int from)
    {
        int end = from;
        while (end < text.length() && Character.isDigit(text.charAt(end)))
        {
            end++;
        }
        return end;
    }

}
