package dev.podnet.netem;

import dev.podnet.testing.AllocationMeter;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LinkShaperTest
{
    private static final long MS = 1_000_000L;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1500]);
    private final List<Long> releasedAt = new ArrayList<>();
    private final List<Long> releasedTags = new ArrayList<>();
    private final List<byte[]> releasedBytes = new ArrayList<>();
    private long now;

    private final LinkShaper.Transmitter record = (buffer, offset, length, tag) ->
    {
        releasedAt.add(now);
        releasedTags.add(tag);
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        releasedBytes.add(bytes);
        return true;
    };

    private static Impairment impairment(final String spec)
    {
        return ImpairmentPatch.parse(spec).applyTo(Impairment.none(42));
    }

    /** Advances the clock 0.1 ms at a time up to {@code until}, releasing what is due. */
    private void runUntil(final LinkShaper shaper, final long until)
    {
        while (now < until)
        {
            now += MS / 10;
            shaper.release(now, record);
        }
    }

    @Test
    void shouldHoldEveryFrameForTheDelayAndNotAMomentLess()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=50ms"), 1514, now);
        for (int i = 0; i < 10; i++)
        {
            assertThat(shaper.offer(frame, 0, 100, i, now)).isEqualTo(LinkShaper.QUEUED);
            runUntil(shaper, now + MS);
        }

        runUntil(shaper, 100 * MS);

        assertThat(releasedTags).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        for (int i = 0; i < 10; i++)
        {
            assertThat(releasedAt.get(i)).isEqualTo((50 + i) * MS);
        }
    }

    @Test
    void shouldSpreadDelaysOverMeanPlusMinusJitterUniformlyByDefaultAndReorderThem()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=50ms,jitter=10ms,limit=5000"), 1514, now);
        final long[] delays = new long[2000];
        for (int i = 0; i < delays.length; i++)
        {
            shaper.offer(frame, 0, 100, i, now);
            delays[i] = shaper.lastDelayNanos();
        }

        assertThat(Arrays.stream(delays).min().getAsLong()).isBetween(40 * MS, 41 * MS);
        assertThat(Arrays.stream(delays).max().getAsLong()).isBetween(59 * MS, 60 * MS);
        assertThat(Arrays.stream(delays).average().getAsDouble()).isCloseTo(50.0 * MS, within(0.5 * MS));
        runUntil(shaper, 100 * MS);
        assertThat(releasedTags).hasSize(2000).isNotEqualTo(releasedTags.stream().sorted().toList());
    }

    @Test
    void shouldDrawNormalDelaysWithTheJitterAsStandardDeviation()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=100ms,jitter=10ms,distribution=normal"), 1514, now);
        final double[] delays = new double[5000];
        for (int i = 0; i < delays.length; i++)
        {
            shaper.offer(frame, 0, 10, i, now);
            delays[i] = shaper.lastDelayNanos() / (double)MS;
            if (shaper.queued() > 900)
            {
                runUntil(shaper, now + 200 * MS);
            }
        }
        final double mean = Arrays.stream(delays).average().getAsDouble();
        final double deviation = Math.sqrt(Arrays.stream(delays).map(d -> (d - mean) * (d - mean)).average().getAsDouble());

        assertThat(mean).isCloseTo(100.0, within(1.0));
        assertThat(deviation).isCloseTo(10.0, within(1.0));
        final long withinOneSigma = Arrays.stream(delays).filter(d -> Math.abs(d - 100) <= 10).count();
        assertThat(withinOneSigma / 5000.0).isCloseTo(0.683, within(0.03));
    }

    @Test
    void shouldLoseTheGivenFractionAndTheSameFramesForTheSameSeed()
    {
        final boolean[] first = lossPattern(impairment("loss=10%"), 10_000);
        final boolean[] again = lossPattern(impairment("loss=10%"), 10_000);
        final boolean[] otherSeed = lossPattern(impairment("loss=10%,seed=43"), 10_000);

        assertThat(count(first) / 10_000.0).isCloseTo(0.10, within(0.01));
        assertThat(first).isEqualTo(again);
        assertThat(first).isNotEqualTo(otherSeed);
    }

    @Test
    void shouldLoseInBurstsWithGilbertElliottAtTheModelsMeanRate()
    {
        final Impairment ge = impairment("gemodel=2%+20%+80%+0.5%");
        final boolean[] lost = lossPattern(ge, 100_000);
        final boolean[] random = lossPattern(impairment("loss=" + ge.gilbertElliott().meanLoss() * 100), 100_000);

        assertThat(count(lost) / 100_000.0).isCloseTo(ge.gilbertElliott().meanLoss(), within(0.01));
        // bursty: a loss follows a loss far more often than with independent losses of the same rate
        assertThat(lossAfterLoss(lost)).isGreaterThan(0.5);
        assertThat(lossAfterLoss(random)).isLessThan(0.2);
    }

    @Test
    void shouldSendDuplicatesAsExtraCopies()
    {
        final LinkShaper shaper = new LinkShaper(impairment("duplicate=20%"), 1514, now);
        for (int i = 0; i < 500; i++)
        {
            shaper.offer(frame, 0, 60, i, now);
            runUntil(shaper, now + MS / 10);
        }

        assertThat(releasedTags.size() - 500L).isEqualTo(shaper.stats().duplicated());
        assertThat(shaper.stats().duplicated() / 500.0).isCloseTo(0.2, within(0.06));
    }

    @Test
    void shouldSendReorderedFramesAheadOfDelayedOnes()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=10ms,reorder=25%"), 1514, now);
        for (int i = 0; i < 400; i++)
        {
            shaper.offer(frame, 0, 60, i, now);
            runUntil(shaper, now + MS / 10);
        }
        runUntil(shaper, now + 20 * MS);

        final long reordered = shaper.stats().reordered();
        assertThat(reordered / 400.0).isCloseTo(0.25, within(0.07));
        int outOfOrder = 0;
        for (int i = 1; i < releasedTags.size(); i++)
        {
            outOfOrder += releasedTags.get(i) < releasedTags.get(i - 1) ? 1 : 0;
        }
        assertThat(outOfOrder).isPositive();
        assertThat(releasedTags).hasSize(400);
    }

    @Test
    void shouldFlipExactlyOneBitOfACorruptedFrame()
    {
        final LinkShaper shaper = new LinkShaper(impairment("corrupt=100%"), 1514, now);
        final byte[] original = new byte[200];
        new java.util.Random(1).nextBytes(original);
        frame.putBytes(0, original);

        shaper.offer(frame, 0, 200, 0, now);
        runUntil(shaper, MS);

        int flipped = 0;
        for (int i = 0; i < 200; i++)
        {
            flipped += Integer.bitCount((original[i] ^ releasedBytes.get(0)[i]) & 0xFF);
        }
        assertThat(flipped).isEqualTo(1);
        assertThat(frame.getByte(0)).isEqualTo(original[0]); // the sender's buffer is untouched
    }

    @Test
    void shouldSerialiseFramesAtTheRateAndDropBeyondTheLimit()
    {
        // 10 Mbit/s: a 1250-byte frame takes 1 ms on the line
        final LinkShaper shaper = new LinkShaper(impairment("rate=10mbit,limit=100"), 1514, now);
        for (int i = 0; i < 150; i++)
        {
            shaper.offer(frame, 0, 1250, i, now);
        }
        assertThat(shaper.stats().queueFull()).isEqualTo(50);

        runUntil(shaper, 200 * MS);

        assertThat(releasedTags).hasSize(100);
        for (int i = 0; i < 100; i++)
        {
            assertThat(releasedAt.get(i)).isEqualTo((i + 1) * MS);
        }
    }

    @Test
    void shouldCountTheDelayAlreadySpentBehindTheLastFrameAsNetemsRateDoes()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=10ms,rate=10mbit"), 1514, now);
        shaper.offer(frame, 0, 1250, 0, now);
        shaper.offer(frame, 0, 1250, 1, now);

        runUntil(shaper, 50 * MS);

        // the first leaves after its delay and its own 1 ms on the line, the second 1 ms behind it
        assertThat(releasedAt).containsExactly(11 * MS, 12 * MS);
    }

    @Test
    void shouldDropEverythingWhilePartitionedAndWhileAFlappingLinkIsDown()
    {
        final LinkShaper partitioned = new LinkShaper(impairment("partition=true"), 1514, now);
        assertThat(partitioned.offer(frame, 0, 60, 0, now)).isEqualTo(LinkShaper.PARTITIONED);

        final LinkShaper flapping = new LinkShaper(impairment("flap=30ms/10ms"), 1514, 0);
        final int[] verdicts = new int[80];
        for (int ms = 0; ms < 80; ms++)
        {
            verdicts[ms] = flapping.offer(frame, 0, 60, ms, ms * MS);
        }

        for (int ms = 0; ms < 80; ms++)
        {
            final boolean down = ms % 40 >= 30;
            assertThat(verdicts[ms]).as("at %d ms", ms).isEqualTo(down ? LinkShaper.LINK_DOWN : LinkShaper.QUEUED);
        }
        assertThat(flapping.stats().linkDown()).isEqualTo(20);
    }

    @Test
    void shouldKeepHeldFramesWhenTheLimitChanges()
    {
        final LinkShaper shaper = new LinkShaper(impairment("delay=5ms"), 1514, now);
        for (int i = 0; i < 10; i++)
        {
            shaper.offer(frame, 0, 60, i, now);
        }

        shaper.impairment(ImpairmentPatch.parse("limit=4").applyTo(shaper.impairment()), now);
        runUntil(shaper, 10 * MS);

        assertThat(releasedTags).containsExactly(0L, 1L, 2L, 3L);
        assertThat(shaper.stats().queueFull()).isEqualTo(6);
    }

    @Test
    void shouldOfferAndReleaseWithoutAllocating()
    {
        final LinkShaper shaper = new LinkShaper(
            impairment("delay=1ms,jitter=1ms,distribution=paretonormal,loss=5%,duplicate=5%,corrupt=5%,rate=1gbit"), 1514, 0);
        final long[] clock = {0};
        final LinkShaper.Transmitter discard = (MutableDirectBuffer buffer, int offset, int length, long tag) -> true;

        final long allocated = AllocationMeter.quietestRound(() ->
        {
            for (int i = 0; i < 10_000; i++)
            {
                clock[0] += 10_000;
                shaper.offer(frame, 0, 1000, i, clock[0]);
                shaper.release(clock[0], discard);
            }
        }, 3, 5);

        assertThat(allocated).isZero();
    }

    private boolean[] lossPattern(final Impairment impairment, final int frames)
    {
        final LinkShaper shaper = new LinkShaper(impairment, 64, 0);
        final boolean[] lost = new boolean[frames];
        final LinkShaper.Transmitter discard = (buffer, offset, length, tag) -> true;
        for (int i = 0; i < frames; i++)
        {
            lost[i] = shaper.offer(frame, 0, 60, i, i) == LinkShaper.LOST;
            shaper.release(i, discard);
        }
        return lost;
    }

    private static long count(final boolean[] values)
    {
        long n = 0;
        for (final boolean value : values)
        {
            n += value ? 1 : 0;
        }
        return n;
    }

    private static double lossAfterLoss(final boolean[] lost)
    {
        int losses = 0;
        int followed = 0;
        for (int i = 1; i < lost.length; i++)
        {
            if (lost[i - 1])
            {
                losses++;
                followed += lost[i] ? 1 : 0;
            }
        }
        return followed / (double)losses;
    }
}
