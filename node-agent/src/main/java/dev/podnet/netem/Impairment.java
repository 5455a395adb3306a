package dev.podnet.netem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one direction of one link between two nodes does to the frames crossing it: netem's
 * impairments, with its names, units and defaults ({@code tc-netem(8)}).
 *
 * @param delayNanos           mean added delay
 * @param jitterNanos          spread of the delay around the mean (uniform ± unless a {@code distribution} says otherwise)
 * @param delayCorrelation     0..1, how much each delay leans on the one before
 * @param distribution         shape of the delay's variation
 * @param loss                 0..1, random loss (ignored while {@code gilbertElliott} is set)
 * @param lossCorrelation      0..1
 * @param gilbertElliott       correlated (bursty) loss, or {@code null}
 * @param duplicate            0..1, frames sent twice
 * @param duplicateCorrelation 0..1
 * @param reorder              0..1, frames sent at once, ahead of the delayed ones (needs a delay, as in netem)
 * @param reorderCorrelation   0..1
 * @param corrupt              0..1, frames with one bit flipped at a random offset
 * @param corruptCorrelation   0..1
 * @param rateBitsPerSecond    serialisation rate of the link (0: unlimited); a frame takes {@code 8 × length / rate}
 * @param limit                frames the link holds at most (delayed or waiting for the rate); more are dropped
 * @param partition            nothing crosses
 * @param flapUpNanos          with {@code flapDownNanos}: the link is up this long, then down, over and over (0: no flap)
 * @param flapDownNanos        how long each down lasts
 * @param seed                 the seed of the link's random decisions: the same seed and traffic, the same decisions
 */
public record Impairment(
    long delayNanos,
    long jitterNanos,
    double delayCorrelation,
    Distribution distribution,
    double loss,
    double lossCorrelation,
    GilbertElliott gilbertElliott,
    double duplicate,
    double duplicateCorrelation,
    double reorder,
    double reorderCorrelation,
    double corrupt,
    double corruptCorrelation,
    long rateBitsPerSecond,
    int limit,
    boolean partition,
    long flapUpNanos,
    long flapDownNanos,
    long seed)
{
    /** netem's default queue limit, in frames. */
    public static final int DEFAULT_LIMIT = 1000;
    /** The most frames one link may hold: a slot each of the largest frame, allocated when the link is impaired. */
    public static final int MAX_LIMIT = 65_536;

    /** Nothing impaired (a fresh link), with {@code seed}. */
    public static Impairment none(final long seed)
    {
        return new Impairment(0, 0, 0, Distribution.UNIFORM, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, DEFAULT_LIMIT, false, 0, 0, seed);
    }

    public Impairment
    {
        if (delayNanos < 0 || jitterNanos < 0 || rateBitsPerSecond < 0 || flapUpNanos < 0 || flapDownNanos < 0)
        {
            throw new IllegalArgumentException("times and rates cannot be negative");
        }
        if (limit < 1 || limit > MAX_LIMIT)
        {
            throw new IllegalArgumentException("field 'limit': " + limit + " is outside 1.." + MAX_LIMIT + " frames");
        }
        if (reorder > 0 && delayNanos == 0)
        {
            throw new IllegalArgumentException("field 'reorder': reordering needs a delay (as in netem: " +
                "reordered frames are the ones sent without it)");
        }
        if ((flapUpNanos == 0) != (flapDownNanos == 0))
        {
            throw new IllegalArgumentException("field 'flap': needs both how long the link is up and how long down");
        }
    }

    /** True when the link does nothing to frames but queue them in order. */
    public boolean isNone()
    {
        return delayNanos == 0 && jitterNanos == 0 && loss == 0 && gilbertElliott == null && duplicate == 0 && reorder == 0 &&
            corrupt == 0 && rateBitsPerSecond == 0 && !partition && flapUpNanos == 0;
    }

    /** The impairment as the API shows it: the fields that are set, in tc's units. */
    public Map<String, Object> fields()
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        if (delayNanos > 0 || jitterNanos > 0)
        {
            fields.put("delay", Units.formatDuration(delayNanos));
        }
        if (jitterNanos > 0)
        {
            fields.put("jitter", Units.formatDuration(jitterNanos));
            fields.put("distribution", distribution.settingName());
        }
        putPercent(fields, "delayCorrelation", delayCorrelation);
        if (gilbertElliott != null)
        {
            fields.put("gemodel", gilbertElliott.toString());
        }
        else
        {
            putPercent(fields, "loss", loss);
        }
        putPercent(fields, "lossCorrelation", lossCorrelation);
        putPercent(fields, "duplicate", duplicate);
        putPercent(fields, "duplicateCorrelation", duplicateCorrelation);
        putPercent(fields, "reorder", reorder);
        putPercent(fields, "reorderCorrelation", reorderCorrelation);
        putPercent(fields, "corrupt", corrupt);
        putPercent(fields, "corruptCorrelation", corruptCorrelation);
        if (rateBitsPerSecond > 0)
        {
            fields.put("rate", Units.formatRate(rateBitsPerSecond));
        }
        fields.put("limit", limit);
        if (partition)
        {
            fields.put("partition", true);
        }
        if (flapUpNanos > 0)
        {
            fields.put("flap", Units.formatDuration(flapUpNanos) + "/" + Units.formatDuration(flapDownNanos));
        }
        fields.put("seed", seed);
        return fields;
    }

    /** One line in tc's words, e.g. {@code delay 50ms 5ms loss 10% rate 10mbit}; {@code none} when nothing is set. */
    public String describe()
    {
        final List<String> words = new ArrayList<>();
        if (partition)
        {
            words.add("partition");
        }
        if (delayNanos > 0 || jitterNanos > 0)
        {
            words.add("delay " + Units.formatDuration(delayNanos) + (jitterNanos > 0 ? " " + Units.formatDuration(jitterNanos) : "") +
                (delayCorrelation > 0 ? " " + Units.formatPercent(delayCorrelation) : "") +
                (jitterNanos > 0 && distribution != Distribution.UNIFORM ? " distribution " + distribution.settingName() : ""));
        }
        if (gilbertElliott != null)
        {
            words.add("loss gemodel " + gilbertElliott);
        }
        else if (loss > 0)
        {
            words.add("loss " + Units.formatPercent(loss) + (lossCorrelation > 0 ? " " + Units.formatPercent(lossCorrelation) : ""));
        }
        addPercent(words, "duplicate", duplicate, duplicateCorrelation);
        addPercent(words, "reorder", reorder, reorderCorrelation);
        addPercent(words, "corrupt", corrupt, corruptCorrelation);
        if (rateBitsPerSecond > 0)
        {
            words.add("rate " + Units.formatRate(rateBitsPerSecond));
        }
        if (flapUpNanos > 0)
        {
            words.add("flap " + Units.formatDuration(flapUpNanos) + "/" + Units.formatDuration(flapDownNanos));
        }
        return words.isEmpty() ? "none" : String.join(" ", words);
    }

    private static void putPercent(final Map<String, Object> fields, final String name, final double value)
    {
        if (value > 0)
        {
            fields.put(name, Units.formatPercent(value));
        }
    }

    private static void addPercent(final List<String> words, final String name, final double value, final double correlation)
    {
        if (value > 0)
        {
            words.add(name + " " + Units.formatPercent(value) + (correlation > 0 ? " " + Units.formatPercent(correlation) : ""));
        }
    }

    /** A mutable copy, for {@link ImpairmentPatch}. */
    Builder toBuilder()
    {
        return new Builder(this);
    }

    /** Mutable fields of an {@link Impairment}, checked when built. */
    static final class Builder
    {
        long delayNanos;
        long jitterNanos;
        double delayCorrelation;
        Distribution distribution;
        double loss;
        double lossCorrelation;
        GilbertElliott gilbertElliott;
        double duplicate;
        double duplicateCorrelation;
        double reorder;
        double reorderCorrelation;
        double corrupt;
        double corruptCorrelation;
        long rateBitsPerSecond;
        int limit;
        boolean partition;
        long flapUpNanos;
        long flapDownNanos;
        long seed;

        Builder(final Impairment from)
        {
            delayNanos = from.delayNanos;
            jitterNanos = from.jitterNanos;
            delayCorrelation = from.delayCorrelation;
            distribution = from.distribution;
            loss = from.loss;
            lossCorrelation = from.lossCorrelation;
            gilbertElliott = from.gilbertElliott;
            duplicate = from.duplicate;
            duplicateCorrelation = from.duplicateCorrelation;
            reorder = from.reorder;
            reorderCorrelation = from.reorderCorrelation;
            corrupt = from.corrupt;
            corruptCorrelation = from.corruptCorrelation;
            rateBitsPerSecond = from.rateBitsPerSecond;
            limit = from.limit;
            partition = from.partition;
            flapUpNanos = from.flapUpNanos;
            flapDownNanos = from.flapDownNanos;
            seed = from.seed;
        }

        Impairment build()
        {
            return new Impairment(delayNanos, jitterNanos, delayCorrelation, distribution, loss, lossCorrelation, gilbertElliott,
                duplicate, duplicateCorrelation, reorder, reorderCorrelation, corrupt, corruptCorrelation, rateBitsPerSecond,
                limit, partition, flapUpNanos, flapDownNanos, seed);
        }
    }
}
