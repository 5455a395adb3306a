package dev.podnet.agent;

import dev.podnet.controlplane.ClusterSecret;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.sync.SyncSettings;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.agent.AgentSettings.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cluster mode ({@code PODNET_SEEDS} set) versus static mode, and the cluster settings. */
class AgentClusterSettingsTest
{
    private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
    private static final String SECRET = "cluster-settings-test-secret";
    private final Map<String, String> env = new HashMap<>(Map.of("PODNET_CLUSTER_SECRET", SECRET));
    private String hostName = "build-host";

    private AgentSettings resolve()
    {
        return AgentSettings.resolve(flags, env, () -> hostName);
    }

    @Test
    void shouldJoinAClusterWithTheDocumentedDefaultsWhenOnlySeedsAreGiven()
    {
        flags.put(Setting.SEEDS, "node-1:2552");

        final AgentSettings settings = resolve();

        assertThat(settings.clusterMode()).isTrue();
        assertThat(settings.podCidr()).as("leased, not configured").isNull();
        assertThat(settings.topology().peers()).isEmpty();
        final ClusterSettings cluster = settings.cluster();
        assertThat(cluster.seeds()).containsExactly("node-1:2552");
        assertThat(cluster.clusterPort()).isEqualTo(2552);
        assertThat(cluster.advertisedHost()).as("the host name as the system resolves it").isEqualTo("build-host");
        assertThat(cluster.clusterBind()).isEqualTo("0.0.0.0");
        assertThat(cluster.clusterCidr()).isEqualTo(Ipv4Cidr.parse("10.244.0.0/16"));
        assertThat(cluster.nodePrefix()).isEqualTo(24);
        assertThat(cluster.leaseGrace()).isEqualTo(Duration.ofSeconds(120)).isEqualTo(ControlPlaneSettings.DEFAULT_LEASE_GRACE);
        assertThat(cluster.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1))
            .isEqualTo(ControlPlaneSettings.DEFAULT_HEARTBEAT_INTERVAL);
        assertThat(cluster.acceptablePause()).isEqualTo(Duration.ofMillis(3000))
            .isEqualTo(ControlPlaneSettings.DEFAULT_ACCEPTABLE_PAUSE);
        assertThat(cluster.stableAfter()).isEqualTo(Duration.ofMillis(5000)).isEqualTo(ControlPlaneSettings.DEFAULT_STABLE_AFTER);
        assertThat(cluster.resyncInterval()).isEqualTo(Duration.ofSeconds(30)).isEqualTo(SyncSettings.DEFAULT_RESYNC_INTERVAL);
        assertThat(cluster.stateDir()).as("per user and node name").isEqualTo(
            Path.of(System.getProperty("user.home"), ".local", "state", "podnet", "build-host").toAbsolutePath());
    }

    @Test
    void shouldSpeakTlsOnTheClusterPortUnlessToldOffOnLoopbackOnly()
    {
        flags.put(Setting.SEEDS, "127.0.0.1:2552");
        assertThat(resolve().cluster().tls()).as("the default").isTrue();
        assertThat(resolve().controlPlaneSettings(1).secured()).isTrue();

        flags.put(Setting.CLUSTER_TLS, "off");
        flags.put(Setting.ADVERTISED_HOST, "127.0.0.1");
        flags.put(Setting.CLUSTER_BIND, "127.0.0.1");
        final AgentSettings plain = resolve();
        assertThat(plain.cluster().tls()).isFalse();
        assertThat(plain.controlPlaneSettings(1).secured()).as("plain TCP on loopback").isFalse();
        assertThat(plain.networkId()).as("the network id still comes from the secret").isEqualTo(ClusterSecret.of(SECRET).networkId());

        flags.put(Setting.CLUSTER_BIND, "0.0.0.0");
        assertThatThrownBy(this::resolve).hasMessage("PODNET_CLUSTER_TLS / --cluster-tls: off needs PODNET_CLUSTER_BIND / " +
            "--cluster-bind and PODNET_ADVERTISED_HOST / --advertised-host on a loopback address (they are 0.0.0.0 and 127.0.0.1): " +
            "only agents of this host may talk to a cluster port without TLS");
        flags.put(Setting.CLUSTER_TLS, "maybe");
        assertThatThrownBy(this::resolve).hasMessage("PODNET_CLUSTER_TLS / --cluster-tls: 'maybe' is not on or off");
    }

    @Test
    void shouldKeepStateUnderXdgStateHomeWhenItIsSet()
    {
        flags.put(Setting.NODE, "node-4");
        flags.put(Setting.SEEDS, "node-1:2552");
        env.put("XDG_STATE_HOME", "/srv/state");

        assertThat(resolve().cluster().stateDir()).isEqualTo(Path.of("/srv/state/podnet/node-4"));
    }

    @Test
    void shouldStayInStaticModeWithoutSeeds()
    {
        env.remove("PODNET_CLUSTER_SECRET");
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put("PODNET_SEEDS", " ");

        final AgentSettings settings = resolve();

        assertThat(settings.clusterMode()).isFalse();
        assertThat(settings.cluster()).isNull();
        assertThatThrownBy(() -> settings.controlPlaneSettings(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldReadEveryClusterEnvironmentVariable()
    {
        env.put("PODNET_NODE_NAME", "node-7");
        env.put("PODNET_SEEDS", "node-1:2552, 10.0.0.2:2553");
        env.put("PODNET_CLUSTER_PORT", "2600");
        env.put("PODNET_ADVERTISED_HOST", "node-7.example.com");
        env.put("PODNET_CLUSTER_BIND", "127.0.0.1");
        env.put("PODNET_CLUSTER_CIDR", "10.96.0.0/12");
        env.put("PODNET_SERVICE_CIDR", "172.20.0.0/16"); // the default Service CIDR is this cluster CIDR
        env.put("PODNET_NODE_PREFIX", "26");
        env.put("PODNET_LEASE_GRACE", "30");
        env.put("PODNET_HEARTBEAT_INTERVAL_MS", "200");
        env.put("PODNET_ACCEPTABLE_PAUSE_MS", "1000");
        env.put("PODNET_STABLE_AFTER_MS", "1500");
        env.put("PODNET_RESYNC_INTERVAL", "5");
        env.put("PODNET_STATE_DIR", "/var/lib/podnet");
        env.put("PODNET_TUNNEL_PORT", "9000");
        env.put("PODNET_TUNNEL_IDLE_MS", "500");
        env.put("PODNET_API_PORT", "9090");
        env.put("PODNET_PODS", "3");

        final AgentSettings settings = resolve();

        assertThat(settings.cluster()).isEqualTo(new ClusterSettings(List.of("node-1:2552", "10.0.0.2:2553"), 2600,
            "node-7.example.com", "127.0.0.1", Ipv4Cidr.parse("10.96.0.0/12"), 26, Duration.ofSeconds(30),
            Duration.ofMillis(200), Duration.ofMillis(1000), Duration.ofMillis(1500), ClusterSecret.of(SECRET), Duration.ofSeconds(5),
            Path.of("/var/lib/podnet"), true));
        assertThat(settings.topology().pods()).containsExactly("node-7-1", "node-7-2", "node-7-3");
        assertThat(settings.tunnelConfig().peerIdleMs()).isEqualTo(500);
        assertThat(settings.withSeeds(List.of("node-1:2552")).tunnelIdleMs()).as("kept by a restart's settings").isEqualTo(500);
        assertThat(settings.nodeConfig(Ipv4Cidr.parse("10.96.0.64/26")).podCidr()).isEqualTo(Ipv4Cidr.parse("10.96.0.64/26"));
        assertThatThrownBy(settings::nodeConfig).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldHandTheControlPlaneEverySettingItNeeds()
    {
        flags.put(Setting.NODE, "b");
        flags.put(Setting.SEEDS, "127.0.0.1:2552");
        flags.put(Setting.CLUSTER_PORT, "2553");
        flags.put(Setting.ADVERTISED_HOST, "127.0.0.1");
        flags.put(Setting.CLUSTER_BIND, "127.0.0.1");
        flags.put(Setting.CLUSTER_CIDR, "10.245.0.0/16");
        flags.put(Setting.NODE_PREFIX, "25");
        flags.put(Setting.LEASE_GRACE, "60");
        flags.put(Setting.HEARTBEAT_INTERVAL, "200");
        flags.put(Setting.ACCEPTABLE_PAUSE, "1000");
        flags.put(Setting.STABLE_AFTER, "1500");
        flags.put(Setting.TUNNEL_PORT, "9001");
        flags.put(Setting.API_PORT, "9091");
        flags.put(Setting.STATE_DIR, "/state/b");

        final ControlPlaneSettings controlPlane = resolve().controlPlaneSettings(42);

        assertThat(controlPlane).isEqualTo(new ControlPlaneSettings("b", "10.245.0.0/16", 25, "127.0.0.1", "127.0.0.1", 2553,
            List.of("127.0.0.1:2552"), 9001, 9091, Duration.ofSeconds(60), 42, Duration.ofMillis(200), Duration.ofMillis(1000),
            Duration.ofMillis(1500), "", ClusterSecret.of(SECRET), Path.of("/state/b")));
    }

    @Test
    void shouldRefuseAPodCidrInClusterMode()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        env.put("PODNET_POD_CIDR", "10.244.1.0/24");

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("PODNET_POD_CIDR / --pod-cidr: the pod CIDR is leased by the control plane in cluster mode " +
                "(PODNET_SEEDS is set)");
    }

    @Test
    void shouldRefusePeersInClusterMode()
    {
        env.put("PODNET_SEEDS", "node-1:2552");
        flags.put(Setting.PEERS, "c=10.244.3.0/24@127.0.0.1:9003");

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("PODNET_PEERS / --peer: every other node's CIDR is leased by the control plane in " +
                "cluster mode (PODNET_SEEDS is set)");
    }

    @ParameterizedTest
    @EnumSource(value = Setting.class, names = {"CLUSTER_PORT", "ADVERTISED_HOST", "CLUSTER_BIND", "CLUSTER_CIDR",
        "NODE_PREFIX", "LEASE_GRACE", "HEARTBEAT_INTERVAL", "ACCEPTABLE_PAUSE", "STABLE_AFTER", "RESYNC_INTERVAL", "STATE_DIR",
        "CLUSTER_SECRET_FILE"})
    void shouldRefuseAClusterSettingWithoutSeedsRatherThanIgnoreIt(final Setting setting)
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");
        env.put(setting.env(), "1");

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage(setting.label() + ": only used in cluster mode: set PODNET_SEEDS / --seeds as well " +
                "(the seed nodes to join), or leave it out");
        assertThat(Setting.CLUSTER_ONLY).contains(setting);
    }

    @Test
    void shouldSayHowToGetAPodCidrWhenNeitherItNorSeedsAreGiven()
    {
        env.remove("PODNET_CLUSTER_SECRET");
        assertThatThrownBy(this::resolve)
            .hasMessageStartingWith("PODNET_POD_CIDR / --pod-cidr: required")
            .hasMessageContaining("PODNET_SEEDS / --seeds");
    }

    @Test
    void shouldFitThePodsIntoOneLeaseInClusterMode()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        flags.put(Setting.NODE_PREFIX, "28");
        flags.put(Setting.PODS, "13");
        assertThat(resolve().topology().pods()).hasSize(13);

        flags.put(Setting.PODS, "14");
        assertThatThrownBy(this::resolve)
            .hasMessageStartingWith("PODNET_PODS / --pods: 14 pods do not fit in a /28 lease (room for 13");
    }

    @Test
    void shouldRefuseToGuessAnAdvertisedHostWhenTheSystemHasNoName()
    {
        flags.put(Setting.NODE, "a");
        flags.put(Setting.SEEDS, "node-1:2552");
        hostName = "";

        assertThatThrownBy(this::resolve)
            .hasMessageStartingWith("PODNET_ADVERTISED_HOST / --advertised-host: cannot tell this host's name");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SEEDS              | node-1                | PODNET_SEEDS / --seeds: 'node-1' is not HOST:PORT",
        "SEEDS              | :2552                 | PODNET_SEEDS / --seeds: ':2552' is not HOST:PORT",
        "SEEDS              | node-1:               | PODNET_SEEDS / --seeds: 'node-1:' is not HOST:PORT",
        "SEEDS              | node 1:2552           | PODNET_SEEDS / --seeds: 'node 1:2552' is not HOST:PORT",
        "SEEDS              | node-1:0              | PODNET_SEEDS / --seeds: 0 outside 1..65535",
        "SEEDS              | node-1:http           | PODNET_SEEDS / --seeds: 'http' is not a number",
        "SEEDS              | n:1,n:1               | PODNET_SEEDS / --seeds: seed 'n:1' given twice",
        "SEEDS              | ','                   | PODNET_SEEDS / --seeds: no seed node given",
        "SEEDS              | 0.0.0.0:2552          | PODNET_SEEDS / --seeds: seed '0.0.0.0:2552': 0.0.0.0 is a wildcard address",
        "CLUSTER_PORT       | 0                     | PODNET_CLUSTER_PORT / --cluster-port: 0 outside 1..65535",
        "CLUSTER_PORT       | 65536                 | PODNET_CLUSTER_PORT / --cluster-port: 65536 outside 1..65535",
        "ADVERTISED_HOST    | 0.0.0.0               | PODNET_ADVERTISED_HOST / --advertised-host: 0.0.0.0 is a wildcard address",
        "ADVERTISED_HOST    | my host               | PODNET_ADVERTISED_HOST / --advertised-host: 'my host' is not a host name or IPv4 address",
        "ADVERTISED_HOST    | \"h\"                 | PODNET_ADVERTISED_HOST / --advertised-host: '\"h\"' is not a host name",
        "CLUSTER_BIND       | 0.0.0.0 x             | PODNET_CLUSTER_BIND / --cluster-bind: '0.0.0.0 x' is not a host name or address",
        "CLUSTER_CIDR       | 10.244.0.1/16         | PODNET_CLUSTER_CIDR / --cluster-cidr: 10.244.0.1/16 has host bits set",
        "CLUSTER_CIDR       | banana                | PODNET_CLUSTER_CIDR / --cluster-cidr: invalid CIDR",
        "CLUSTER_CIDR       | 0.0.0.0/0             | PODNET_CLUSTER_CIDR / --cluster-cidr: 0.0.0.0/0: prefix length must be 8..28",
        "NODE_PREFIX        | 15                    | PODNET_NODE_PREFIX / --node-prefix: 15 outside 16..28",
        "NODE_PREFIX        | 29                    | PODNET_NODE_PREFIX / --node-prefix: 29 outside 16..28",
        "LEASE_GRACE        | 0                     | PODNET_LEASE_GRACE / --lease-grace: 0 outside 1..604800",
        "LEASE_GRACE        | 2m                    | PODNET_LEASE_GRACE / --lease-grace: '2m' is not a number",
        "HEARTBEAT_INTERVAL | 5                     | PODNET_HEARTBEAT_INTERVAL_MS / --heartbeat-interval-ms: 5 outside 10..60000",
        "ACCEPTABLE_PAUSE   | 50                    | PODNET_ACCEPTABLE_PAUSE_MS / --acceptable-pause-ms: 50 outside 100..600000",
        "ACCEPTABLE_PAUSE   | 1000                  | PODNET_ACCEPTABLE_PAUSE_MS / --acceptable-pause-ms: 1000 ms is not longer than PODNET_HEARTBEAT_INTERVAL_MS / --heartbeat-interval-ms 1000 ms",
        "STABLE_AFTER       | 99                    | PODNET_STABLE_AFTER_MS / --stable-after-ms: 99 outside 100..600000",
        "RESYNC_INTERVAL    | 0                     | PODNET_RESYNC_INTERVAL / --resync-interval: 0 outside 1..3600",
        "RESYNC_INTERVAL    | 30s                   | PODNET_RESYNC_INTERVAL / --resync-interval: '30s' is not a number",
        "STATE_DIR          | a\u0000b              | PODNET_STATE_DIR / --state-dir: 'a\u0000b' is not a path"})
    void shouldRefuseABadClusterValueNamingTheSetting(final Setting setting, final String value, final String message)
    {
        flags.put(Setting.NODE, "a");
        flags.put(Setting.SEEDS, "node-1:2552");
        flags.put(setting, value);

        assertThatThrownBy(this::resolve)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(message);
    }

    @Test
    void shouldRefuseLeasesLargerThanTheClusterCidr()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        flags.put(Setting.CLUSTER_CIDR, "10.244.0.0/20");
        flags.put(Setting.NODE_PREFIX, "16");

        assertThatThrownBy(this::resolve)
            .hasMessage("PODNET_NODE_PREFIX / --node-prefix: a /16 lease is larger than PODNET_CLUSTER_CIDR / --cluster-cidr " +
                "10.244.0.0/20: use /20 or longer");
    }

    @Test
    void shouldLetAClusterFlagWinOverItsVariable()
    {
        env.put("PODNET_SEEDS", "broken");
        env.put("PODNET_CLUSTER_PORT", "70000");
        flags.put(Setting.SEEDS, "node-1:2552");
        flags.put(Setting.CLUSTER_PORT, "2600");

        assertThat(resolve().cluster().clusterPort()).isEqualTo(2600);
    }

    @Test
    void shouldRequireAClusterSecretInClusterMode()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        env.remove("PODNET_CLUSTER_SECRET");

        assertThatThrownBy(this::resolve).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("PODNET_CLUSTER_SECRET / --cluster-secret-file: required in cluster mode");
    }

    @Test
    void shouldReadTheClusterSecretFromAFileAndDeriveTheNetworkIdFromIt(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        env.remove("PODNET_CLUSTER_SECRET");
        flags.put(Setting.CLUSTER_SECRET_FILE, java.nio.file.Files.writeString(dir.resolve("secret"), SECRET + "\n").toString());

        final AgentSettings settings = resolve();

        assertThat(settings.cluster().secret()).isEqualTo(ClusterSecret.of(SECRET));
        assertThat(settings.networkId()).isEqualTo(ClusterSecret.of(SECRET).networkId()).isNotEqualTo(1);
        assertThat(settings.tunnelConfig().networkId()).isEqualTo(settings.networkId());
        assertThat(settings.toString()).doesNotContain(SECRET);
        assertThat(settings.controlPlaneSettings(1).toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldRefuseAShortClusterSecretWithoutShowingIt()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        env.put("PODNET_CLUSTER_SECRET", "tiny-secret");

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_CLUSTER_SECRET: the cluster secret has 11 characters")
            .hasMessageNotContaining("tiny-secret");
    }

    @Test
    void shouldRefuseANetworkIdInClusterModeWhereTheSecretGivesIt()
    {
        flags.put(Setting.SEEDS, "node-1:2552");
        flags.put(Setting.NETWORK_ID, "7");

        assertThatThrownBy(this::resolve)
            .hasMessageStartingWith("PODNET_NETWORK_ID / --network-id: derived from the cluster secret in cluster mode");
    }

    @Test
    void shouldRefuseAClusterSecretInStaticMode()
    {
        flags.put(Setting.POD_CIDR, "10.244.1.0/24");

        assertThatThrownBy(this::resolve).hasMessageStartingWith("PODNET_CLUSTER_SECRET: only used in cluster mode");
    }
}
