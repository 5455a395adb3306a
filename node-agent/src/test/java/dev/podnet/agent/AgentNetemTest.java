package dev.podnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.testing.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An agent started with {@code --netem} has those links impaired from the start, one waiting for its route. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentNetemTest
{
    @Test
    void shouldImpairTheLinksItWasStartedWith()
    {
        final Map<AgentSettings.Setting, String> flags = new EnumMap<>(AgentSettings.Setting.class);
        flags.put(AgentSettings.Setting.NODE, "node-1");
        flags.put(AgentSettings.Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(AgentSettings.Setting.TUNNEL_BIND, "127.0.0.1");
        flags.put(AgentSettings.Setting.TUNNEL_PORT, Integer.toString(LoopbackPorts.freeUdpPort()));
        flags.put(AgentSettings.Setting.API_PORT, Integer.toString(LoopbackPorts.freeTcpPort()));
        flags.put(AgentSettings.Setting.PEERS, "node-2=10.244.2.0/24@127.0.0.1:" + LoopbackPorts.freeUdpPort());
        final Map<String, String> env = Map.of("PODNET_NETEM", "node-2:delay=20ms,loss=5%;node-3:rate=1mbit");

        try (NodeAgent agent = NodeAgent.start(AgentSettings.resolve(flags, env, () -> "unused")))
        {
            final JsonNode links = Http.get("http://127.0.0.1:" + agent.settings().apiPort() + "/api/v1/links").json().get("links");

            assertThat(links).hasSize(2);
            assertThat(links.get(0).get("to").asText()).isEqualTo("node-2");
            assertThat(links.get(0).get("impairment").asText()).isEqualTo("delay 20ms loss 5%");
            assertThat(links.get(0).get("tunnel").asText()).isEqualTo("10.244.2.0");
            assertThat(links.get(1).get("to").asText()).isEqualTo("node-3");
            assertThat(links.get(1).get("impairment").asText()).isEqualTo("rate 1mbit");
            assertThat(links.get(1).get("tunnel").isNull()).as("no route to node-3: the impairment waits for one").isTrue();
        }
    }
}
