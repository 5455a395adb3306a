package dev.podnet.agent;

import dev.podnet.dataplane.IdleMode;
import dev.podnet.netem.Impairment;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.agent.AgentSettings.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentSettingsTest
{
    private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
    private final Map<String, String> env = new HashMap<>();

    private AgentSettings resolve()
    {
        return AgentSettings.resolve(flags, env, () -> "build-host");
    }

    @Test
    void shouldUseTheDocumentedDefaultsWhenOnlyThePodCidrIsGiven()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");

        final AgentSettings settings = resolve();

        assertThat(settings.nodeName()).isEqualTo("build-host");
        assertThat(settings.podCidr()).isEqualTo(Ipv4Cidr.parse("10.244.1.0/24"));
        assertThat(settings.tunnelBind()).isEqualTo("0.0.0.0");
        assertThat(settings.tunnelPort()).isEqualTo(8472);
        assertThat(settings.underlayMtu()).isEqualTo(1500);
        assertThat(settings.networkId()).isEqualTo(1);
        assertThat(settings.podMtu()).isEqualTo(1413);
        assertThat(settings.apiBind()).as("the API listens on loopback unless told otherwise").isEqualTo("127.0.0.1");
        assertThat(settings.apiPort()).isEqualTo(8080);
        assertThat(settings.apiToken()).as("no token unless one is given").isNull();
        assertThat(settings.idleMode()).isEqualTo(IdleMode.EFFICIENT);
        assertThat(settings.tunnelIdleMs()).isEqualTo(30_000);
        assertThat(settings.tunnelConfig().peerIdleMs()).isEqualTo(30_000);
        assertThat(settings.topology().peers()).isEmpty();
        assertThat(settings.topology().pods()).isEmpty();
    }

    @Test
    void shouldReadEveryEnvironmentVariable()
    {
        env.put("PODNET_NODE_NAME", "node-7");
        env.put("PODNET_POD_CIDR", "10.244.7.0/24");
        env.put("PODNET_TUNNEL_BIND", "127.0.0.1");
        env.put("PODNET_TUNNEL_PORT", "9000");
        env.put("PODNET_UNDERLAY_MTU", "9000");
        env.put("PODNET_NETWORK_ID", "42");
        env.put("PODNET_POD_MTU", "8000");
        env.put("PODNET_API_BIND", "127.0.0.1");
        env.put("PODNET_API_PORT", "9090");
        env.put("PODNET_IDLE_MODE", "low-latency");
        env.put("PODNET_TUNNEL_IDLE_MS", "0");
        env.put("PODNET_PEERS", "node-8=10.244.8.0/24@host-8:8472, node-9=10.244.9.0/24@10.0.0.9:8473");
        env.put("PODNET_PODS", "web,db");

        final AgentSettings settings = resolve();

        assertThat(settings.nodeName()).isEqualTo("node-7");
        assertThat(settings.podCidr()).isEqualTo(Ipv4Cidr.parse("10.244.7.0/24"));
        assertThat(settings.tunnelBind()).isEqualTo("127.0.0.1");
        assertThat(settings.tunnelPort()).isEqualTo(9000);
        assertThat(settings.underlayMtu()).isEqualTo(9000);
        assertThat(settings.networkId()).isEqualTo(42);
        assertThat(settings.podMtu()).isEqualTo(8000);
        assertThat(settings.apiBind()).isEqualTo("127.0.0.1");
        assertThat(settings.apiPort()).isEqualTo(9090);
        assertThat(settings.idleMode()).isEqualTo(IdleMode.LOW_LATENCY);
        assertThat(settings.topology().peers()).containsExactly(
            new StaticTopology.Peer("node-8", Ipv4Cidr.parse("10.244.8.0/24"), "host-8", 8472),
            new StaticTopology.Peer("node-9", Ipv4Cidr.parse("10.244.9.0/24"), "10.0.0.9", 8473));
        assertThat(settings.topology().pods()).containsExactly("web", "db");
        assertThat(settings.tunnelConfig().networkId()).isEqualTo(42);
        assertThat(settings.tunnelConfig().peerIdleMs()).as("0: an idle peer's tunnel never closes").isZero();
        assertThat(settings.nodeConfig().pod().mtu()).isEqualTo(8000);
        assertThat(settings.nodeConfig().idleMode()).isEqualTo(IdleMode.LOW_LATENCY);
    }

    @Test
    void shouldLetAFlagWinOverItsEnvironmentVariable()
    {
        env.put("PODNET_POD_CIDR", "10.244.7.0/24");
        env.put("PODNET_TUNNEL_PORT", "70000");
        env.put("PODNET_PEERS", "broken");
        flags.put(Setting.TUNNEL_PORT, "9001");
        flags.put(Setting.PEERS, "c=10.244.3.0/24@127.0.0.1:9003");

        final AgentSettings settings = resolve();

        assertThat(settings.tunnelPort()).isEqualTo(9001);
        assertThat(settings.topology().peers()).hasSize(1);
    }

    @Test
    void shouldTreatABlankVariableAsNotSet()
    {
        env.put("PODNET_POD_CIDR", "10.244.7.0/24");
        env.put("PODNET_PEERS", "");
        env.put("PODNET_API_PORT", " ");

        assertThat(resolve().apiPort()).isEqualTo(8080);
    }

    @Test
    void shouldNameTheNodeAfterTheShortLowerCaseHostName()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("HOSTNAME", "Worker-3.example.com");

        assertThat(resolve().nodeName()).isEqualTo("worker-3");
    }

    @Test
    void shouldRefuseAHostNameThatIsNotALabel()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("HOSTNAME", "my_host");

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("PODNET_NODE_NAME / --node: the host name 'my_host'");
    }

    @Test
    void shouldNameTheSettingAndTheRangeOfABadPort()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("PODNET_TUNNEL_PORT", "70000");

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("PODNET_TUNNEL_PORT / --tunnel-port: 70000 outside 1..65535");
    }

    @Test
    void shouldNameBothSettingsWhenThePodMtuIsLargerThanTheTunnelCarries()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.POD_MTU, "1500");

        assertThatThrownBy(this::resolve)
            .hasMessageStartingWith("PODNET_POD_MTU / --pod-mtu: 1500 is larger than the 1413 bytes")
            .hasMessageContaining("PODNET_UNDERLAY_MTU / --underlay-mtu 1500");
    }

    @Test
    void shouldCapTheDerivedPodMtuAtWhatAPodStackTakesOnTheLargestUnderlay()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.UNDERLAY_MTU, "9216");

        assertThat(resolve().podMtu()).isEqualTo(9000);
    }

    @Test
    void shouldAcceptAPodMtuBelowTheTunnelMtu()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.POD_MTU, "1400");

        assertThat(resolve().podMtu()).isEqualTo(1400);
    }

    @Test
    void shouldNameThePodsAfterTheNodeForACount()
    {
        flags.put(Setting.NODE, "a");
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.PODS, "3");

        assertThat(resolve().topology().pods()).containsExactly("a-1", "a-2", "a-3");
    }

    @Test
    void shouldAllowZeroPods()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.PODS, "0");

        assertThat(resolve().topology().pods()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NODE         | Node_1          | PODNET_NODE_NAME / --node: 'Node_1' is not a DNS-1123 label",
        "POD_CIDR     | 10.244.1.1/24   | PODNET_POD_CIDR / --pod-cidr: 10.244.1.1/24 has host bits set",
        "POD_CIDR     | 10.244.0.0/8    | PODNET_POD_CIDR / --pod-cidr: 10.244.0.0/8 has host bits set",
        "POD_CIDR     | 10.0.0.0/8      | PODNET_POD_CIDR / --pod-cidr: 10.0.0.0/8: prefix length must be 16..28",
        "POD_CIDR     | banana          | PODNET_POD_CIDR / --pod-cidr: invalid CIDR",
        "TUNNEL_PORT  | 0               | PODNET_TUNNEL_PORT / --tunnel-port: 0 outside 1..65535",
        "TUNNEL_PORT  | 8k              | PODNET_TUNNEL_PORT / --tunnel-port: '8k' is not a number",
        "TUNNEL_IDLE  | 99              | PODNET_TUNNEL_IDLE_MS / --tunnel-idle-ms: 99 ms is shorter than 100 ms (0: never close",
        "TUNNEL_IDLE  | -1              | PODNET_TUNNEL_IDLE_MS / --tunnel-idle-ms: -1 outside 0..3600000",
        "TUNNEL_IDLE  | 3600001         | PODNET_TUNNEL_IDLE_MS / --tunnel-idle-ms: 3600001 outside 0..3600000",
        "TUNNEL_IDLE  | 30s             | PODNET_TUNNEL_IDLE_MS / --tunnel-idle-ms: '30s' is not a number",
        "UNDERLAY_MTU | 1000            | PODNET_UNDERLAY_MTU / --underlay-mtu: 1000 outside 1280..9216",
        "NETWORK_ID   | 0               | PODNET_NETWORK_ID / --network-id: 0 outside 1..16777215",
        "NETWORK_ID   | 16777216        | PODNET_NETWORK_ID / --network-id: 16777216 outside 1..16777215",
        "POD_MTU      | 500             | PODNET_POD_MTU / --pod-mtu: 500 outside 576..9000",
        "API_PORT     | 65536           | PODNET_API_PORT / --api-port: 65536 outside 1..65535",
        "API_BIND     | 0.0.0.0 x       | PODNET_API_BIND / --api-bind: '0.0.0.0 x' is not a host name or address",
        "IDLE_MODE    | turbo           | PODNET_IDLE_MODE / --idle-mode: unknown idle mode 'turbo'",
        "PEERS        | c               | PODNET_PEERS / --peer: 'c' is not NAME=CIDR@HOST:PORT",
        "PEERS        | c=10.244.3.0/24@h | PODNET_PEERS / --peer: 'c=10.244.3.0/24@h' is not NAME=CIDR@HOST:PORT",
        "PEERS        | c=10.244.3.0/24@h:0 | PODNET_PEERS / --peer: 0 outside 1..65535",
        "PEERS        | C=10.244.3.0/24@h:1 | PODNET_PEERS / --peer: peer 'C=10.244.3.0/24@h:1': node name 'C' is not a DNS-1123 label",
        "PEERS        | c=10.244.3.0@h:1 | PODNET_PEERS / --peer: invalid CIDR",
        "PEERS        | a=10.244.3.0/24@h:1 | PODNET_PEERS / --peer: peer 'a=10.244.3.0/24@h:1' is this node itself",
        "PEERS        | c=10.244.0.0/16@h:1 | PODNET_PEERS / --peer: peer 'c=10.244.0.0/16@h:1': 10.244.0.0/16 overlaps this node's pod CIDR",
        "PEERS        | c=10.244.3.0/24@h:1,c=10.244.4.0/24@h:2 | PODNET_PEERS / --peer: peer 'c' given twice",
        "PEERS        | c=10.244.3.0/24@h:1,d=10.244.3.0/25@h:2 | PODNET_PEERS / --peer: peer 'd=10.244.3.0/25@h:2': 10.244.3.0/25 overlaps 10.244.3.0/24",
        "PODS         | Web             | PODNET_PODS / --pods: pod name 'Web' is not a DNS-1123 label",
        "PODS         | web,web         | PODNET_PODS / --pods: pod 'web' given twice",
        "PODS         | 1001            | PODNET_PODS / --pods: 1001 outside 0..1000",
        "PODS         | 254             | PODNET_PODS / --pods: 254 pods do not fit in 10.244.1.0/24 (room for 253",
        "STOP_ON_STDIN_CLOSE | yes       | PODNET_STOP_ON_STDIN_CLOSE / --stop-on-stdin-close: 'yes' is not true or false"})
    void shouldRefuseABadValueNamingTheSetting(final Setting setting, final String value, final String message)
    {
        flags.put(Setting.NODE, "a");
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(setting, value);

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(message);
    }

    @Test
    void shouldStopOnStdinCloseOnlyWhenAsked()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        assertThat(resolve().stopOnStdinClose()).as("default").isFalse();

        env.put("PODNET_STOP_ON_STDIN_CLOSE", "TRUE");
        assertThat(resolve().stopOnStdinClose()).isTrue();

        flags.put(Setting.STOP_ON_STDIN_CLOSE, "false");
        assertThat(resolve().stopOnStdinClose()).as("the flag wins").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void shouldRequireThePodCidr(final String value)
    {
        flags.put(Setting.POD_CIDR, value);

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_POD_CIDR / --pod-cidr: required");
    }

    @Test
    void shouldRefuseGeneratedPodNamesLongerThanALabel()
    {
        flags.put(Setting.NODE, "n".repeat(62));
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.PODS, "1");

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_PODS / --pods: pod name 'nnn");
    }

    @Test
    void shouldReadTheLinkImpairmentsToStartWith()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.NODE, "node-1");
        env.put("PODNET_NETEM", "node-2:delay=50ms,jitter=5ms,loss=1%; node-3:rate=10mbit partition=true;");

        final AgentSettings settings = resolve();

        assertThat(settings.topology().links()).containsOnlyKeys("node-2", "node-3");
        assertThat(settings.topology().links().get("node-2").applyTo(Impairment.none(1)).describe())
            .isEqualTo("delay 50ms 5ms loss 1%");
        assertThat(settings.topology().links().get("node-3").applyTo(Impairment.none(1)).describe())
            .isEqualTo("partition rate 10mbit");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "node-2                      | PODNET_NETEM / --netem: 'node-2' is not TO:FIELD=VALUE,...",
        "node-2:delay=soon           | PODNET_NETEM / --netem: link to node-2: field 'delay': 'soon' is not a duration",
        "Node_2:delay=5ms            | PODNET_NETEM / --netem: 'Node_2' is not a node name",
        "node-1:delay=5ms            | PODNET_NETEM / --netem: 'node-1' is this node itself",
        "node-2:reorder=5%           | PODNET_NETEM / --netem: link to node-2: field 'reorder': reordering needs a delay",
        "node-2:delay=1ms;node-2:loss=1% | PODNET_NETEM / --netem: the link to node-2 is given twice"})
    void shouldRefuseABadLinkImpairmentNamingTheSetting(final String value, final String message)
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.NODE, "node-1");
        flags.put(Setting.NETEM, value);

        assertThatThrownBy(this::resolve).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void shouldKeepTheStaticTopologyApartFromTheNodeSettings()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.PEERS, "c=10.244.3.0/24@127.0.0.1:9003");
        flags.put(Setting.PODS, "x");

        final AgentSettings settings = resolve();

        assertThat(settings.topology()).isEqualTo(new StaticTopology(
            List.of(new StaticTopology.Peer("c", Ipv4Cidr.parse("10.244.3.0/24"), "127.0.0.1", 9003)), List.of("x")));
    }

    @Test
    void shouldReadTheApiTokenFromTheFileTheFlagNames(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        final java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("token"), "0123456789abcdef0123\n");
        flags.put(Setting.API_TOKEN_FILE, file.toString());

        final AgentSettings settings = resolve();

        assertThat(settings.apiToken().accepts("Bearer 0123456789abcdef0123")).isTrue();
        assertThat(settings.apiToken().accepts("Bearer 0123456789abcdef012")).isFalse();
        assertThat(settings.toString()).doesNotContain("0123456789abcdef0123");
    }

    @Test
    void shouldReadTheApiTokenFromTheEnvironment()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("PODNET_API_TOKEN", "0123456789abcdef0123");

        assertThat(resolve().apiToken().accepts("Bearer 0123456789abcdef0123")).isTrue();
    }

    @Test
    void shouldRefuseAShortApiTokenWithoutShowingIt()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("PODNET_API_TOKEN", "short-token");

        assertThatThrownBy(this::resolve).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("PODNET_API_TOKEN: the API token has 11 characters: at least 16")
            .hasMessageNotContaining("short-token");
    }

    @Test
    void shouldRefuseATokenFileAndATokenVariableTogether()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.API_TOKEN_FILE, "/nonexistent/token");
        env.put("PODNET_API_TOKEN", "0123456789abcdef0123");

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_API_TOKEN_FILE / --api-token-file: give the token either");
    }

    @Test
    void shouldRefuseATokenFileThatCannotBeRead()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        flags.put(Setting.API_TOKEN_FILE, "/nonexistent/token");

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_API_TOKEN_FILE / --api-token-file: cannot read /nonexistent/token");
    }
}
