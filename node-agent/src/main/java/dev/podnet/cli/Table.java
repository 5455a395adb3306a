package dev.podnet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows in columns the way kubectl prints them: an upper-case header line, every cell left-aligned,
 * two spaces between columns, no trailing spaces (so {@code awk} and {@code column -t} see clean
 * fields). A missing value prints as {@value #NONE}, as kubectl does, so that every row has every
 * field and a script can count on the column positions.
 */
final class Table
{
    static final String GAP = "  ";
    static final String NONE = "<none>";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(final String... headers)
    {
        this(Arrays.asList(headers));
    }

    Table(final List<String> headers)
    {
        this.headers = List.copyOf(headers);
    }

    /** Adds a row; {@code null} or empty cells print as {@value #NONE}; a short row is filled with it. */
    Table row(final Object... cells)
    {
        return row(Arrays.asList(cells));
    }

    Table row(final List<?> cells)
    {
        if (cells.size() > headers.size())
        {
            throw new IllegalArgumentException(cells.size() + " cells for " + headers.size() + " columns " + headers);
        }
        final List<String> row = new ArrayList<>(headers.size());
        for (int i = 0; i < headers.size(); i++)
        {
            final Object cell = i < cells.size() ? cells.get(i) : null;
            final String text = cell == null ? "" : cell.toString();
            row.add(text.isEmpty() ? NONE : text);
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty()
    {
        return rows.isEmpty();
    }

    /** The header line, then one line per row, each starting with {@code indent}. */
    List<String> lines(final String indent)
    {
        final int[] widths = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++)
        {
            widths[i] = headers.get(i).length();
            for (final List<String> row : rows)
            {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        final List<String> lines = new ArrayList<>(rows.size() + 1);
        lines.add(line(indent, headers, widths));
        for (final List<String> row : rows)
        {
            lines.add(line(indent, row, widths));
        }
        return lines;
    }

    void print(final PrintWriter out)
    {
        print(out, "");
    }

    void print(final PrintWriter out, final String indent)
    {
        for (final String line : lines(indent))
        {
            out.println(line);
        }
    }

    private static String line(final String indent, final List<String> cells, final int[] widths)
    {
        final StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < cells.size(); i++)
        {
            line.append(cells.get(i));
            if (i < cells.size() - 1)
            {
                line.append(" ".repeat(widths[i] - cells.get(i).length())).append(GAP);
            }
        }
        return line.toString();
    }
}
