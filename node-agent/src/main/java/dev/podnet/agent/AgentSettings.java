package dev.podnet.agent;

import dev.podnet.controlplane.ClusterSecret;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.ServiceSettings;
import dev.podnet.http.ApiToken;
import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.PodSettings;
import dev.podnet.sync.SyncSettings;
import dev.podnet.transport.TunnelConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Everything {@code podnet agent} needs to start, from flags and environment variables (a flag wins),
 * validated once, all together, before anything starts (as Aeron's {@code Context.conclude()}). A bad
 * value is an {@link IllegalArgumentException} whose message starts with the setting's names, e.g.
 * {@code PODNET_TUNNEL_PORT / --tunnel-port: 70000 outside 1..65535}.
 * <p>
 * Two modes, chosen by {@code PODNET_SEEDS}:
 * <ul>
 *   <li><b>static</b> (no seeds): the pod CIDR and the other nodes ({@code --peer}) come from
 *       configuration, remote pods from the API's static routes;</li>
 *   <li><b>cluster</b> (seeds given): the node joins the Akka cluster through the seeds, and the control
 *       plane leases its pod CIDR and tells it the other nodes' leases and pods. Giving a pod CIDR or a
 *       peer is then an error, and so is a cluster setting without seeds: a setting is never ignored.</li>
 * </ul>
 *
 * @param nodeName    the node's name (DNS-1123 label; in cluster mode the key of its lease)
 * @param podCidr     the node's pod CIDR in static mode; null in cluster mode (the control plane leases it)
 * @param tunnelBind  address the tunnel listens on
 * @param tunnelPort  the tunnel's UDP port
 * @param underlayMtu MTU of the network between nodes
 * @param tunnelIdleMs a peer's tunnel (its Aeron publication) closes after this long without a frame sent to it, and
 *                    comes back with the next one; 0: never
 * @param networkId   the overlay network's id: frames of other networks are dropped (cluster mode: derived from the
 *                    cluster secret)
 * @param podMtu      the pods' MTU: at most what the tunnel carries in one datagram
 * @param apiBind     address the HTTP API listens on (loopback unless told otherwise: the API has no other guard
 *                    without a token)
 * @param apiPort     the HTTP API's TCP port
 * @param idleMode    how the data-plane thread waits when idle
 * @param topology    peers (static mode only) and the pods to create at start
 * @param cluster     how to join the cluster; null in static mode
 * @param apiToken    the bearer token the API requires; null: none
 * @param stopOnStdinClose stop when standard input reaches its end: the supervisor holding the pipe is gone
 *                    ({@link SupervisorPipe})
 * @param services    Services and cluster DNS: Service CIDR, cluster domain, connection-tracking size
 */
public record AgentSettings(
    String nodeName,
    Ipv4Cidr podCidr,
    String tunnelBind,
    int tunnelPort,
    int underlayMtu,
    long tunnelIdleMs,
    int networkId,
    int podMtu,
    String apiBind,
    int apiPort,
    IdleMode idleMode,
    StaticTopology topology,
    ClusterSettings cluster,
    ApiToken apiToken,
    boolean stopOnStdinClose,
    ServiceSettings services)
{
    /** The tunnel and the cluster port listen everywhere: other nodes must reach them (each has its own guard). */
    public static final String DEFAULT_BIND = "0.0.0.0";
    /** The API listens on loopback unless told otherwise ({@code --api-bind}; the image says 0.0.0.0 inside its container). */
    public static final String DEFAULT_API_BIND = "127.0.0.1";
    /** The API token itself, from the environment only (a flag's value would show in {@code ps}). */
    public static final String API_TOKEN_ENV = "PODNET_API_TOKEN";
    /** The cluster secret itself, from the environment only. */
    public static final String CLUSTER_SECRET_ENV = "PODNET_CLUSTER_SECRET";
    /** The usual alternative HTTP port. */
    public static final int DEFAULT_API_PORT = 8080;
    /** A VXLAN VNI has 24 bits; the tunnel frame's field is wider, but no cluster needs more. */
    public static final int MAX_NETWORK_ID = (1 << 24) - 1;
    /** Pods {@code --pods N} may create at most; a /24 holds 253. */
    public static final int MAX_PODS = 1_000;
    /** Longest resync interval: an hour (the resync is the safety net; rarer would not be one). */
    public static final int MAX_RESYNC_INTERVAL_SECONDS = 3600;
    /** Longest lease grace period: a week (a node away longer is not coming back with its pods). */
    public static final int MAX_LEASE_GRACE_SECONDS = 7 * 24 * 3600;
    /** A host name or IPv4 address as Akka and the tunnel take it (it also ends up in HOCON, quoted). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?");

    /** One setting: its flag and its environment variable. */
    public enum Setting
    {
        NODE("--node", "PODNET_NODE_NAME"),
        POD_CIDR("--pod-cidr", "PODNET_POD_CIDR"),
        TUNNEL_BIND("--tunnel-bind", "PODNET_TUNNEL_BIND"),
        TUNNEL_PORT("--tunnel-port", "PODNET_TUNNEL_PORT"),
        TUNNEL_IDLE("--tunnel-idle-ms", "PODNET_TUNNEL_IDLE_MS"),
        UNDERLAY_MTU("--underlay-mtu", "PODNET_UNDERLAY_MTU"),
        NETWORK_ID("--network-id", "PODNET_NETWORK_ID"),
        POD_MTU("--pod-mtu", "PODNET_POD_MTU"),
        API_BIND("--api-bind", "PODNET_API_BIND"),
        API_PORT("--api-port", "PODNET_API_PORT"),
        API_TOKEN_FILE("--api-token-file", "PODNET_API_TOKEN_FILE"),
        IDLE_MODE("--idle-mode", "PODNET_IDLE_MODE"),
        PEERS("--peer", "PODNET_PEERS"),
        PODS("--pods", "PODNET_PODS"),
        NETEM("--netem", "PODNET_NETEM"),
        SEEDS("--seeds", "PODNET_SEEDS"),
        CLUSTER_PORT("--cluster-port", "PODNET_CLUSTER_PORT"),
        ADVERTISED_HOST("--advertised-host", "PODNET_ADVERTISED_HOST"),
        CLUSTER_BIND("--cluster-bind", "PODNET_CLUSTER_BIND"),
        CLUSTER_CIDR("--cluster-cidr", "PODNET_CLUSTER_CIDR"),
        NODE_PREFIX("--node-prefix", "PODNET_NODE_PREFIX"),
        LEASE_GRACE("--lease-grace", "PODNET_LEASE_GRACE"),
        HEARTBEAT_INTERVAL("--heartbeat-interval-ms", "PODNET_HEARTBEAT_INTERVAL_MS"),
        ACCEPTABLE_PAUSE("--acceptable-pause-ms", "PODNET_ACCEPTABLE_PAUSE_MS"),
        STABLE_AFTER("--stable-after-ms", "PODNET_STABLE_AFTER_MS"),
        CLUSTER_SECRET_FILE("--cluster-secret-file", "PODNET_CLUSTER_SECRET_FILE"),
        CLUSTER_TLS("--cluster-tls", "PODNET_CLUSTER_TLS"),
        RESYNC_INTERVAL("--resync-interval", "PODNET_RESYNC_INTERVAL"),
        STATE_DIR("--state-dir", "PODNET_STATE_DIR"),
        STOP_ON_STDIN_CLOSE("--stop-on-stdin-close", "PODNET_STOP_ON_STDIN_CLOSE"),
        SERVICE_CIDR("--service-cidr", "PODNET_SERVICE_CIDR"),
        CLUSTER_DOMAIN("--cluster-domain", "PODNET_CLUSTER_DOMAIN"),
        CONNTRACK_MAX("--conntrack-max", "PODNET_CONNTRACK_MAX");

        /** Settings that only mean something in cluster mode (besides {@link #SEEDS}, which chooses it). */
        static final List<Setting> CLUSTER_ONLY = List.of(CLUSTER_PORT, ADVERTISED_HOST, CLUSTER_BIND, CLUSTER_CIDR,
            NODE_PREFIX, LEASE_GRACE, HEARTBEAT_INTERVAL, ACCEPTABLE_PAUSE, STABLE_AFTER, RESYNC_INTERVAL, STATE_DIR,
            CLUSTER_SECRET_FILE, CLUSTER_TLS);

        private final String flag;
        private final String env;

        Setting(final String flag, final String env)
        {
            this.flag = flag;
            this.env = env;
        }

        public String flag()
        {
            return flag;
        }

        public String env()
        {
            return env;
        }

        /** How messages name it: {@code PODNET_TUNNEL_PORT / --tunnel-port}. */
        public String label()
        {
            return env + " / " + flag;
        }
    }

    public AgentSettings
    {
        if (topology == null)
        {
            topology = new StaticTopology(List.of(), List.of());
        }
        if (services == null)
        {
            services = ServiceSettings.defaults();
        }
    }

    /** The same settings, joining through {@code seeds} (a restart's: cluster mode only). */
    public AgentSettings withSeeds(final List<String> seeds)
    {
        if (cluster == null)
        {
            throw new IllegalStateException("node " + nodeName + " runs in static mode: it has no seeds");
        }
        final ClusterSettings c = cluster;
        final ClusterSettings joined = new ClusterSettings(seeds, c.clusterPort(), c.advertisedHost(), c.clusterBind(),
            c.clusterCidr(), c.nodePrefix(), c.leaseGrace(), c.heartbeatInterval(), c.acceptablePause(), c.stableAfter(),
            c.secret(), c.resyncInterval(), c.stateDir(), c.tls());
        return new AgentSettings(nodeName, podCidr, tunnelBind, tunnelPort, underlayMtu, tunnelIdleMs, networkId, podMtu, apiBind,
            apiPort, idleMode, topology, joined, apiToken, stopOnStdinClose, services);
    }

    /** The tunnel's configuration (Aeron directory picked per process, default term length). */
    public TunnelConfig tunnelConfig()
    {
        return tunnelConfig(networkId, tunnelBind, tunnelPort, underlayMtu).withPeerIdleMs(tunnelIdleMs);
    }

    /** Whether the node joins a cluster ({@code PODNET_SEEDS} is set) rather than being configured statically. */
    public boolean clusterMode()
    {
        return cluster != null;
    }

    /** The data plane's configuration in static mode: defaults, with this node's name, CIDR, pod MTU and idle mode. */
    public NodeConfig nodeConfig()
    {
        if (podCidr == null)
        {
            throw new IllegalStateException("node " + nodeName + " runs in cluster mode: its pod CIDR comes with its lease");
        }
        return nodeConfig(podCidr);
    }

    /** The data plane's configuration for pod CIDR {@code cidr} (the leased one in cluster mode). */
    public NodeConfig nodeConfig(final Ipv4Cidr cidr)
    {
        final NodeConfig defaults = NodeConfig.defaults(nodeName, cidr);
        return defaults.withPod(defaults.pod().withMtu(podMtu)).withIdleMode(idleMode).withServices(services);
    }

    /**
     * The control plane's settings in cluster mode.
     *
     * @param incarnation this life of the node (epoch ms at start): orders its replicated writes
     */
    public ControlPlaneSettings controlPlaneSettings(final long incarnation)
    {
        if (cluster == null)
        {
            throw new IllegalStateException("node " + nodeName + " runs in static mode (" + Setting.SEEDS.label() + " is not set)");
        }
        return new ControlPlaneSettings(nodeName, cluster.clusterCidr().toString(), cluster.nodePrefix(),
            cluster.advertisedHost(), cluster.clusterBind(), cluster.clusterPort(), cluster.seeds(), tunnelPort, apiPort,
            cluster.leaseGrace(), incarnation, cluster.heartbeatInterval(), cluster.acceptablePause(), cluster.stableAfter(), "",
            cluster.tls() ? cluster.secret() : null, cluster.stateDir());
    }

    /**
     * Resolves every setting: the flag if given, else the environment variable, else the default;
     * blank values count as not given.
     *
     * @param flags    flag values by setting ({@code --peer} given several times: joined with commas)
     * @param env      the environment ({@code System.getenv()})
     * @param hostName the host name, asked only when neither flag nor variable names the node
     * @throws IllegalArgumentException naming the first bad setting
     */
    public static AgentSettings resolve(
        final Map<Setting, String> flags, final Map<String, String> env, final Supplier<String> hostName)
    {
        final Values values = new Values(flags, env);

        final String nodeName;
        final String givenName = values.get(Setting.NODE);
        if (givenName != null)
        {
            nodeName = givenName;
            require(NodeConfig.isDnsLabel(nodeName), Setting.NODE, "'" + nodeName + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
        else
        {
            nodeName = shortHostName(env, hostName);
            require(NodeConfig.isDnsLabel(nodeName), Setting.NODE, "the host name '" + nodeName +
                "' is not a DNS-1123 label: name the node with a flag or the variable");
        }

        final String seeds = values.get(Setting.SEEDS);
        final ClusterSettings cluster;
        final Ipv4Cidr podCidr;
        if (seeds != null)
        {
            cluster = cluster(values, seeds, hostName, nodeName, env);
            require(values.get(Setting.POD_CIDR) == null, Setting.POD_CIDR,
                "the pod CIDR is leased by the control plane in cluster mode (" + Setting.SEEDS.env() + " is set)");
            require(values.get(Setting.PEERS) == null, Setting.PEERS,
                "every other node's CIDR is leased by the control plane in cluster mode (" + Setting.SEEDS.env() +
                    " is set): the nodes find each other through the cluster");
            require(values.get(Setting.NETWORK_ID) == null, Setting.NETWORK_ID,
                "derived from the cluster secret in cluster mode (" + Setting.SEEDS.env() + " is set): leave it out");
            podCidr = null;
        }
        else
        {
            for (final Setting setting : Setting.CLUSTER_ONLY)
            {
                require(values.get(setting) == null, setting, "only used in cluster mode: set " + Setting.SEEDS.label() +
                    " as well (the seed nodes to join), or leave it out");
            }
            final String secret = env.get(CLUSTER_SECRET_ENV);
            if (secret != null && !secret.isBlank())
            {
                throw new IllegalArgumentException(CLUSTER_SECRET_ENV + ": only used in cluster mode: set " +
                    Setting.SEEDS.label() + " as well (the seed nodes to join), or leave it out");
            }
            cluster = null;
            final String cidrText = values.get(Setting.POD_CIDR);
            require(cidrText != null, Setting.POD_CIDR, "required: the node's pod CIDR, e.g. 10.244.1.0/24 " +
                "(or set " + Setting.SEEDS.label() + " to join a cluster, whose control plane leases it)");
            podCidr = cidr(Setting.POD_CIDR, cidrText);
            require(podCidr.prefixLength() >= 16 && podCidr.prefixLength() <= 28, Setting.POD_CIDR,
                podCidr + ": prefix length must be 16..28");
        }

        final String tunnelBind = bindAddress(Setting.TUNNEL_BIND, values.getOr(Setting.TUNNEL_BIND, DEFAULT_BIND));
        final int tunnelPort = integer(values, Setting.TUNNEL_PORT, TunnelConfig.DEFAULT_PORT, 1, 65535);
        final int underlayMtu = integer(values, Setting.UNDERLAY_MTU, TunnelConfig.DEFAULT_UNDERLAY_MTU, 1280, 9216);
        final long tunnelIdleMs = tunnelIdleMs(values.get(Setting.TUNNEL_IDLE));
        final int networkId = cluster != null ? cluster.secret().networkId() :
            integer(values, Setting.NETWORK_ID, TunnelConfig.DEFAULT_NETWORK_ID, 1, MAX_NETWORK_ID);

        final int tunnelMtu = tunnelConfig(networkId, tunnelBind, tunnelPort, underlayMtu).innerMtu();
        // a jumbo underlay (9120+) would allow more than a pod stack takes: the default stops at the pods' maximum
        final int podMtu = integer(values, Setting.POD_MTU, Math.min(tunnelMtu, PodSettings.MAX_MTU), PodSettings.MIN_MTU,
            PodSettings.MAX_MTU);
        require(podMtu <= tunnelMtu, Setting.POD_MTU, podMtu + " is larger than the " + tunnelMtu + " bytes the tunnel " +
            "carries in one datagram with " + Setting.UNDERLAY_MTU.label() + " " + underlayMtu +
            ": lower the pod MTU or raise the underlay MTU (see docs/MTU.md)");

        final String apiBind = bindAddress(Setting.API_BIND, values.getOr(Setting.API_BIND, DEFAULT_API_BIND));
        final int apiPort = integer(values, Setting.API_PORT, DEFAULT_API_PORT, 1, 65535);
        final ApiToken apiToken = apiToken(values, env);

        final IdleMode idleMode;
        try
        {
            idleMode = IdleMode.parse(values.getOr(Setting.IDLE_MODE, IdleMode.EFFICIENT.settingName()));
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(Setting.IDLE_MODE, ex.getMessage());
        }

        final List<StaticTopology.Peer> peers = cluster == null ? peers(values.get(Setting.PEERS), nodeName, podCidr) : List.of();
        final List<String> pods = cluster == null ?
            pods(values.get(Setting.PODS), nodeName, podCidr.size() - 3, podCidr.toString()) :
            pods(values.get(Setting.PODS), nodeName, (1L << (32 - cluster.nodePrefix())) - 3, "a /" + cluster.nodePrefix() + " lease");

        final Map<String, ImpairmentPatch> links = links(values.get(Setting.NETEM), nodeName);

        final AgentSettings settings = new AgentSettings(nodeName, podCidr, tunnelBind, tunnelPort, underlayMtu, tunnelIdleMs,
            networkId, podMtu, apiBind, apiPort, idleMode, new StaticTopology(peers, pods, links), cluster, apiToken, bool(values, Setting.STOP_ON_STDIN_CLOSE),
            services(values, podCidr, cluster));
        if (cluster != null)
        {
            settings.controlPlaneSettings(System.currentTimeMillis()); // its own checks, which name the variables too
        }
        return settings;
    }

    /**
     * {@link Setting#TUNNEL_IDLE}: {@value TunnelConfig#DEFAULT_PEER_IDLE_MS} ms when not given, else 0 (never) or
     * {@value TunnelConfig#MIN_PEER_IDLE_MS}..{@value TunnelConfig#MAX_PEER_IDLE_MS}; also {@code podnet demo}'s
     * and {@code podnet bench idle}'s check of their option.
     *
     * @throws IllegalArgumentException naming the setting
     */
    public static long tunnelIdleMs(final String text)
    {
        if (text == null)
        {
            return TunnelConfig.DEFAULT_PEER_IDLE_MS;
        }
        final int idleMs = parseInt(Setting.TUNNEL_IDLE, text, 0, (int)TunnelConfig.MAX_PEER_IDLE_MS);
        require(idleMs == 0 || idleMs >= TunnelConfig.MIN_PEER_IDLE_MS, Setting.TUNNEL_IDLE, idleMs + " ms is shorter than " +
            TunnelConfig.MIN_PEER_IDLE_MS + " ms (0: never close an idle peer's tunnel)");
        return idleMs;
    }

    /**
     * Services and cluster DNS: a Service CIDR that overlaps no pod address, a cluster domain, a
     * connection-tracking size; the first two the same on every node.
     */
    private static ServiceSettings services(final Values values, final Ipv4Cidr podCidr, final ClusterSettings cluster)
    {
        final Ipv4Cidr serviceCidr = cidr(Setting.SERVICE_CIDR, values.getOr(Setting.SERVICE_CIDR, "10.96.0.0/12"));
        require(serviceCidr.prefixLength() >= 12 && serviceCidr.prefixLength() <= 24, Setting.SERVICE_CIDR,
            serviceCidr + ": prefix length must be 12..24");
        final Ipv4Cidr pods = cluster != null ? cluster.clusterCidr() : podCidr;
        require(!overlaps(serviceCidr, pods), Setting.SERVICE_CIDR, serviceCidr + " overlaps the pod addresses " + pods +
            (cluster != null ? " (" + Setting.CLUSTER_CIDR.label() + ")" : ""));
        final String domain = values.getOr(Setting.CLUSTER_DOMAIN, ServiceSettings.DEFAULT_DOMAIN);
        final int conntrackMax = integer(values, Setting.CONNTRACK_MAX, dev.podnet.conntrack.ConntrackTable.DEFAULT_CAPACITY, 16,
            1 << 22);
        try
        {
            return ServiceSettings.of(serviceCidr, domain, conntrackMax);
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(Setting.CLUSTER_DOMAIN, "'" + domain + "' is not a domain name (e.g. cluster.local)");
        }
    }

    /**
     * The cluster settings, each checked; the defaults are {@link ControlPlaneSettings}' (fast failure
     * detection for an emulator, not so fast that a GC pause on a busy box makes nodes flap).
     */
    private static ClusterSettings cluster(
        final Values values, final String seedsText, final Supplier<String> hostName, final String nodeName, final Map<String, String> env)
    {
        final List<String> seeds = seeds(seedsText);
        final int clusterPort = integer(values, Setting.CLUSTER_PORT, ControlPlaneSettings.DEFAULT_CLUSTER_PORT, 1, 65535);

        String advertisedHost = values.get(Setting.ADVERTISED_HOST);
        if (advertisedHost == null)
        {
            advertisedHost = hostName.get();
            require(advertisedHost != null && !advertisedHost.isBlank(), Setting.ADVERTISED_HOST,
                "cannot tell this host's name: give the name or address other nodes reach this one at");
            advertisedHost = advertisedHost.trim();
        }
        requireHost(Setting.ADVERTISED_HOST, advertisedHost, advertisedHost);
        require(!isWildcard(advertisedHost), Setting.ADVERTISED_HOST, advertisedHost + " is a wildcard address, which " +
            "other nodes cannot reach this one at: give this node's name or address on the network between nodes");

        final String clusterBind = bindAddress(Setting.CLUSTER_BIND, values.getOr(Setting.CLUSTER_BIND, DEFAULT_BIND));
        final Ipv4Cidr clusterCidr = cidr(Setting.CLUSTER_CIDR,
            values.getOr(Setting.CLUSTER_CIDR, ControlPlaneSettings.DEFAULT_CLUSTER_CIDR));
        require(clusterCidr.prefixLength() >= 8 && clusterCidr.prefixLength() <= 28, Setting.CLUSTER_CIDR,
            clusterCidr + ": prefix length must be 8..28");
        final int nodePrefix = integer(values, Setting.NODE_PREFIX, ControlPlaneSettings.DEFAULT_NODE_PREFIX, 16, 28);
        require(nodePrefix >= clusterCidr.prefixLength(), Setting.NODE_PREFIX, "a /" + nodePrefix + " lease is larger than " +
            Setting.CLUSTER_CIDR.label() + " " + clusterCidr + ": use /" + clusterCidr.prefixLength() + " or longer");

        final int graceSeconds = integer(values, Setting.LEASE_GRACE,
            (int)ControlPlaneSettings.DEFAULT_LEASE_GRACE.toSeconds(), 1, MAX_LEASE_GRACE_SECONDS);
        final int heartbeatMs = integer(values, Setting.HEARTBEAT_INTERVAL,
            (int)ControlPlaneSettings.DEFAULT_HEARTBEAT_INTERVAL.toMillis(), 10, 60_000);
        final int pauseMs = integer(values, Setting.ACCEPTABLE_PAUSE,
            (int)ControlPlaneSettings.DEFAULT_ACCEPTABLE_PAUSE.toMillis(), 100, 600_000);
        require(pauseMs > heartbeatMs, Setting.ACCEPTABLE_PAUSE, pauseMs + " ms is not longer than " +
            Setting.HEARTBEAT_INTERVAL.label() + " " + heartbeatMs + " ms: nodes would be suspected between two heartbeats");
        final int stableMs = integer(values, Setting.STABLE_AFTER,
            (int)ControlPlaneSettings.DEFAULT_STABLE_AFTER.toMillis(), 100, 600_000);
        final int resyncSeconds = integer(values, Setting.RESYNC_INTERVAL,
            (int)SyncSettings.DEFAULT_RESYNC_INTERVAL.toSeconds(), 1, MAX_RESYNC_INTERVAL_SECONDS);
        final String stateDirText = values.get(Setting.STATE_DIR);
        final Path stateDir;
        try
        {
            stateDir = stateDirText == null ? defaultStateDir(env, nodeName) : Path.of(stateDirText).toAbsolutePath().normalize();
        }
        catch (final java.nio.file.InvalidPathException ex)
        {
            throw invalid(Setting.STATE_DIR, "'" + stateDirText + "' is not a path: " + ex.getMessage());
        }

        final ClusterSecret secret = clusterSecret(values, env);
        final String tlsValue = values.getOr(Setting.CLUSTER_TLS, "on").trim().toLowerCase(java.util.Locale.ROOT);
        require(tlsValue.equals("on") || tlsValue.equals("off"), Setting.CLUSTER_TLS, "'" + tlsValue + "' is not on or off");
        final boolean tls = tlsValue.equals("on");
        if (!tls)
        {
            require(isLoopback(clusterBind) && isLoopback(advertisedHost), Setting.CLUSTER_TLS, "off needs " +
                Setting.CLUSTER_BIND.label() + " and " + Setting.ADVERTISED_HOST.label() + " on a loopback address (they are " +
                clusterBind + " and " + advertisedHost + "): only agents of this host may talk to a cluster port without TLS");
        }

        return new ClusterSettings(seeds, clusterPort, advertisedHost, clusterBind, clusterCidr, nodePrefix,
            Duration.ofSeconds(graceSeconds), Duration.ofMillis(heartbeatMs), Duration.ofMillis(pauseMs), Duration.ofMillis(stableMs),
            secret, Duration.ofSeconds(resyncSeconds), stateDir, tls);
    }

    /** The API token (null: none), from the file {@code --api-token-file} names or {@code PODNET_API_TOKEN}. */
    private static ApiToken apiToken(final Values values, final Map<String, String> env)
    {
        return fileOrVariable(values, env, Setting.API_TOKEN_FILE, API_TOKEN_ENV, "token", ApiToken::read, ApiToken::of);
    }

    /** The cluster secret, required in cluster mode: from the file {@code --cluster-secret-file} names or {@code PODNET_CLUSTER_SECRET}. */
    private static ClusterSecret clusterSecret(final Values values, final Map<String, String> env)
    {
        final ClusterSecret secret = fileOrVariable(values, env, Setting.CLUSTER_SECRET_FILE, CLUSTER_SECRET_ENV, "secret",
            ClusterSecret::read, ClusterSecret::of);
        if (secret == null)
        {
            throw new IllegalArgumentException(CLUSTER_SECRET_ENV + " / " + Setting.CLUSTER_SECRET_FILE.flag() +
                ": required in cluster mode: the secret every node of the cluster shares, at least " + ClusterSecret.MIN_LENGTH +
                " characters (e.g. openssl rand -hex 16); a node with another one cannot join");
        }
        return secret;
    }

    /**
     * A credential given in a file ({@code fileSetting}: flag or variable) or, itself, in the variable
     * {@code variable} (never on the command line, where {@code ps} shows it); both at once is an error (which
     * would win?), neither is null. Messages name the setting and never show the credential.
     */
    private static <T> T fileOrVariable(
        final Values values, final Map<String, String> env, final Setting fileSetting, final String variable, final String what,
        final java.util.function.Function<Path, T> read, final java.util.function.Function<String, T> parse)
    {
        final String file = values.get(fileSetting);
        final String value = env.get(variable);
        final boolean given = value != null && !value.isBlank();
        if (file != null)
        {
            require(!given, fileSetting, "give the " + what + " either in a file or in " + variable + ", not both");
            try
            {
                return read.apply(Path.of(file));
            }
            catch (final IllegalArgumentException ex)
            {
                throw invalid(fileSetting, ex.getMessage());
            }
        }
        if (!given)
        {
            return null;
        }
        try
        {
            return parse.apply(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(variable + ": " + ex.getMessage());
        }
    }

    /**
     * Link impairments at start: {@code TO:FIELD=VALUE,...} per link, links separated by {@code ;} (the flag may
     * be given once per link), e.g. {@code node-2:delay=50ms,loss=1%;node-3:rate=10mbit} (fields as
     * {@code podnetctl netem set} and the API take them, see {@link ImpairmentPatch}).
     */
    private static Map<String, ImpairmentPatch> links(final String text, final String nodeName)
    {
        final Map<String, ImpairmentPatch> links = new java.util.LinkedHashMap<>();
        if (text == null)
        {
            return links;
        }
        for (final String spec : text.split(";"))
        {
            if (spec.isBlank())
            {
                continue;
            }
            final int colon = spec.indexOf(':');
            require(colon > 0, Setting.NETEM, "'" + spec.trim() + "' is not TO:FIELD=VALUE,... (e.g. node-2:delay=50ms,loss=1%)");
            final String to = spec.substring(0, colon).trim();
            require(NodeConfig.isDnsLabel(to), Setting.NETEM, "'" + to + "' is not a node name (a DNS-1123 label)");
            require(!to.equals(nodeName), Setting.NETEM, "'" + to + "' is this node itself: a node has no link to itself");
            require(!links.containsKey(to), Setting.NETEM, "the link to " + to + " is given twice");
            try
            {
                final ImpairmentPatch patch = ImpairmentPatch.parse(spec.substring(colon + 1));
                patch.applyTo(dev.podnet.netem.Impairment.none(0)); // checks the fields together (reorder needs a delay)
                links.put(to, patch);
            }
            catch (final IllegalArgumentException ex)
            {
                throw invalid(Setting.NETEM, "link to " + to + ": " + ex.getMessage());
            }
        }
        return links;
    }

    /**
     * Where a node keeps what must survive a restart of the whole cluster (its copy of the lease table),
     * when {@link Setting#STATE_DIR} is not given: per user and per node name, as the XDG base directory
     * specification places state ({@code $XDG_STATE_HOME/podnet/NODE}, else {@code ~/.local/state/podnet/NODE}),
     * so that several agents of one user on one host never share one. The image sets {@code /var/lib/podnet}.
     */
    public static Path defaultStateDir(final Map<String, String> env, final String nodeName)
    {
        final String xdg = env.get("XDG_STATE_HOME");
        final Path base = xdg != null && !xdg.isBlank() && Path.of(xdg.trim()).isAbsolute() ?
            Path.of(xdg.trim()) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("podnet").resolve(nodeName).toAbsolutePath().normalize();
    }

    /** {@code HOST:PORT}, comma-separated, at least one, none twice. */
    private static List<String> seeds(final String text)
    {
        final List<String> seeds = new ArrayList<>();
        for (final String item : text.split(","))
        {
            final String seed = item.trim();
            if (seed.isEmpty())
            {
                continue;
            }
            final String expected = "'" + seed + "' is not HOST:PORT (e.g. node-1:2552 or 10.0.0.1:2552)";
            final int colon = seed.lastIndexOf(':');
            require(colon > 0 && colon < seed.length() - 1, Setting.SEEDS, expected);
            final String host = seed.substring(0, colon);
            requireHost(Setting.SEEDS, host, expected);
            require(!isWildcard(host), Setting.SEEDS, "seed '" + seed + "': " + host + " is a wildcard address, not a node's");
            final int port = parseInt(Setting.SEEDS, seed.substring(colon + 1), 1, 65535);
            final String canonical = host + ":" + port;
            require(!seeds.contains(canonical), Setting.SEEDS, "seed '" + canonical + "' given twice");
            seeds.add(canonical);
        }
        require(!seeds.isEmpty(), Setting.SEEDS, "no seed node given (expected: HOST:PORT,...)");
        return seeds;
    }

    private static void requireHost(final Setting setting, final String host, final String expected)
    {
        require(HOST.matcher(host).matches(), setting, host.equals(expected) ?
            "'" + host + "' is not a host name or IPv4 address" : expected);
    }

    private static boolean isWildcard(final String host)
    {
        return host.equals("0.0.0.0") || host.equals("0");
    }

    /** The host name up to its first dot, lower-cased: {@code HOSTNAME} if set, else what the OS says. */
    public static String shortHostName(final Map<String, String> env, final Supplier<String> hostName)
    {
        String name = env.get("HOSTNAME");
        if (name == null || name.isBlank())
        {
            name = hostName.get();
        }
        if (name == null)
        {
            return "";
        }
        final int dot = name.indexOf('.');
        return (dot < 0 ? name : name.substring(0, dot)).trim().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code host} names a loopback address (false when it does not resolve). */
    static boolean isLoopback(final String host)
    {
        try
        {
            return InetAddress.getByName(host).isLoopbackAddress();
        }
        catch (final UnknownHostException ex)
        {
            return false;
        }
    }

    /** What the operating system calls this host, "" when it cannot tell. */
    public static String osHostName()
    {
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final UnknownHostException ex)
        {
            return "";
        }
    }

    private static TunnelConfig tunnelConfig(final int networkId, final String bind, final int port, final int underlayMtu)
    {
        return new TunnelConfig(networkId, bind, port, underlayMtu, null, TunnelConfig.DEFAULT_TERM_LENGTH);
    }

    /**
     * {@code NAME=CIDR@HOST:PORT}, comma-separated: distinct names other than this node's, CIDRs that
     * overlap neither this node's nor each other.
     */
    private static List<StaticTopology.Peer> peers(final String text, final String nodeName, final Ipv4Cidr podCidr)
    {
        final List<StaticTopology.Peer> peers = new ArrayList<>();
        if (text == null)
        {
            return peers;
        }
        for (final String item : text.split(","))
        {
            final String spec = item.trim();
            if (spec.isEmpty())
            {
                continue;
            }
            final StaticTopology.Peer peer = peer(spec);
            require(!peer.node().equals(nodeName), Setting.PEERS, "peer '" + spec + "' is this node itself");
            require(!overlaps(peer.cidr(), podCidr), Setting.PEERS,
                "peer '" + spec + "': " + peer.cidr() + " overlaps this node's pod CIDR " + podCidr);
            for (final StaticTopology.Peer other : peers)
            {
                require(!other.node().equals(peer.node()), Setting.PEERS, "peer '" + peer.node() + "' given twice");
                require(!overlaps(other.cidr(), peer.cidr()), Setting.PEERS,
                    "peer '" + spec + "': " + peer.cidr() + " overlaps " + other.cidr() + " of peer '" + other.node() + "'");
            }
            peers.add(peer);
        }
        return peers;
    }

    private static StaticTopology.Peer peer(final String spec)
    {
        final String expected = "'" + spec + "' is not NAME=CIDR@HOST:PORT (e.g. node-2=10.244.2.0/24@10.0.0.2:8472)";
        final int equals = spec.indexOf('=');
        final int at = spec.indexOf('@');
        final int colon = spec.lastIndexOf(':');
        require(equals > 0 && at > equals + 1 && colon > at + 1 && colon < spec.length() - 1, Setting.PEERS, expected);
        final String node = spec.substring(0, equals);
        require(NodeConfig.isDnsLabel(node), Setting.PEERS, "peer '" + spec + "': node name '" + node +
            "' is not a DNS-1123 label");
        final Ipv4Cidr cidr = cidr(Setting.PEERS, spec.substring(equals + 1, at));
        final String host = spec.substring(at + 1, colon);
        require(host.chars().noneMatch(c -> Character.isWhitespace(c) || c == '@' || c == '='), Setting.PEERS, expected);
        final int port = parseInt(Setting.PEERS, spec.substring(colon + 1), 1, 65535);
        return new StaticTopology.Peer(node, cidr, host, port);
    }

    /** A count ({@code 3}: {@code NODE-1..NODE-3}) or a comma-separated list of names. */
    private static List<String> pods(final String text, final String nodeName, final long room, final String where)
    {
        final List<String> pods = new ArrayList<>();
        if (text == null)
        {
            return pods;
        }
        final String trimmed = text.trim();
        if (trimmed.chars().allMatch(Character::isDigit))
        {
            final int count = parseInt(Setting.PODS, trimmed, 0, MAX_PODS);
            for (int i = 1; i <= count; i++)
            {
                pods.add(nodeName + "-" + i);
            }
        }
        else
        {
            for (final String item : trimmed.split(","))
            {
                final String name = item.trim();
                if (!name.isEmpty())
                {
                    pods.add(name);
                }
            }
        }
        final Set<String> seen = new HashSet<>();
        for (final String name : pods)
        {
            require(NodeConfig.isDnsLabel(name), Setting.PODS, "pod name '" + name + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
            require(seen.add(name), Setting.PODS, "pod '" + name + "' given twice");
        }
        require(pods.size() <= room, Setting.PODS,
            pods.size() + " pods do not fit in " + where + " (room for " + room + ": network, gateway and broadcast are taken)");
        return pods;
    }

    private static boolean overlaps(final Ipv4Cidr a, final Ipv4Cidr b)
    {
        final int shorter = Math.min(a.prefixLength(), b.prefixLength());
        final int mask = shorter == 0 ? 0 : -1 << (32 - shorter);
        return (a.network() & mask) == (b.network() & mask);
    }

    private static Ipv4Cidr cidr(final Setting setting, final String text)
    {
        try
        {
            return Ipv4Cidr.parse(text.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            throw invalid(setting, ex.getMessage());
        }
    }

    private static String bindAddress(final Setting setting, final String text)
    {
        final String host = text.trim();
        require(!host.chars().anyMatch(Character::isWhitespace), setting, "'" + text + "' is not a host name or address");
        require(!new InetSocketAddress(host, 0).isUnresolved(), setting, "'" + host + "' does not resolve to an address");
        return host;
    }

    /** {@code true} or {@code false} (any case); false when not given. */
    private static boolean bool(final Values values, final Setting setting)
    {
        final String text = values.get(setting);
        if (text == null || text.equalsIgnoreCase("false"))
        {
            return false;
        }
        require(text.equalsIgnoreCase("true"), setting, "'" + text + "' is not true or false");
        return true;
    }

    private static int integer(final Values values, final Setting setting, final int defaultValue, final int min, final int max)
    {
        final String text = values.get(setting);
        return text == null ? defaultValue : parseInt(setting, text, min, max);
    }

    private static int parseInt(final Setting setting, final String text, final int min, final int max)
    {
        final long value;
        try
        {
            value = Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw invalid(setting, "'" + text + "' is not a number");
        }
        require(value >= min && value <= max, setting,
            value + (max == Integer.MAX_VALUE ? " is less than " + min : " outside " + min + ".." + max));
        return (int)value;
    }

    private static void require(final boolean condition, final Setting setting, final String message)
    {
        if (!condition)
        {
            throw invalid(setting, message);
        }
    }

    private static IllegalArgumentException invalid(final Setting setting, final String message)
    {
        return new IllegalArgumentException(setting.label() + ": " + message);
    }

    /** Flag, else environment variable; blank is absent. */
    private record Values(Map<Setting, String> flags, Map<String, String> env)
    {
        String get(final Setting setting)
        {
            final String flag = flags.get(setting);
            if (flag != null && !flag.isBlank())
            {
                return flag.trim();
            }
            final String variable = env.get(setting.env());
            return variable == null || variable.isBlank() ? null : variable.trim();
        }

        String getOr(final Setting setting, final String defaultValue)
        {
            final String value = get(setting);
            return value == null ? defaultValue : value;
        }
    }
}
