package dev.podnet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import picocli.CommandLine;

import java.util.Arrays;
import java.util.Locale;

/**
 * The {@code -o} formats and the small value formatters the tables share.
 */
final class Output
{
    /** Two-space indents, {@code "key": value} and one array element per line, as jq and kubectl print JSON. */
    private static final ObjectWriter PRETTY = new ObjectMapper().writer(
        new DefaultPrettyPrinter(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private Output()
    {
    }

    /** What {@code -o} asks for; {@link #TABLE} when it is not given. */
    enum Format
    {
        TABLE, WIDE, JSON;

        /**
         * The format named by {@code -o} ({@code null}: a table), when this verb offers it.
         *
         * @throws CommandLine.ParameterException naming the formats it offers
         */
        static Format parse(final CommandLine cmd, final String value, final Format... offered)
        {
            if (value == null)
            {
                return TABLE;
            }
            for (final Format format : offered)
            {
                if (format.name().equalsIgnoreCase(value))
                {
                    return format;
                }
            }
            throw new CommandLine.ParameterException(cmd, "-o: unknown output format '" + value + "' (expected: " +
                String.join(", ", Arrays.stream(offered).map(f -> f.name().toLowerCase(Locale.ROOT)).toList()) + ")");
        }
    }

    static String pretty(final JsonNode json)
    {
        try
        {
            return PRETTY.writeValueAsString(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot print JSON", ex);
        }
    }

    /** A field as text; "" when missing or null (a {@link Table} prints that as {@code <none>}). */
    static String text(final JsonNode node, final String field)
    {
        final JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    /** An age in kubectl's manner, as short as it stays useful: 850ms, 12s, 3m4s, 2h5m, 3d4h. */
    static String age(final long ms)
    {
        if (ms < 0)
        {
            return "";
        }
        if (ms < 1_000)
        {
            return ms + "ms";
        }
        final long s = ms / 1_000;
        if (s < 60)
        {
            return s + "s";
        }
        if (s < 3_600)
        {
            return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        }
        if (s < 86_400)
        {
            return s / 3_600 + "h" + (s % 3_600 / 60 == 0 ? "" : s % 3_600 / 60 + "m");
        }
        return s / 86_400 + "d" + (s % 86_400 / 3_600 == 0 ? "" : s % 86_400 / 3_600 + "h");
    }

    /** {@code host:port}, or "" when the host is missing. */
    static String endpoint(final JsonNode node, final String hostField, final String portField)
    {
        final String host = text(node, hostField);
        return host.isEmpty() ? "" : host + ":" + node.path(portField).asInt();
    }
}
