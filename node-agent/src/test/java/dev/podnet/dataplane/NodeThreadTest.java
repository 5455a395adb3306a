package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The data plane on its own thread, reached only through the proxy's command queue. */
@Timeout(30)
class NodeThreadTest
{
    @Test
    void shouldServeConcurrentPingsFromOtherThreadsOnItsOwnThread() throws Exception
    {
        try (Node node = Node.start(NodeConfig.defaults("node-t", Ipv4Cidr.parse("10.244.7.0/24"))))
        {
            final DataPlaneProxy proxy = node.proxy();
            final List<PodInfo> pods = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                pods.add(proxy.createPod("p" + i).get(5, TimeUnit.SECONDS));
            }

            final List<CompletableFuture<PingResult>> pings = new ArrayList<>();
            for (final PodInfo from : pods)
            {
                for (final PodInfo to : pods)
                {
                    if (from != to)
                    {
                        pings.add(CompletableFuture.supplyAsync(() -> proxy.ping(from.name(), PingRequest.of(to.ip(), 2)))
                            .thenCompose(f -> f));
                    }
                }
            }

            for (final CompletableFuture<PingResult> ping : pings)
            {
                assertThat(ping.get(10, TimeUnit.SECONDS).received()).isEqualTo(2);
            }
        }
    }

    @Test
    void shouldApplyCommandsInTheOrderTheyWereSent() throws Exception
    {
        try (Node node = Node.start(NodeConfig.defaults("node-o", Ipv4Cidr.parse("10.244.8.0/24"))))
        {
            final DataPlaneProxy proxy = node.proxy();
            CompletableFuture<PodInfo> last = null;
            for (int i = 0; i < 50; i++)
            {
                proxy.createPod("churn");
                proxy.deletePod("churn");
                last = proxy.createPod("churn");
                proxy.deletePod("churn");
            }
            final PodInfo created = last.get(5, TimeUnit.SECONDS);

            assertThat(created.name()).isEqualTo("churn");
            assertThat(proxy.pods().get(5, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void shouldFailCommandsLeftWhenItStops() throws Exception
    {
        final Node node = Node.start(NodeConfig.defaults("node-s", Ipv4Cidr.parse("10.244.9.0/24")));
        node.proxy().createPod("p").get(5, TimeUnit.SECONDS);
        final CompletableFuture<PingResult> ping = node.proxy().ping("p", PingRequest.of(Ipv4Cidr.parse("10.244.9.0/24").address(77), 1));

        node.close();

        assertThat(ping).failsWithin(5, TimeUnit.SECONDS);
    }
}
