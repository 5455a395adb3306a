package dev.podnet.controlplane;

import akka.actor.BootstrapSetup;
import akka.actor.setup.ActorSystemSetup;
import akka.remote.artery.tcp.SSLEngineProviderSetup;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One node's control-plane settings, validated when made; each message names its setting.
 *
 * @param nodeName          the node's unique, stable name (a restart under it gets its lease back)
 * @param clusterCidr       the pod address space all leases come from (all nodes must agree)
 * @param nodePrefix        the prefix length of one node's lease
 * @param host              the address other nodes reach this node's cluster port (and tunnel) at
 * @param bindHost          the local address the cluster port binds to
 * @param clusterPort       Akka Artery TCP port
 * @param seeds             {@code host:port} of seed nodes (this node's own address may be among them)
 * @param tunnelPort        this node's tunnel UDP port, published in its lease
 * @param apiPort           this node's HTTP API port, published in its lease
 * @param leaseGrace        how long a removed node's lease is kept before it is reclaimed
 * @param incarnation       this life of the node (epoch ms at start): orders its replicated writes
 * @param heartbeatInterval failure-detector heartbeat interval
 * @param acceptablePause   heartbeats missed for this long make a node unreachable
 * @param stableAfter       the split brain resolver acts after membership was stable this long
 * @param extraConfig       HOCON that overrides anything above (tests, experts)
 * @param clusterSecret     what a node needs to join: the cluster port speaks TLS with a key made from it
 *                          ({@link ClusterTls}); null: plain TCP, anyone who reaches the port may join (tests in
 *                          one JVM only: {@code podnet agent} always has one)
 * @param stateDir          where this node keeps its replica of the lease table ({@link StateDirectory}), so that
 *                          leases survive a restart of the whole cluster; null keeps it in memory only
 *                          (benchmarks, tests of other things)
 */
public record ControlPlaneSettings(
    String nodeName,
    String clusterCidr,
    int nodePrefix,
    String host,
    String bindHost,
    int clusterPort,
    List<String> seeds,
    int tunnelPort,
    int apiPort,
    Duration leaseGrace,
    long incarnation,
    Duration heartbeatInterval,
    Duration acceptablePause,
    Duration stableAfter,
    String extraConfig,
    ClusterSecret clusterSecret,
    Path stateDir)
{
    public static final String DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";
    public static final int DEFAULT_NODE_PREFIX = 24;
    public static final int DEFAULT_CLUSTER_PORT = 2552;
    public static final Duration DEFAULT_LEASE_GRACE = Duration.ofMinutes(2);
    /**
     * Akka's own interval. Detection is the acceptable pause's doing (a node is unreachable ~4 s after it went silent,
     * yet a JVM paused by GC or a busy 2-core box does not flap); 500 ms cost a tenth of an idle agent's CPU in TLS
     * and message handling, and withdrew a dead node no sooner (docs/BENCHMARKS.md, "Many nodes").
     */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ACCEPTABLE_PAUSE = Duration.ofSeconds(3);
    /** Akka's default is 20 s; an emulator wants its failures resolved quickly, and 5 s still rides out a flap. */
    public static final Duration DEFAULT_STABLE_AFTER = Duration.ofSeconds(5);

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern HOST_PORT = Pattern.compile("[^:\\s]+:\\d{1,5}");

    public ControlPlaneSettings
    {
        if (nodeName == null || !DNS_LABEL.matcher(nodeName).matches())
        {
            throw new IllegalArgumentException("PODNET_NODE_NAME: '" + nodeName + "' is not a DNS-1123 label");
        }
        try
        {
            clusterCidr = Cidrs.canonical(clusterCidr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("PODNET_CLUSTER_CIDR: " + ex.getMessage(), ex);
        }
        if (nodePrefix < Cidrs.prefix(clusterCidr) || nodePrefix > 28)
        {
            throw new IllegalArgumentException("PODNET_NODE_PREFIX: " + nodePrefix + " must be between the cluster CIDR's prefix (" +
                Cidrs.prefix(clusterCidr) + ") and 28");
        }
        requirePort("PODNET_CLUSTER_PORT", clusterPort, true);
        requirePort("PODNET_TUNNEL_PORT", tunnelPort, false);
        requirePort("PODNET_API_PORT", apiPort, true);
        if (host == null || host.isBlank())
        {
            throw new IllegalArgumentException("PODNET_ADVERTISED_HOST is required");
        }
        if (bindHost == null || bindHost.isBlank())
        {
            throw new IllegalArgumentException("PODNET_BIND_HOST is required");
        }
        seeds = List.copyOf(seeds);
        for (final String seed : seeds)
        {
            if (!HOST_PORT.matcher(seed).matches())
            {
                throw new IllegalArgumentException("PODNET_SEEDS: '" + seed + "' is not host:port");
            }
        }
        requirePositive("PODNET_LEASE_GRACE", leaseGrace);
        requirePositive("heartbeat interval", heartbeatInterval);
        requirePositive("acceptable heartbeat pause", acceptablePause);
        requirePositive("split brain resolver stable-after", stableAfter);
        extraConfig = extraConfig == null ? "" : extraConfig;
        stateDir = stateDir == null ? null : stateDir.toAbsolutePath().normalize();
    }

    /** Whether the cluster port speaks TLS with a key made from a {@link ClusterSecret}. */
    public boolean secured()
    {
        return clusterSecret != null;
    }

    /** Settings with every default, for a node reachable at {@code host:clusterPort}. */
    public static ControlPlaneSettings of(
        final String nodeName, final String host, final int clusterPort, final List<String> seeds, final int tunnelPort)
    {
        return new ControlPlaneSettings(
            nodeName, DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_PREFIX, host, host, clusterPort, seeds, tunnelPort, 0,
            DEFAULT_LEASE_GRACE, System.currentTimeMillis(), DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_ACCEPTABLE_PAUSE,
            DEFAULT_STABLE_AFTER, "", null, null);
    }

    public ControlPlaneSettings withClusterCidr(final String cidr, final int prefix)
    {
        return new ControlPlaneSettings(nodeName, cidr, prefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, clusterSecret, stateDir);
    }

    public ControlPlaneSettings withLeaseGrace(final Duration grace)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            grace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, clusterSecret, stateDir);
    }

    public ControlPlaneSettings withFailureDetection(final Duration heartbeat, final Duration pause, final Duration stable)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeat, pause, stable, extraConfig, clusterSecret, stateDir);
    }

    public ControlPlaneSettings withApiPort(final int port)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, port,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, clusterSecret, stateDir);
    }

    public ControlPlaneSettings withBindHost(final String bind)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bind, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, clusterSecret, stateDir);
    }

    /** These settings with the cluster secret the cluster port's TLS key is made from. */
    public ControlPlaneSettings withClusterSecret(final ClusterSecret secret)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, secret, stateDir);
    }

    public ControlPlaneSettings withExtraConfig(final String hocon)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, hocon, clusterSecret, stateDir);
    }

    /**
     * These settings with the default, internal and remote dispatchers on the one fork-join pool every actor system of
     * the JVM shares ({@link SharedForkJoinExecutor}): for several agents in one JVM ({@code podnet pack}), where ten
     * agents had ~130 dispatcher threads each parking and waking on its own. Measured idle, ten packed agents: 0.0279
     * core per agent against 0.0314 without (docs/BENCHMARKS.md).
     */
    public ControlPlaneSettings withSharedDispatchers()
    {
        final String executor = "executor = \"" + SharedForkJoinExecutor.CLASS_NAME + "\"";
        return withExtraConfig(String.join("\n", extraConfig,
            "akka.actor.default-dispatcher." + executor,
            "akka.actor.internal-dispatcher." + executor,
            "akka.remote.default-remote-dispatcher." + executor));
    }

    public ControlPlaneSettings withStateDir(final Path dir)
    {
        return new ControlPlaneSettings(nodeName, clusterCidr, nodePrefix, host, bindHost, clusterPort, seeds, tunnelPort, apiPort,
            leaseGrace, incarnation, heartbeatInterval, acceptablePause, stableAfter, extraConfig, clusterSecret, dir);
    }

    /**
     * How long a node refused its lease because another live member holds its name ({@link LeaseAllocator#NAME_IN_USE})
     * waits before it gives up: long enough for a holder that died without leaving to be noticed and downed
     * (twice the acceptable heartbeat pause plus the split brain resolver's stable-after, plus 10 s), after
     * which the lease is its own again.
     */
    public Duration nameInUseWait()
    {
        return acceptablePause.plus(stableAfter).multipliedBy(2).plusSeconds(10);
    }

    /**
     * What this node's ActorSystem is made with: {@code config} (this node's {@link #akkaConfig()}, perhaps with
     * more), and with a cluster secret the TLS whose key is made from it, here: the secret never enters the
     * Akka configuration, which Akka may log.
     */
    public ActorSystemSetup actorSystemSetup(final Config config)
    {
        final ActorSystemSetup setup = ActorSystemSetup.create(BootstrapSetup.create(config));
        if (clusterSecret == null)
        {
            return setup;
        }
        final ClusterTls tls = new ClusterTls(nodeName, clusterSecret);
        LoggerFactory.getLogger(ControlPlaneSettings.class).info(
            "node {} cluster port: TLS with the key of its cluster secret (fingerprint {})", nodeName, tls.fingerprint());
        return setup.withSetup(SSLEngineProviderSetup.create(system -> tls));
    }

    /** The Akka configuration of this node. */
    public Config akkaConfig()
    {
        final String seedList = seeds.stream()
            .map(seed -> "\"akka://" + ControlPlane.SYSTEM_NAME + "@" + seed + "\"")
            .collect(Collectors.joining(", "));
        final String hocon = String.join("\n",
            "akka {",
            "  loggers = [\"akka.event.slf4j.Slf4jLogger\"]",
            "  logging-filter = \"akka.event.slf4j.Slf4jLoggingFilter\"",
            "  loglevel = INFO",
            "  log-dead-letters = off",
            "  # Akka's flight recorder events: 130 JFR classes loaded and an event per remote message for a recording nobody makes",
            "  java-flight-recorder.enabled = off",
            "  # the scheduler's thread wakes once a tick: 100 times a second by default, in every agent; its timers (heartbeats,",
            "  # gossip, the 20 ms notify) need no finer grain than 20 ms",
            "  scheduler.tick-duration = 20ms",
            "  actor {",
            "    provider = cluster",
            "    allow-java-serialization = off",
            "    serializers { podnet = \"dev.podnet.controlplane.ControlPlaneSerializer\" }",
            "    serialization-identifiers { \"dev.podnet.controlplane.ControlPlaneSerializer\" = 4242 }",
            "    serialization-bindings { \"dev.podnet.controlplane.ControlPlaneMessage\" = podnet }",
            "  }",
            "  remote.artery {",
            "    transport = " + (clusterSecret == null ? "tcp" : "tls-tcp"),
            "    canonical.hostname = \"" + host + "\"",
            "    canonical.port = " + clusterPort,
            "    bind.hostname = \"" + bindHost + "\"",
            "    bind.port = " + clusterPort,
            "    # Akka's 3 s: the fifth pack of a 50-node demo on two cores bound its port later than that, and the agent's",
            "    # actor system failed to start",
            "    bind.bind-timeout = 15s",
            "  }",
            "  cluster {",
            "    seed-nodes = [" + seedList + "]",
            "    downing-provider-class = \"akka.cluster.sbr.SplitBrainResolverProvider\"",
            "    split-brain-resolver {",
            "      active-strategy = keep-majority",
            "      stable-after = " + stableAfter.toMillis() + "ms",
            "    }",
            "    failure-detector {",
            "      heartbeat-interval = " + heartbeatInterval.toMillis() + "ms",
            "      acceptable-heartbeat-pause = " + acceptablePause.toMillis() + "ms",
            "      threshold = 10.0",
            "    }",
            "    jmx.multi-mbeans-in-same-jvm = on",
            "    run-coordinated-shutdown-when-down = on",
            "    # gossip stays at 200 ms: at 1 s the service registry right after a cluster starts did not answer an apply",
            "    # in time (RealPodServicesTest after ServicesEndToEndTest); the notify interval is what a change waits",
            "    # before the sync layer sees it",
            "    distributed-data {",
            "      gossip-interval = 200ms",
            "      notify-subscribers-interval = 20ms",
            durable(),
            "    }",
            "    # the typed receptionist, which podnet does not use, runs a replicator of its own configured as the one above",
            "    # by default (a tick every 20 ms, gossip every 200 ms, and the lease store opened a second time): idle it",
            "    typed.receptionist {",
            "      pruning-interval = 30s",
            "      distributed-data {",
            "        gossip-interval = 5s",
            "        notify-subscribers-interval = 1s",
            "        durable.keys = []",
            "      }",
            "    }",
            "    # local: a dead node's heartbeats are checked this often (Akka's 1 s added up to 1 s to its detection)",
            "    unreachable-nodes-reaper-interval = 500ms",
            "  }",
            "  # Akka's dispatchers keep their defaults: the remote streams on Akka's internal dispatcher, both cut to 2..4",
            "  # threads, doubled propagation p99 in podnet bench cluster (docs/BENCHMARKS.md, \"Idle agents\")",
            "  coordinated-shutdown {",
            "    exit-jvm = off",
            "    # terminate() is an abrupt stop (a crash); leaving is CoordinatedShutdown, which SIGTERM and downing run",
            "    run-by-actor-system-terminate = off",
            "    # terminating takes a second once the node has left; when Akka's remoting waits for a stream that never",
            "    # completes (akka/akka-core#30326) the 10 s default only delays the process's exit (ControlPlane.TERMINATE_GRACE)",
            "    phases.actor-system-terminate.timeout = 5s",
            "  }",
            "}");
        // -Dakka.... system properties win over everything, as Typesafe Config has them win over application.conf
        return ConfigFactory.defaultOverrides()
            .withFallback(ConfigFactory.parseString(extraConfig))
            .withFallback(ConfigFactory.parseString(hocon))
            .withFallback(ConfigFactory.load());
    }

    /** The lease table in LMDB under the state directory (Akka's durable Distributed Data), when there is one. */
    private String durable()
    {
        if (stateDir == null)
        {
            return "";
        }
        final String dir = stateDir.resolve(StateDirectory.LEASE_STORE).toString().replace("\\", "\\\\").replace("\"", "\\\"");
        return String.join("\n",
            "      durable {",
            "        keys = [\"" + LeaseAllocator.LEASES.id() + "\"]",
            "        lmdb {",
            "          dir = \"" + dir + "\"",
            "          map-size = " + StateDirectory.MAP_SIZE,
            "          write-behind-interval = off",
            "        }",
            "      }");
    }

    private static void requirePort(final String name, final int port, final boolean zeroAllowed)
    {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535)
        {
            throw new IllegalArgumentException(name + ": " + port + " outside " + (zeroAllowed ? 0 : 1) + "..65535");
        }
    }

    private static void requirePositive(final String name, final Duration value)
    {
        if (value == null || value.isNegative() || value.isZero())
        {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
    }
}
