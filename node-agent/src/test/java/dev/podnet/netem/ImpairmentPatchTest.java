package dev.podnet.netem;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImpairmentPatchTest
{
    @Test
    void shouldChangeOnlyTheFieldsItNames()
    {
        final Impairment first = ImpairmentPatch.of(Map.of("delay", "50ms", "jitter", "5ms", "loss", "10%")).applyTo(Impairment.none(7));

        final Impairment second = ImpairmentPatch.of(Map.of("rate", "10mbit")).applyTo(first);

        assertThat(second.delayNanos()).isEqualTo(50_000_000L);
        assertThat(second.jitterNanos()).isEqualTo(5_000_000L);
        assertThat(second.loss()).isEqualTo(0.1);
        assertThat(second.rateBitsPerSecond()).isEqualTo(10_000_000L);
        assertThat(second.seed()).isEqualTo(7);
        assertThat(second.describe()).isEqualTo("delay 50ms 5ms loss 10% rate 10mbit");
    }

    @Test
    void shouldTakeTheAgentOptionsFormWithKebabCaseNames()
    {
        final Impairment impairment = ImpairmentPatch.parse("delay=20ms, delay-correlation=25% distribution=normal jitter=2ms " +
            "gemodel=1%+10%+70%+0.1% flap=10s/2s partition=on").applyTo(Impairment.none(1));

        assertThat(impairment.delayCorrelation()).isEqualTo(0.25);
        assertThat(impairment.distribution()).isEqualTo(Distribution.NORMAL);
        assertThat(impairment.gilbertElliott()).isEqualTo(new GilbertElliott(0.01, 0.1, 0.7, 0.001));
        assertThat(impairment.flapUpNanos()).isEqualTo(10_000_000_000L);
        assertThat(impairment.flapDownNanos()).isEqualTo(2_000_000_000L);
        assertThat(impairment.partition()).isTrue();
        assertThat(impairment.describe())
            .isEqualTo("partition delay 20ms 2ms 25% distribution normal loss gemodel 1% 10% 70% 0.1% flap 10s/2s");
    }

    @Test
    void shouldReplaceGilbertElliottByRandomLossAndBack()
    {
        final Impairment ge = ImpairmentPatch.of(Map.of("gemodel", "5%")).applyTo(Impairment.none(1));
        assertThat(ge.gilbertElliott()).isEqualTo(new GilbertElliott(0.05, 1.0, 1.0, 0.0));

        final Impairment random = ImpairmentPatch.of(Map.of("loss", "3%")).applyTo(ge);

        assertThat(random.gilbertElliott()).isNull();
        assertThat(random.loss()).isEqualTo(0.03);
    }

    @Test
    void shouldUndoSettingsWithZeroOrOff()
    {
        final Impairment set = ImpairmentPatch.parse("delay=10ms,rate=1mbit,flap=1s/1s,partition=true").applyTo(Impairment.none(1));

        final Impairment undone = ImpairmentPatch.parse("delay=0,rate=0,flap=off,partition=false").applyTo(set);

        assertThat(undone.isNone()).isTrue();
        assertThat(undone.describe()).isEqualTo("none");
    }

    @Test
    void shouldNameTheFieldOfABadValueOrAnUnknownField()
    {
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("delay", "soon")))
            .hasMessage("field 'delay': 'soon' is not a duration (e.g. 50ms, 1.5s, 200us)");
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("latency", "5ms")))
            .hasMessageStartingWith("unknown field 'latency' (expected: delay, jitter,");
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("limit", "0")))
            .hasMessage("field 'limit': 0 is outside 1..65536 frames");
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("distribution", "gamma")))
            .hasMessageContaining("expected one of: uniform, normal, pareto, paretonormal");
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("flap", "10s")))
            .hasMessageContaining("field 'flap': '10s' is not UP/DOWN");
        assertThatThrownBy(() -> ImpairmentPatch.of(Map.of("reorder", "25%")).applyTo(Impairment.none(1)))
            .hasMessageContaining("reordering needs a delay");
        assertThatThrownBy(() -> ImpairmentPatch.parse("delay"))
            .hasMessageContaining("is not field=value");
    }
}
