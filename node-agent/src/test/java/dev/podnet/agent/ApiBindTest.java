package dev.podnet.agent;

import dev.podnet.diag.LoopbackPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An agent started without {@code --api-bind} serves its API on loopback only: this host's other addresses refuse it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiBindTest
{
    @Test
    void shouldServeTheApiOnLoopbackOnlyByDefault() throws Exception
    {
        final InetAddress external = nonLoopbackAddress();
        final Map<AgentSettings.Setting, String> flags = new EnumMap<>(AgentSettings.Setting.class);
        flags.put(AgentSettings.Setting.NODE, "bind-test");
        flags.put(AgentSettings.Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(AgentSettings.Setting.TUNNEL_BIND, "127.0.0.1");
        flags.put(AgentSettings.Setting.TUNNEL_PORT, Integer.toString(LoopbackPorts.freeUdpPort()));
        final int port = LoopbackPorts.freeTcpPort();
        flags.put(AgentSettings.Setting.API_PORT, Integer.toString(port));

        try (NodeAgent agent = NodeAgent.start(AgentSettings.resolve(flags, Map.of(), () -> "unused")))
        {
            try (Socket loopback = new Socket())
            {
                loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
                assertThat(loopback.isConnected()).isTrue();
            }
            assertThatThrownBy(() ->
            {
                try (Socket outside = new Socket())
                {
                    outside.connect(new InetSocketAddress(external, port), 2_000);
                }
            }).as("connecting to the API at " + external.getHostAddress()).isInstanceOf(ConnectException.class);
        }
    }

    /** An IPv4 address of this host that is not loopback (every CI machine has one: its network, or docker0). */
    private static InetAddress nonLoopbackAddress() throws SocketException
    {
        for (final NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces()))
        {
            if (!nic.isUp() || nic.isLoopback())
            {
                continue;
            }
            for (final InetAddress address : java.util.Collections.list(nic.getInetAddresses()))
            {
                if (address instanceof Inet4Address)
                {
                    return address;
                }
            }
        }
        throw new AssertionError("this host has no IPv4 address besides loopback: cannot test that the API is not served there");
    }
}
