package dev.podnet.netem;

import java.util.SplittableRandom;

/**
 * netem's correlated random numbers ({@code get_crandom} in {@code sch_netem.c}): each value is
 * {@code (1 - ρ) × fresh + ρ × previous}, so with correlation ρ successive decisions lean on the one
 * before (a loss tends to follow a loss). ρ = 0 is plain uniform randomness. Like netem's, this keeps
 * the mean but narrows the spread as ρ grows; for bursty loss with a real model use Gilbert-Elliott
 * ({@link GilbertElliott}).
 */
final class CorrelatedRandom
{
    private double correlation;
    private double last;

    void correlation(final double correlation)
    {
        this.correlation = correlation;
    }

    double correlation()
    {
        return correlation;
    }

    /** The next value in [0, 1). */
    double next(final SplittableRandom random)
    {
        final double fresh = random.nextDouble();
        if (correlation == 0)
        {
            return fresh;
        }
        last = fresh * (1 - correlation) + last * correlation;
        return last;
    }
}
