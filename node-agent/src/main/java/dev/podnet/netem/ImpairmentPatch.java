package dev.podnet.netem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A change to a link's {@link Impairment} that names only what it changes ({@code netem set} and
 * {@code PUT /api/v1/links/{from}/{to}}): every field it does not name keeps its value. The one parser
 * of impairment fields, for the API's JSON, the CLI's flags and the agent's {@code --netem} option, so
 * all three take the same names and units and fail with the same messages.
 * <p>
 * Fields (camelCase; kebab-case is accepted too): {@code delay}, {@code jitter}, {@code delayCorrelation},
 * {@code distribution}, {@code loss}, {@code lossCorrelation}, {@code gemodel}, {@code duplicate},
 * {@code duplicateCorrelation}, {@code reorder}, {@code reorderCorrelation}, {@code corrupt},
 * {@code corruptCorrelation}, {@code rate}, {@code limit}, {@code partition}, {@code flap}, {@code seed}.
 * Setting {@code loss} ends a Gilbert-Elliott model and setting {@code gemodel} replaces random loss:
 * they are two ways of saying how the link loses. {@code rate 0}, {@code delay 0}, {@code flap off},
 * {@code gemodel off} and {@code partition false} undo a setting.
 */
public final class ImpairmentPatch
{
    /** Every field, in the order the API and the CLI list them. */
    public static final List<String> FIELDS = List.of(
        "delay", "jitter", "delayCorrelation", "distribution", "loss", "lossCorrelation", "gemodel", "duplicate",
        "duplicateCorrelation", "reorder", "reorderCorrelation", "corrupt", "corruptCorrelation", "rate", "limit",
        "partition", "flap", "seed");

    private static final Map<String, BiConsumer<Impairment.Builder, String>> SETTERS = new LinkedHashMap<>();

    static
    {
        SETTERS.put("delay", (b, v) -> b.delayNanos = Units.parseDuration(v));
        SETTERS.put("jitter", (b, v) -> b.jitterNanos = Units.parseDuration(v));
        SETTERS.put("delayCorrelation", (b, v) -> b.delayCorrelation = Units.parsePercent(v));
        SETTERS.put("distribution", (b, v) -> b.distribution = Distribution.parse(v));
        SETTERS.put("loss", (b, v) ->
        {
            b.loss = Units.parsePercent(v);
            b.gilbertElliott = null;
        });
        SETTERS.put("lossCorrelation", (b, v) -> b.lossCorrelation = Units.parsePercent(v));
        SETTERS.put("gemodel", (b, v) ->
        {
            b.gilbertElliott = off(v) ? null : GilbertElliott.parse(v);
            b.loss = 0;
        });
        SETTERS.put("duplicate", (b, v) -> b.duplicate = Units.parsePercent(v));
        SETTERS.put("duplicateCorrelation", (b, v) -> b.duplicateCorrelation = Units.parsePercent(v));
        SETTERS.put("reorder", (b, v) -> b.reorder = Units.parsePercent(v));
        SETTERS.put("reorderCorrelation", (b, v) -> b.reorderCorrelation = Units.parsePercent(v));
        SETTERS.put("corrupt", (b, v) -> b.corrupt = Units.parsePercent(v));
        SETTERS.put("corruptCorrelation", (b, v) -> b.corruptCorrelation = Units.parsePercent(v));
        SETTERS.put("rate", (b, v) -> b.rateBitsPerSecond = Units.parseRate(v));
        SETTERS.put("limit", (b, v) ->
        {
            b.limit = parseInt(v, "a number of frames (1.." + Impairment.MAX_LIMIT + ")");
            if (b.limit < 1 || b.limit > Impairment.MAX_LIMIT)
            {
                throw new IllegalArgumentException(b.limit + " is outside 1.." + Impairment.MAX_LIMIT + " frames");
            }
        });
        SETTERS.put("partition", (b, v) -> b.partition = parseBoolean(v));
        SETTERS.put("flap", ImpairmentPatch::setFlap);
        SETTERS.put("seed", (b, v) -> b.seed = parseLong(v));
    }

    private final Map<String, String> changes;

    private ImpairmentPatch(final Map<String, String> changes)
    {
        this.changes = changes;
    }

    /**
     * A patch of {@code changes} (field → value as text), each value checked now.
     *
     * @throws IllegalArgumentException naming the field: unknown, or a value it does not take
     */
    public static ImpairmentPatch of(final Map<String, String> changes)
    {
        final Map<String, String> canonical = new LinkedHashMap<>();
        for (final Map.Entry<String, String> change : changes.entrySet())
        {
            final String field = canonicalName(change.getKey());
            if (!SETTERS.containsKey(field))
            {
                throw new IllegalArgumentException("unknown field '" + change.getKey() + "' (expected: " + String.join(", ", FIELDS) + ")");
            }
            if (change.getValue() == null)
            {
                throw new IllegalArgumentException("field '" + field + "': no value");
            }
            canonical.put(field, change.getValue());
        }
        final ImpairmentPatch patch = new ImpairmentPatch(canonical);
        patch.applyTo(Impairment.none(0).toBuilder());
        return patch;
    }

    /**
     * Parses the agent option's form, {@code field=value} pairs separated by commas or spaces
     * ({@code delay=50ms,jitter=5ms,loss=10%}); a value with spaces (gemodel) takes {@code +} or {@code ;}
     * between its words: {@code gemodel=1%+10%}.
     */
    public static ImpairmentPatch parse(final String text)
    {
        final Map<String, String> changes = new LinkedHashMap<>();
        for (final String pair : text.trim().split("[,\\s]+"))
        {
            if (pair.isEmpty())
            {
                continue;
            }
            final int equals = pair.indexOf('=');
            if (equals <= 0)
            {
                throw new IllegalArgumentException("'" + pair + "' is not field=value (e.g. delay=50ms, loss=10%, rate=10mbit)");
            }
            changes.put(pair.substring(0, equals), pair.substring(equals + 1).replace('+', ' ').replace(';', ' '));
        }
        if (changes.isEmpty())
        {
            throw new IllegalArgumentException("no field=value pairs in '" + text + "'");
        }
        return of(changes);
    }

    /** {@code delay-correlation} → {@code delayCorrelation}. */
    public static String canonicalName(final String name)
    {
        final StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (final char c : name.trim().toCharArray())
        {
            if (c == '-' || c == '_')
            {
                upper = true;
            }
            else
            {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }

    /** The fields it changes, canonical names, values as given. */
    public Map<String, String> changes()
    {
        return Map.copyOf(changes);
    }

    public boolean names(final String field)
    {
        return changes.containsKey(field);
    }

    /**
     * {@code base} with this patch's changes.
     *
     * @throws IllegalArgumentException when the result is not a valid impairment (reorder without delay)
     */
    public Impairment applyTo(final Impairment base)
    {
        final Impairment.Builder builder = base.toBuilder();
        applyTo(builder);
        return builder.build();
    }

    private void applyTo(final Impairment.Builder builder)
    {
        for (final Map.Entry<String, String> change : changes.entrySet())
        {
            try
            {
                SETTERS.get(change.getKey()).accept(builder, change.getValue());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("field '" + change.getKey() + "': " + ex.getMessage(), ex);
            }
        }
    }

    /** This patch followed by {@code next} (the later one wins where both name a field). */
    public ImpairmentPatch and(final ImpairmentPatch next)
    {
        final Map<String, String> merged = new LinkedHashMap<>(changes);
        merged.putAll(next.changes);
        return new ImpairmentPatch(merged);
    }

    @Override
    public String toString()
    {
        final List<String> pairs = new ArrayList<>();
        changes.forEach((field, value) -> pairs.add(field + "=" + value));
        return String.join(",", pairs);
    }

    private static boolean off(final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        return v.equals("off") || v.equals("none") || v.equals("0") || v.equals("0%");
    }

    private static void setFlap(final Impairment.Builder builder, final String value)
    {
        if (off(value))
        {
            builder.flapUpNanos = 0;
            builder.flapDownNanos = 0;
            return;
        }
        final String[] parts = value.split("/");
        if (parts.length != 2)
        {
            throw new IllegalArgumentException("'" + value + "' is not UP/DOWN (e.g. 10s/2s: up 10 s, then down 2 s, over and over) or off");
        }
        builder.flapUpNanos = Units.parseDuration(parts[0]);
        builder.flapDownNanos = Units.parseDuration(parts[1]);
        if (builder.flapUpNanos == 0 || builder.flapDownNanos == 0)
        {
            throw new IllegalArgumentException("'" + value + "': both times must be more than 0");
        }
    }

    private static boolean parseBoolean(final String value)
    {
        return switch (value.trim().toLowerCase(Locale.ROOT))
        {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }

    private static int parseInt(final String value, final String expected)
    {
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + value + "' is not " + expected);
        }
    }

    private static long parseLong(final String value)
    {
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + value + "' is not an integer");
        }
    }
}
