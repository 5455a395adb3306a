package dev.podnet.netem;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a link's delay varies around its mean, as netem's {@code distribution} has it: {@code uniform}
 * (netem's default: mean ± jitter, flat), {@code normal}, {@code pareto} and {@code paretonormal}.
 * <p>
 * Like netem's tables ({@code iproute2/netem/*.dist}, made by {@code maketable} from samples), the
 * three shaped ones are inverse CDFs sampled at {@value #TABLE_SIZE} points, normalised to mean 0 and
 * standard deviation 1, built once when the class loads from a fixed seed: a delay is
 * {@code mean + jitter × table[u]} for a (possibly correlated) uniform {@code u}. Pareto has shape 3
 * (netem's), and paretonormal is netem's mix, 0.25 × normal + 0.75 × pareto. Sampling allocates nothing.
 */
public enum Distribution
{
    UNIFORM,
    NORMAL,
    PARETO,
    PARETONORMAL;

    static final int TABLE_SIZE = 4096;
    private static final int SAMPLES = 1 << 16;
    private static final double PARETO_SHAPE = 3.0;
    private static final double[][] TABLES = new double[values().length][];

    static
    {
        final SplittableRandom random = new SplittableRandom(0x6E6574656DL);
        for (final Distribution distribution : values())
        {
            if (distribution != UNIFORM)
            {
                TABLES[distribution.ordinal()] = table(distribution, random);
            }
        }
    }

    /**
     * A value of mean 0 and standard deviation 1 (uniform: within ±1, flat) for a uniform
     * {@code u} in [0, 1).
     */
    public double standardValue(final double u)
    {
        if (this == UNIFORM)
        {
            return 2 * u - 1;
        }
        final double[] table = TABLES[ordinal()];
        final int index = (int)(u * TABLE_SIZE);
        return table[Math.min(TABLE_SIZE - 1, Math.max(0, index))];
    }

    /** The setting's spelling: {@code uniform}, {@code normal}, {@code pareto}, {@code paretonormal}. */
    public String settingName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Distribution parse(final String value)
    {
        for (final Distribution distribution : values())
        {
            if (distribution.settingName().equals(value.trim().toLowerCase(Locale.ROOT)))
            {
                return distribution;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a distribution (expected one of: uniform, normal, pareto, paretonormal)");
    }

    private static double[] table(final Distribution distribution, final SplittableRandom random)
    {
        final double[] samples = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++)
        {
            samples[i] = switch (distribution)
            {
                case NORMAL -> random.nextGaussian();
                case PARETO -> pareto(random);
                default -> 0.25 * random.nextGaussian() + 0.75 * pareto(random);
            };
        }
        final double mean = Arrays.stream(samples).average().orElse(0);
        final double deviation = Math.sqrt(Arrays.stream(samples).map(x -> (x - mean) * (x - mean)).sum() / SAMPLES);
        Arrays.sort(samples);
        final double[] table = new double[TABLE_SIZE];
        for (int i = 0; i < TABLE_SIZE; i++)
        {
            table[i] = (samples[(int)((i + 0.5) * SAMPLES / TABLE_SIZE)] - mean) / deviation;
        }
        return table;
    }

    private static double pareto(final SplittableRandom random)
    {
        return Math.pow(1.0 - random.nextDouble(), -1.0 / PARETO_SHAPE);
    }
}
