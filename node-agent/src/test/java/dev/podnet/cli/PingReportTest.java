package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The numbers and words of iputils ping, from hand-checked inputs. */
class PingReportTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldPrintRepliesErrorsInSequenceOrderAndStatisticsLikeIputils() throws Exception
    {
        final JsonNode ping = JSON.readTree("""
            {"target":"b-1","targetIp":"10.244.1.2","sent":4,"received":2,
             "replies":[{"seq":3,"from":"10.244.1.2","ttl":62,"rttUs":400},
                        {"seq":1,"from":"10.244.1.2","ttl":62,"rttUs":200}],
             "errors":[{"seq":2,"type":"net-unreachable","from":"10.244.0.1","mtu":0},
                       {"seq":4,"type":"timeout","from":"","mtu":0}]}
            """);

        assertThat(PingReport.lines(ping, 56)).containsExactly(
            "PING b-1 (10.244.1.2) 56(84) bytes of data.",
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=62 time=0.200 ms",
            "From 10.244.0.1 icmp_seq=2 Destination Net Unreachable",
            "64 bytes from 10.244.1.2: icmp_seq=3 ttl=62 time=0.400 ms",
            "",
            "--- b-1 ping statistics ---",
            "4 packets transmitted, 2 received, +1 errors, 50% packet loss",
            "rtt min/avg/max/mdev = 0.200/0.300/0.400/0.100 ms");
    }

    @Test
    void shouldLeaveOutTheRttLineWhenNothingCameBack() throws Exception
    {
        final JsonNode ping = JSON.readTree("""
            {"target":"10.244.1.9","targetIp":"10.244.1.9","sent":1,"received":0,"replies":[],
             "errors":[{"seq":1,"type":"frag-needed","from":"10.244.0.2","mtu":1413}]}
            """);

        assertThat(PingReport.lines(ping, 2000)).containsExactly(
            "PING 10.244.1.9 (10.244.1.9) 2000(2028) bytes of data.",
            "From 10.244.0.2 icmp_seq=1 Frag needed and DF set (mtu = 1413)",
            "",
            "--- 10.244.1.9 ping statistics ---",
            "1 packets transmitted, 0 received, +1 errors, 100% packet loss");
    }

    @Test
    void shouldFormatEachRoundTripWithIputilsPrecision()
    {
        assertThat(PingReport.millis(287)).isEqualTo("0.287");
        assertThat(PingReport.millis(999)).isEqualTo("0.999");
        assertThat(PingReport.millis(1_234)).isEqualTo("1.23");
        assertThat(PingReport.millis(3_675)).isEqualTo("3.68");
        assertThat(PingReport.millis(12_345)).isEqualTo("12.3");
        assertThat(PingReport.millis(123_456)).isEqualTo("123");
    }

    @Test
    void shouldComputeMdevAsIputilsDoesInIntegerMicroseconds()
    {
        // mean 10397 / 3 = 3465 us (integer), mean of squares 16_836_081, variance 16_836_081 - 3465² = 4_829_856, sqrt 2197
        assertThat(PingReport.rttSummary(List.of(3_670L, 6_048L, 679L)))
            .isEqualTo("rtt min/avg/max/mdev = 0.679/3.465/6.048/2.197 ms");
        assertThat(PingReport.rttSummary(List.of(500L))).isEqualTo("rtt min/avg/max/mdev = 0.500/0.500/0.500/0.000 ms");
    }

    @Test
    void shouldPrintLossWithUpToSixSignificantDigitsLikePercentG()
    {
        assertThat(PingReport.loss(3, 3)).isEqualTo("0%");
        assertThat(PingReport.loss(3, 0)).isEqualTo("100%");
        assertThat(PingReport.loss(3, 2)).isEqualTo("33.3333%");
        assertThat(PingReport.loss(3, 1)).isEqualTo("66.6667%");
        assertThat(PingReport.loss(8, 7)).isEqualTo("12.5%");
    }

    @Test
    void shouldNameIcmpErrorsAsIputilsAndKeepUnknownTypesReadable()
    {
        assertThat(PingReport.describe("host-unreachable", 0)).isEqualTo("Destination Host Unreachable");
        assertThat(PingReport.describe("time-exceeded", 0)).isEqualTo("Time to live exceeded");
        assertThat(PingReport.describe("UNKNOWN(3/13)", 0)).isEqualTo("UNKNOWN(3/13)");
    }
}
