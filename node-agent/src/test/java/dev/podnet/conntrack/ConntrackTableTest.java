package dev.podnet.conntrack;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.testing.AllocationMeter;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.podnet.conntrack.ConntrackTable.NONE;
import static dev.podnet.conntrack.ConntrackTable.ORIGINAL;
import static dev.podnet.conntrack.ConntrackTable.REPLY;
import static org.assertj.core.api.Assertions.assertThat;

class ConntrackTableTest
{
    private static final int UDP = 17;
    private static final long SECOND = 1_000_000_000L;
    private static final int CLIENT = ip("10.244.1.2");
    private static final int CLUSTER_IP = ip("10.96.0.50");
    private static final int ENDPOINT = ip("10.244.2.3");
    private static final int OTHER_ENDPOINT = ip("10.244.2.4");

    private final ConntrackTable table = new ConntrackTable(64, ConntrackTimeouts.DEFAULTS);

    private static int ip(final String dotted)
    {
        return Ipv4Address.parse(dotted);
    }

    /** client:32768 -> ClusterIP:80, DNATed to endpoint:8081. */
    private int dnat(final int endpoint, final int clientPort, final long now)
    {
        return table.create(UDP, CLIENT, clientPort, CLUSTER_IP, 80, endpoint, 8081, CLIENT, clientPort, now);
    }

    @Test
    void shouldFindAConnectionByEitherDirectionAndTranslateEachIntoTheMirrorOfTheOther()
    {
        final int entry = dnat(ENDPOINT, 32768, 0);

        final long original = table.lookup(UDP, CLIENT, 32768, CLUSTER_IP, 80, 1);
        final long reply = table.lookup(UDP, ENDPOINT, 8081, CLIENT, 32768, 1);

        assertThat(original).isEqualTo((long)entry << 1 | ORIGINAL);
        assertThat(reply).isEqualTo((long)entry << 1 | REPLY);
        assertThat(table.translatedDestination(entry, ORIGINAL)).isEqualTo(ENDPOINT);
        assertThat(table.translatedDestinationPort(entry, ORIGINAL)).isEqualTo(8081);
        assertThat(table.translatedSource(entry, ORIGINAL)).as("no SNAT").isEqualTo(CLIENT);
        assertThat(table.translatedSourcePort(entry, ORIGINAL)).isEqualTo(32768);
        assertThat(table.translatedSource(entry, REPLY)).isEqualTo(CLUSTER_IP);
        assertThat(table.translatedSourcePort(entry, REPLY)).isEqualTo(80);
        assertThat(table.translatedDestination(entry, REPLY)).isEqualTo(CLIENT);
        assertThat(table.lookup(UDP, CLIENT, 32769, CLUSTER_IP, 80, 1)).isEqualTo(NONE);
    }

    @Test
    void shouldExpireAnUnrepliedUdpFlowAfter30Seconds()
    {
        final int entry = dnat(ENDPOINT, 32768, 0);
        table.refresh(entry, ORIGINAL, 100, 0);

        assertThat(table.lookup(UDP, CLIENT, 32768, CLUSTER_IP, 80, 30 * SECOND - 1)).isNotEqualTo(NONE);
        assertThat(table.lookup(UDP, CLIENT, 32768, CLUSTER_IP, 80, 30 * SECOND)).isEqualTo(NONE);
        assertThat(table.size()).isZero();
        assertThat(table.counter(2)).isEqualTo(1); // expired
    }

    @Test
    void shouldKeepARepliedUdpFlowThatWentOnForTwoSecondsFor120SecondsAsAssured()
    {
        final int entry = dnat(ENDPOINT, 32768, 0);
        table.refresh(entry, ORIGINAL, 100, 0);
        table.refresh(entry, REPLY, 100, SECOND);
        assertThat(table.assured(entry)).as("replied, but within 2 s of its start").isFalse();

        table.refresh(entry, ORIGINAL, 100, 3 * SECOND);

        assertThat(table.assured(entry)).isTrue();
        assertThat(table.lookup(UDP, CLIENT, 32768, CLUSTER_IP, 80, 122 * SECOND)).isNotEqualTo(NONE);
        assertThat(table.lookup(UDP, CLIENT, 32768, CLUSTER_IP, 80, 123 * SECOND)).isEqualTo(NONE);
    }

    @Test
    void shouldFlushTheUdpFlowsOfAServiceThatWentToAnEndpointThatIsGone()
    {
        dnat(ENDPOINT, 1000, 0);
        dnat(ENDPOINT, 1001, 0);
        dnat(OTHER_ENDPOINT, 1002, 0);

        assertThat(table.flush(UDP, CLUSTER_IP, 80, ENDPOINT)).isEqualTo(2);

        assertThat(table.lookup(UDP, CLIENT, 1000, CLUSTER_IP, 80, 1)).isEqualTo(NONE);
        assertThat(table.lookup(UDP, CLIENT, 1002, CLUSTER_IP, 80, 1)).isNotEqualTo(NONE);
        assertThat(table.counter(5)).isEqualTo(2); // flushed
    }

    @Test
    void shouldRefuseASecondConnectionWithATakenTuple()
    {
        dnat(ENDPOINT, 1000, 0);

        assertThat(table.replyTupleTaken(UDP, ENDPOINT, 8081, CLIENT, 1000, 1)).isTrue();
        assertThat(table.create(UDP, ip("10.244.1.9"), 5, CLUSTER_IP, 80, ENDPOINT, 8081, CLIENT, 1000, 1)).isEqualTo(-1);
        assertThat(table.counter(4)).isEqualTo(1); // insert failed
    }

    @Test
    void shouldEvictAnUnassuredEntryWhenFullAndRefuseWhenEveryOneIsAssured()
    {
        for (int port = 1; port <= 64; port++)
        {
            assertThat(dnat(ENDPOINT, port, 0)).isNotNegative();
        }
        assertThat(dnat(ENDPOINT, 100, 0)).as("early drop of an unassured flow").isNotNegative();
        assertThat(table.counter(3)).isEqualTo(1);

        final ConntrackTable assuredOnly = new ConntrackTable(16, ConntrackTimeouts.DEFAULTS);
        for (int port = 1; port <= 16; port++)
        {
            final int entry = assuredOnly.create(UDP, CLIENT, port, CLUSTER_IP, 80, ENDPOINT, 8081, CLIENT, port, 0);
            assuredOnly.refresh(entry, REPLY, 10, 3 * SECOND);
        }
        assertThat(assuredOnly.create(UDP, CLIENT, 99, CLUSTER_IP, 80, ENDPOINT, 8081, CLIENT, 99, 3 * SECOND)).isEqualTo(-1);
        assertThat(assuredOnly.counter(4)).isEqualTo(1);
    }

    @Test
    void shouldSweepExpiredEntriesAFewSlotsAtATime()
    {
        for (int port = 1; port <= 10; port++)
        {
            dnat(ENDPOINT, port, 0);
        }

        int removed = 0;
        for (int tick = 0; tick < 64 / 8; tick++)
        {
            removed += table.expire(31 * SECOND, 8);
        }

        assertThat(removed).isEqualTo(10);
        assertThat(table.size()).isZero();
    }

    @Test
    void shouldAgreeWithAMapThroughRandomInsertsAndDeletes()
    {
        final ConntrackTable small = new ConntrackTable(256, ConntrackTimeouts.DEFAULTS);
        final Map<Integer, Integer> model = new HashMap<>(); // client port -> entry
        final SplittableRandom random = new SplittableRandom(7);
        for (int step = 0; step < 20_000; step++)
        {
            final int port = random.nextInt(400);
            final long found = small.lookup(UDP, CLIENT, port, CLUSTER_IP, 80, 1);
            assertThat(found != NONE).as("port %d at step %d", port, step).isEqualTo(model.containsKey(port));
            if (found != NONE && random.nextBoolean())
            {
                small.delete((int)(found >>> 1));
                model.remove(port);
            }
            else if (found == NONE && model.size() < 256)
            {
                model.put(port, small.create(UDP, CLIENT, port, CLUSTER_IP, 80, ENDPOINT, 8081, CLIENT, port, 0));
            }
        }
        for (final Map.Entry<Integer, Integer> each : model.entrySet())
        {
            assertThat(small.lookup(UDP, ENDPOINT, 8081, CLIENT, each.getKey(), 1)).isEqualTo((long)each.getValue() << 1 | REPLY);
        }
        assertThat(small.size()).isEqualTo(model.size());
    }

    @Test
    void shouldShowConnectionsAsConntrackListsThem()
    {
        final int entry = dnat(ENDPOINT, 32768, 0);
        table.refresh(entry, ORIGINAL, 36, 0);

        final List<ConntrackEntry> entries = table.snapshot(SECOND, (proto, ip, port) -> "default/web:http");

        assertThat(entries).singleElement().satisfies(each ->
        {
            assertThat(each.destinationNat()).isTrue();
            assertThat(each.sourceNat()).isFalse();
            assertThat(each.service()).isEqualTo("default/web:http");
            assertThat(each.line()).isEqualTo("udp 17 29 src=10.244.1.2 dst=10.96.0.50 sport=32768 dport=80 [UNREPLIED] " +
                "src=10.244.2.3 dst=10.244.1.2 sport=8081 dport=32768 packets=1 bytes=36");
        });
    }

    @Test
    void shouldFollowATcpConnectionThroughItsCloseAsNfConntrackTimesIt()
    {
        final int syn = 0x02;
        final int ack = 0x10;
        final int fin = 0x01;
        final int entry = table.create(6, CLIENT, 40000, CLUSTER_IP, 80, ENDPOINT, 8080, CLIENT, 40000, 0);
        table.refresh(entry, ORIGINAL, 60, syn, 0);
        assertThat(stateAndSecondsLeft(entry)).isEqualTo("SYN_SENT 120");

        table.refresh(entry, REPLY, 60, syn | ack, 0);
        assertThat(stateAndSecondsLeft(entry)).as("kube-proxy's established timeout").isEqualTo("ESTABLISHED 86400");

        table.refresh(entry, ORIGINAL, 52, fin | ack, 0);
        assertThat(stateAndSecondsLeft(entry)).as("kube-proxy's close-wait timeout").isEqualTo("CLOSE_WAIT 3600");

        table.refresh(entry, REPLY, 52, fin | ack, 0);
        assertThat(stateAndSecondsLeft(entry)).isEqualTo("TIME_WAIT 120");
        assertThat(table.snapshot(0, (proto, ip, port) -> "").get(0).line()).startsWith("tcp 6 120 TIME_WAIT src=10.244.1.2 ");
        table.expire(121 * SECOND, 64);
        assertThat(table.size()).as("a closed connection leaves the table after TIME_WAIT").isZero();
    }

    @Test
    void shouldKeepAResetTcpConnectionForTenSeconds()
    {
        final int entry = table.create(6, CLIENT, 40001, CLUSTER_IP, 80, ENDPOINT, 8080, CLIENT, 40001, 0);
        table.refresh(entry, ORIGINAL, 60, 0x02, 0);
        table.refresh(entry, REPLY, 40, 0x14, 0); // RST, ACK: nothing listens

        assertThat(stateAndSecondsLeft(entry)).isEqualTo("CLOSE 10");
    }

    private String stateAndSecondsLeft(final int entry)
    {
        final ConntrackEntry each = table.snapshot(0, (proto, ip, port) -> "").stream()
            .filter(candidate -> candidate.originalSourcePort() == table.translatedDestinationPort(entry, REPLY)).findFirst().orElseThrow();
        return each.state() + " " + each.secondsLeft();
    }

    @Test
    void shouldNotAllocateWhenTrackingPackets()
    {
        final ConntrackTable big = new ConntrackTable(4096, ConntrackTimeouts.DEFAULTS);
        final long[] sum = new long[1];
        final long allocated = AllocationMeter.quietestRound(() ->
        {
            for (int round = 0; round < 20; round++)
            {
                for (int port = 0; port < 2000; port++)
                {
                    final int entry = big.create(UDP, CLIENT, port, CLUSTER_IP, 80, ENDPOINT, 8081, CLIENT, port, 0);
                    big.refresh(entry, ORIGINAL, 64, 1);
                    sum[0] += big.lookup(UDP, ENDPOINT, 8081, CLIENT, port, 2);
                }
                for (int port = 0; port < 2000; port++)
                {
                    big.delete((int)(big.lookup(UDP, CLIENT, port, CLUSTER_IP, 80, 3) >>> 1));
                }
            }
        }, 2, 4);

        assertThat(sum[0]).isPositive();
        assertThat(allocated).isLessThan(1024);
    }
}
