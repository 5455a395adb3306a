package dev.podnet.agent.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An all-pairs connectivity check as the terminal shows it: a row per source pod, a column per
 * target, {@code ok} or {@code X} in each cell, then the failed pairs with their errors and the
 * {@code ok/pairs} count.
 *
 * @param pods  the pods, in the order of the rows and columns
 * @param cells "ok" or the error, by {@code from + " " + to}; a missing pair counts as failed
 */
public record ConnectivityMatrix(List<String> pods, Map<String, String> cells)
{
    public static final String OK = "ok";

    public ConnectivityMatrix
    {
        pods = List.copyOf(pods);
        cells = Map.copyOf(cells);
    }

    /** From the answer of {@code POST /api/v1/check} (docs/API.md). */
    public static ConnectivityMatrix fromCheck(final JsonNode check)
    {
        final List<String> pods = new ArrayList<>();
        check.path("pods").forEach(pod -> pods.add(pod.asText()));
        return new ConnectivityMatrix(pods, cellsOf(check.path("matrix")));
    }

    /** Ordered pairs of distinct pods. */
    public int pairs()
    {
        return pods.size() * (pods.size() - 1);
    }

    public int okPairs()
    {
        int ok = 0;
        for (final String from : pods)
        {
            for (final String to : pods)
            {
                if (!from.equals(to) && OK.equals(cells.get(from + " " + to)))
                {
                    ok++;
                }
            }
        }
        return ok;
    }

    public boolean allOk()
    {
        return okPairs() == pairs();
    }

    /** The ordered pairs of distinct pods that are not ok, as {@code [from, to]}. */
    public List<List<String>> failedPairs()
    {
        final List<List<String>> failed = new ArrayList<>();
        for (final String from : pods)
        {
            for (final String to : pods)
            {
                if (!from.equals(to) && !OK.equals(cells.get(from + " " + to)))
                {
                    failed.add(List.of(from, to));
                }
            }
        }
        return failed;
    }

    /** This matrix with the verdicts of pairs checked again ({@code from + " " + to} to "ok" or the error) in place. */
    public ConnectivityMatrix with(final Map<String, String> rechecked)
    {
        final Map<String, String> merged = new HashMap<>(cells);
        merged.putAll(rechecked);
        return new ConnectivityMatrix(pods, merged);
    }

    /** Verdicts from the answer of {@code POST /api/v1/nodes/{name}/check} ({@code [{from, to, ok, error}]}). */
    public static Map<String, String> cellsOf(final JsonNode pairs)
    {
        final Map<String, String> cells = new HashMap<>();
        for (final JsonNode pair : pairs)
        {
            final String error = pair.path("error").isNull() || pair.path("error").isMissingNode() ?
                "failed" : pair.path("error").asText();
            cells.put(pair.path("from").asText() + " " + pair.path("to").asText(), pair.path("ok").asBoolean() ? OK : error);
        }
        return cells;
    }

    /** The matrix, the failures and the count, one string per line. */
    public List<String> format()
    {
        final int width = Math.max(2, pods.stream().mapToInt(String::length).max().orElse(2)) + 2;
        final List<String> lines = new ArrayList<>();
        final StringBuilder header = new StringBuilder(pad("", width));
        pods.forEach(pod -> header.append(pad(pod, width)));
        lines.add(header.toString().stripTrailing());
        final List<String> failures = new ArrayList<>();
        for (final String from : pods)
        {
            final StringBuilder row = new StringBuilder(pad(from, width));
            for (final String to : pods)
            {
                final String cell = from.equals(to) ? "-" : cells.getOrDefault(from + " " + to, "not checked");
                if (!from.equals(to) && !OK.equals(cell))
                {
                    failures.add("  " + from + " -> " + to + ": " + cell);
                }
                row.append(pad(from.equals(to) || OK.equals(cell) ? cell : "X", width));
            }
            lines.add(row.toString().stripTrailing());
        }
        lines.addAll(failures);
        lines.add(okPairs() + "/" + pairs() + " pairs ok");
        return lines;
    }

    private static String pad(final String text, final int width)
    {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
