package dev.podnet.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RestartBackoffTest
{
    private static final Duration YOUNG = Duration.ofSeconds(2);

    @Test
    void shouldDoubleFromOneSecondToThirtyWhileTheAgentKeepsDyingYoung()
    {
        final RestartBackoff backoff = new RestartBackoff();

        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(16));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldStartOverAfterALifeOfAMinuteOrMore()
    {
        final RestartBackoff backoff = new RestartBackoff();
        backoff.next(YOUNG);
        backoff.next(YOUNG);
        backoff.next(YOUNG);

        assertThat(backoff.next(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.next(YOUNG)).isEqualTo(Duration.ofSeconds(2));
    }
}
