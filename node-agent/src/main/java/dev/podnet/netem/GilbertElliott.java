package dev.podnet.netem;

import java.util.SplittableRandom;

/**
 * Gilbert-Elliott loss, netem's {@code loss gemodel p [r [1-h [1-k]]]}: a two-state Markov chain. In
 * the good state a packet is lost with probability {@code 1-k} (default 0), in the bad state with
 * {@code 1-h} (default 1); before each packet the chain moves good → bad with probability {@code p}
 * and bad → good with {@code r} (default 1). Losses come in bursts of mean length about {@code 1/r}.
 * The defaults are tc's: {@code gemodel 1%} alone is Gilbert's simple model with bursts of one.
 *
 * @param p          good → bad transition probability
 * @param r          bad → good transition probability
 * @param lossInBad  {@code 1-h}: loss probability in the bad state
 * @param lossInGood {@code 1-k}: loss probability in the good state
 */
public record GilbertElliott(double p, double r, double lossInBad, double lossInGood)
{
    /** {@code P [R [1-H [1-K]]]}, as tc takes them: percentages separated by spaces. */
    public static GilbertElliott parse(final String text)
    {
        final String[] words = text.trim().split("[\\s,]+");
        if (words.length < 1 || words.length > 4 || words[0].isEmpty())
        {
            throw new IllegalArgumentException("'" + text + "' is not a Gilbert-Elliott model (expected: P [R [1-H [1-K]]], " +
                "percentages, e.g. '1% 10% 70% 0.1%')");
        }
        final double p = Units.parsePercent(words[0]);
        final double r = words.length > 1 ? Units.parsePercent(words[1]) : 1.0;
        final double lossInBad = words.length > 2 ? Units.parsePercent(words[2]) : 1.0;
        final double lossInGood = words.length > 3 ? Units.parsePercent(words[3]) : 0.0;
        return new GilbertElliott(p, r, lossInBad, lossInGood);
    }

    /** The long-run fraction of packets lost: π_bad × (1-h) + π_good × (1-k). */
    public double meanLoss()
    {
        if (p + r == 0)
        {
            return lossInGood;
        }
        final double bad = p / (p + r);
        return bad * lossInBad + (1 - bad) * lossInGood;
    }

    @Override
    public String toString()
    {
        return Units.formatPercent(p) + " " + Units.formatPercent(r) + " " + Units.formatPercent(lossInBad) + " " +
            Units.formatPercent(lossInGood);
    }

    /** The chain's state for one link; moves once per packet. */
    static final class Chain
    {
        private boolean bad;

        /** Moves the chain and decides whether this packet is lost (sch_netem.c's {@code loss_gilb_ell}). */
        boolean lose(final GilbertElliott model, final SplittableRandom random)
        {
            if (bad)
            {
                if (random.nextDouble() < model.r)
                {
                    bad = false;
                }
                return random.nextDouble() < model.lossInBad;
            }
            if (random.nextDouble() < model.p)
            {
                bad = true;
            }
            return random.nextDouble() < model.lossInGood;
        }
    }
}
