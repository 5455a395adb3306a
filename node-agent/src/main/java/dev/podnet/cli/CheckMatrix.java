package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * A connectivity check ({@code POST /api/v1/check}) as a matrix, rows = from, columns = to:
 * <pre>
 * FROM\TO  a-1  b-1  c-1
 * a-1      -    ok   ok
 * b-1      ok   -    X
 * c-1      ok   ok   -
 * 5/6 pairs ok
 * b-1 -> c-1: timeout
 * </pre>
 * When pod names as column headers would make the matrix wider than the terminal, the columns (and
 * rows) are numbered instead and a legend maps numbers to pods: a matrix of 30 pods still fits.
 */
final class CheckMatrix
{
    static final String CORNER = "FROM\\TO";
    static final String OK = "ok";
    static final String FAILED = "X";
    static final String SELF = "-";
    /** A pair the answer has no verdict for (should not happen; shown rather than guessed). */
    static final String UNKNOWN = "?";

    private CheckMatrix()
    {
    }

    /**
     * @param check    the API's answer
     * @param maxWidth the widest line the terminal shows
     */
    static List<String> lines(final JsonNode check, final int maxWidth)
    {
        final List<String> pods = new ArrayList<>();
        check.path("pods").forEach(pod -> pods.add(pod.asText()));
        final Map<String, String> cells = new HashMap<>();
        for (final JsonNode pair : check.path("matrix"))
        {
            cells.put(text(pair, "from") + "\n" + text(pair, "to"), pair.path("ok").asBoolean() ? OK : FAILED);
        }

        final List<String> lines = new ArrayList<>();
        final List<String> named = matrix(pods, cells, pods);
        if (named.stream().allMatch(line -> line.length() <= maxWidth))
        {
            lines.addAll(named);
        }
        else
        {
            final List<String> numbers = new ArrayList<>();
            for (int i = 1; i <= pods.size(); i++)
            {
                numbers.add(Integer.toString(i));
            }
            lines.addAll(matrix(pods, cells, numbers));
            lines.add("where:");
            final Table legend = new Table("#", "POD");
            for (int i = 0; i < pods.size(); i++)
            {
                legend.row(numbers.get(i), pods.get(i));
            }
            lines.addAll(legend.lines(Table.GAP).subList(1, pods.size() + 1));
        }

        final List<String> services = new ArrayList<>();
        check.path("services").forEach(service -> services.add(service.asText()));
        if (!services.isEmpty())
        {
            lines.add("");
            final List<String> headers = new ArrayList<>();
            headers.add("FROM\\SERVICE");
            headers.addAll(services);
            final Table table = new Table(headers);
            for (final String pod : pods)
            {
                final List<String> row = new ArrayList<>();
                row.add(pod);
                for (final String service : services)
                {
                    row.add(cells.getOrDefault(pod + "\n" + service, UNKNOWN));
                }
                table.row(row);
            }
            lines.addAll(table.lines(""));
        }
        lines.add(check.path("ok").asInt() + "/" + check.path("pairs").asInt() + " pairs ok");
        for (final JsonNode failure : check.path("failed"))
        {
            lines.add(text(failure, "from") + " -> " + text(failure, "to") + ": " + text(failure, "error"));
        }
        return lines;
    }

    /** True when every pair connected: no failure listed and as many ok as pairs. */
    static boolean allOk(final JsonNode check)
    {
        return check.path("failed").isEmpty() && check.path("ok").asInt() == check.path("pairs").asInt();
    }

    private static List<String> matrix(final List<String> pods, final Map<String, String> cells, final List<String> labels)
    {
        final List<String> headers = new ArrayList<>();
        headers.add(CORNER);
        headers.addAll(labels);
        final Table table = new Table(headers);
        for (int i = 0; i < pods.size(); i++)
        {
            final List<String> row = new ArrayList<>();
            row.add(labels.get(i));
            for (final String to : pods)
            {
                row.add(pods.get(i).equals(to) ? SELF : cells.getOrDefault(pods.get(i) + "\n" + to, UNKNOWN));
            }
            table.row(row);
        }
        return table.lines("");
    }
}
