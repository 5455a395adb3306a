package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CheckMatrixTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    /** b-1 cannot reach c-1; everything else connects. */
    private static JsonNode check() throws Exception
    {
        return JSON.readTree("""
            {"pods":["a-1","b-1","c-1"],"pairs":6,"ok":5,
             "failed":[{"from":"b-1","to":"c-1","error":"ping: timeout"}],
             "matrix":[{"from":"a-1","to":"b-1","ok":true},{"from":"a-1","to":"c-1","ok":true},
                       {"from":"b-1","to":"a-1","ok":true},{"from":"b-1","to":"c-1","ok":false,"error":"ping: timeout"},
                       {"from":"c-1","to":"a-1","ok":true},{"from":"c-1","to":"b-1","ok":true}]}
            """);
    }

    @Test
    void shouldPrintRowsFromColumnsToThenTheCountAndEachFailure() throws Exception
    {
        assertThat(CheckMatrix.lines(check(), 120)).containsExactly(
            "FROM\\TO  a-1  b-1  c-1",
            "a-1      -    ok   ok",
            "b-1      ok   -    X",
            "c-1      ok   ok   -",
            "5/6 pairs ok",
            "b-1 -> c-1: ping: timeout");
        assertThat(CheckMatrix.allOk(check())).isFalse();
    }

    @Test
    void shouldNumberTheColumnsAndPrintALegendWhenNamesDoNotFit() throws Exception
    {
        assertThat(CheckMatrix.lines(check(), 20)).containsExactly(
            "FROM\\TO  1   2   3",
            "1        -   ok  ok",
            "2        ok  -   X",
            "3        ok  ok  -",
            "where:",
            "  1  a-1",
            "  2  b-1",
            "  3  c-1",
            "5/6 pairs ok",
            "b-1 -> c-1: ping: timeout");
    }

    @Test
    void shouldBeAllOkOnlyWithNoFailureAndEveryPairOk() throws Exception
    {
        assertThat(CheckMatrix.allOk(JSON.readTree("{\"pairs\":2,\"ok\":2,\"failed\":[]}"))).isTrue();
        assertThat(CheckMatrix.allOk(JSON.readTree("{\"pairs\":2,\"ok\":1,\"failed\":[]}"))).isFalse();
        assertThat(CheckMatrix.allOk(JSON.readTree("{\"pairs\":0,\"ok\":0,\"failed\":[]}"))).as("one pod: nothing to fail").isTrue();
    }
}
