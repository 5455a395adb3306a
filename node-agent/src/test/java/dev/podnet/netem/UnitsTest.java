package dev.podnet.netem;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest
{
    @Test
    void shouldReadTimesAsTcWritesThem()
    {
        assertThat(Units.parseDuration("50ms")).isEqualTo(50_000_000L);
        assertThat(Units.parseDuration("1.5s")).isEqualTo(1_500_000_000L);
        assertThat(Units.parseDuration("200us")).isEqualTo(200_000L);
        assertThat(Units.parseDuration("7")).isEqualTo(7_000_000L);
        assertThat(Units.formatDuration(50_000_000L)).isEqualTo("50ms");
        assertThat(Units.formatDuration(2_000_000_000L)).isEqualTo("2s");
        assertThat(Units.formatDuration(1_500_000L)).isEqualTo("1.5ms");
        assertThat(Units.formatDuration(0)).isEqualTo("0ms");
    }

    @Test
    void shouldReadRatesInBitsAndBytesAsTcDoes()
    {
        assertThat(Units.parseRate("10mbit")).isEqualTo(10_000_000L);
        assertThat(Units.parseRate("512kbit")).isEqualTo(512_000L);
        assertThat(Units.parseRate("1gbit")).isEqualTo(1_000_000_000L);
        assertThat(Units.parseRate("100kbps")).isEqualTo(800_000L);
        assertThat(Units.parseRate("9600")).isEqualTo(9600L);
        assertThat(Units.formatRate(10_000_000L)).isEqualTo("10mbit");
        assertThat(Units.formatRate(1_500_000L)).isEqualTo("1.5mbit");
    }

    @Test
    void shouldReadPercentages()
    {
        assertThat(Units.parsePercent("10%")).isEqualTo(0.1);
        assertThat(Units.parsePercent("0.5")).isEqualTo(0.005);
        assertThat(Units.formatPercent(0.1)).isEqualTo("10%");
        assertThat(Units.formatPercent(0.001)).isEqualTo("0.1%");
    }

    @Test
    void shouldSayWhatWasExpectedForNonsense()
    {
        assertThatThrownBy(() -> Units.parseDuration("fast")).hasMessageContaining("is not a duration (e.g. 50ms");
        assertThatThrownBy(() -> Units.parseDuration("-5ms")).hasMessageContaining("outside 0..1h");
        assertThatThrownBy(() -> Units.parsePercent("120%")).hasMessageContaining("outside 0..100%");
        assertThatThrownBy(() -> Units.parseRate("10mbits")).hasMessageContaining("is not a rate");
        assertThatThrownBy(() -> Units.parseRate("NaN")).hasMessageContaining("is not a rate");
    }
}
