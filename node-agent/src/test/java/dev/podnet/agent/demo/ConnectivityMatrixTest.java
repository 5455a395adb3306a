package dev.podnet.agent.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectivityMatrixTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldPrintARowPerSourceAndListTheFailedPairs() throws Exception
    {
        final ConnectivityMatrix matrix = ConnectivityMatrix.fromCheck(JSON.readTree("""
            {"pairs": 6, "ok": 5, "failed": [{"from": "b1", "to": "a1", "error": "timeout"}],
             "pods": ["a1", "a2", "b1"],
             "matrix": [
               {"from": "a1", "to": "a2", "ok": true, "rttUs": 80, "error": null},
               {"from": "a1", "to": "b1", "ok": true, "rttUs": 210, "error": null},
               {"from": "a2", "to": "a1", "ok": true, "rttUs": 75, "error": null},
               {"from": "a2", "to": "b1", "ok": true, "rttUs": 190, "error": null},
               {"from": "b1", "to": "a1", "ok": false, "rttUs": null, "error": "timeout"},
               {"from": "b1", "to": "a2", "ok": true, "rttUs": 200, "error": null}]}
            """));

        assertThat(matrix.pairs()).isEqualTo(6);
        assertThat(matrix.okPairs()).isEqualTo(5);
        assertThat(matrix.allOk()).isFalse();
        assertThat(matrix.format()).containsExactly(
            "    a1  a2  b1",
            "a1  -   ok  ok",
            "a2  ok  -   ok",
            "b1  X   ok  -",
            "  b1 -> a1: timeout",
            "5/6 pairs ok");
    }

    @Test
    void shouldCountAPairTheCheckDidNotReportAsFailed() throws Exception
    {
        final ConnectivityMatrix matrix = ConnectivityMatrix.fromCheck(JSON.readTree("""
            {"pods": ["a1", "b1"], "matrix": [{"from": "a1", "to": "b1", "ok": true}]}
            """));

        assertThat(matrix.okPairs()).isEqualTo(1);
        assertThat(matrix.format()).contains("  b1 -> a1: not checked", "1/2 pairs ok");
    }

    @Test
    void shouldTakeTheVerdictsOfFailedPairsCheckedAgain() throws Exception
    {
        final ConnectivityMatrix first = ConnectivityMatrix.fromCheck(JSON.readTree("""
            {"pods": ["a1", "b1", "c1"], "matrix": [
               {"from": "a1", "to": "b1", "ok": true}, {"from": "a1", "to": "c1", "ok": false, "error": "ping: timeout"},
               {"from": "b1", "to": "a1", "ok": true}, {"from": "b1", "to": "c1", "ok": true},
               {"from": "c1", "to": "a1", "ok": true}]}
            """));

        assertThat(first.failedPairs()).containsExactly(java.util.List.of("a1", "c1"), java.util.List.of("c1", "b1"));

        // what POST /api/v1/nodes/{name}/check answers for the pairs checked again
        final ConnectivityMatrix again = first.with(ConnectivityMatrix.cellsOf(JSON.readTree("""
            [{"from": "a1", "to": "c1", "ok": true, "rttUs": 300, "error": null},
             {"from": "c1", "to": "b1", "ok": false, "rttUs": null, "error": "hostname: timeout"}]
            """)));

        assertThat(again.okPairs()).isEqualTo(5);
        assertThat(again.failedPairs()).containsExactly(java.util.List.of("c1", "b1"));
        assertThat(again.format()).contains("  c1 -> b1: hostname: timeout", "5/6 pairs ok");
        assertThat(first.okPairs()).as("unchanged").isEqualTo(4);
    }
}
