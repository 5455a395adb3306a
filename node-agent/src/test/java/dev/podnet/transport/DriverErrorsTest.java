package dev.podnet.transport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DriverErrorsTest
{
    private final List<String> lines = new ArrayList<>();
    private long now = 5_000_000_000L;
    private final DriverErrors errors = new DriverErrors(lines::add, () -> now, 1_000_000_000L);

    @Test
    void shouldLogTheFirstErrorAtOnceAndAtMostOneLineASecondSayingHowManyWereLeftOut()
    {
        final IOException unreachable = new IOException("failed to send datagram to node-4/172.20.0.2:8472: Network is unreachable");

        for (int i = 0; i < 4_500; i++) // a second of a partitioned node's failed sends
        {
            errors.onError(unreachable);
            now += 222_000;
        }
        assertThat(lines).containsExactly("java.io.IOException: failed to send datagram to node-4/172.20.0.2:8472: Network is unreachable");

        now += 10_000_000;
        errors.onError(new IllegalStateException("another"));

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).isEqualTo("java.lang.IllegalStateException: another (and 4499 more driver errors in the 1.0 s " +
            "before, not logged)");
    }

    @Test
    void shouldLogEveryErrorWhenTheyComeLessThanOnceASecond()
    {
        for (int i = 0; i < 3; i++)
        {
            errors.onError(new IOException("error " + i));
            now += 1_500_000_000L;
        }

        assertThat(lines).containsExactly("java.io.IOException: error 0", "java.io.IOException: error 1", "java.io.IOException: error 2");
    }
}
