package dev.podnet.agent;

import dev.podnet.transport.TunnelConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code podnet agent}: runs one node agent as a process (tunnel, data plane, HTTP API) until the JVM
 * is asked to stop. Every setting comes from a flag or an environment variable (the flag wins); see
 * {@link AgentSettings} for the names, defaults and checks.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs a node agent: the node's pods, bridge and router, the tunnel to other nodes and the HTTP API, " +
            "until stopped (SIGTERM, Ctrl-C).",
        "Static mode (the default): the pod CIDR and the other nodes come from --pod-cidr and --peer. Cluster mode " +
            "(--seeds): the node joins an Akka cluster, whose control plane leases its pod CIDR and tells it the other " +
            "nodes and their pods; it waits for its lease as long as it takes (GET /readyz says why it is not ready).",
        "Every option can also be set by the environment variable named in its description; the option wins.",
        "Exit codes: 1 when something cannot start (a port in use, a state directory that cannot be used, a node name " +
            "another live agent holds, ...), 2 on a bad setting, 3 when the cluster removed the node (downed or cut off: " +
            "let the supervisor restart it)."})
final class AgentCommand implements Callable<Integer>
{
    @Option(names = "--node", paramLabel = "NAME",
        description = "PODNET_NODE_NAME: the node's name, a DNS-1123 label (default: the host name up to its first dot, lower-cased)")
    String node;

    @Option(names = "--pod-cidr", paramLabel = "CIDR",
        description = "PODNET_POD_CIDR: the node's pod CIDR, a /16../28, e.g. 10.244.1.0/24 (required in static mode; " +
            "an error in cluster mode, where the control plane leases it)")
    String podCidr;

    @Option(names = "--tunnel-bind", paramLabel = "ADDRESS",
        description = "PODNET_TUNNEL_BIND: address the tunnel listens on (default 0.0.0.0)")
    String tunnelBind;

    @Option(names = "--tunnel-port", paramLabel = "PORT",
        description = "PODNET_TUNNEL_PORT: the tunnel's UDP port (default 8472, the Linux VXLAN port)")
    String tunnelPort;

    @Option(names = "--tunnel-idle-ms", paramLabel = "MS",
        description = "PODNET_TUNNEL_IDLE_MS: a peer's tunnel closes after this long without a frame sent to it (the " +
            "route stays, its tunnel shows 'idle': no heartbeats either way) and comes back with the next frame, which " +
            "waits for it; 0 (never) or 100..3600000 (default 30000)")
    String tunnelIdleMs;

    @Option(names = "--underlay-mtu", paramLabel = "BYTES",
        description = "PODNET_UNDERLAY_MTU: MTU of the network between nodes, 1280..9216 (default 1500)")
    String underlayMtu;

    @Option(names = "--network-id", paramLabel = "ID",
        description = "PODNET_NETWORK_ID: static mode: the overlay's id, 1..16777215; frames of other networks are dropped " +
            "(default 1; in cluster mode it is derived from the cluster secret)")
    String networkId;

    @Option(names = "--pod-mtu", paramLabel = "BYTES",
        description = "PODNET_POD_MTU: the pods' MTU (default: the most the tunnel carries in one datagram, " +
            "1413 with a 1500 underlay, see docs/MTU.md; larger is an error)")
    String podMtu;

    @Option(names = "--api-bind", paramLabel = "ADDRESS",
        description = "PODNET_API_BIND: address the HTTP API listens on (default 127.0.0.1: only this host; " +
            "0.0.0.0 serves every interface, then set a token)")
    String apiBind;

    @Option(names = "--api-port", paramLabel = "PORT",
        description = "PODNET_API_PORT: the HTTP API's TCP port (default 8080)")
    String apiPort;

    @Option(names = "--api-token-file", paramLabel = "FILE",
        description = "PODNET_API_TOKEN_FILE: the API then needs 'Authorization: Bearer TOKEN' (the file's first line) on " +
            "every request but /healthz and /readyz; PODNET_API_TOKEN may hold the token itself instead (default: no token)")
    String apiTokenFile;

    @Option(names = "--idle-mode", paramLabel = "MODE",
        description = "PODNET_IDLE_MODE: how the data-plane thread waits when idle: efficient, low-latency, sleeping, " +
            "busy-spin (default efficient)")
    String idleMode;

    @Option(names = "--peer", paramLabel = "NAME=CIDR@HOST:PORT",
        description = "PODNET_PEERS (comma-separated): another node, whose pod CIDR is routed through the tunnel " +
            "to HOST:PORT; repeatable (static mode only: in cluster mode the control plane tells every node the others)")
    List<String> peers;

    @Option(names = "--pods", paramLabel = "N|NAME,...",
        description = "PODNET_PODS: pods to create at start (in cluster mode once the lease is granted): a count " +
            "(3 makes NODE-1..NODE-3) or names (default none)")
    String pods;

    @Option(names = "--netem", paramLabel = "TO:FIELD=VALUE,...",
        description = "PODNET_NETEM (links separated by ';'): impair the link from this node to node TO from the start, " +
            "with the fields of 'podnetctl netem set' (delay=50ms,jitter=5ms,loss=1%,rate=10mbit,partition=true,...); " +
            "repeatable, one link each (default none)")
    List<String> netem;

    @Option(names = "--seeds", paramLabel = "HOST:PORT,...",
        description = "PODNET_SEEDS: cluster mode: join the Akka cluster through these seed nodes' cluster ports and get " +
            "the pod CIDR, the other nodes and their pods from the control plane. The first node lists itself. " +
            "Without seeds the node runs in static mode (--pod-cidr, --peer)")
    String seeds;

    @Option(names = "--cluster-port", paramLabel = "PORT",
        description = "PODNET_CLUSTER_PORT: the cluster's TCP port (default 2552, Akka's)")
    String clusterPort;

    @Option(names = "--advertised-host", paramLabel = "HOST",
        description = "PODNET_ADVERTISED_HOST: the name or address other nodes reach this node's cluster port and tunnel at " +
            "(default: this host's name as the system resolves it)")
    String advertisedHost;

    @Option(names = "--cluster-bind", paramLabel = "ADDRESS",
        description = "PODNET_CLUSTER_BIND: address the cluster port listens on (default 0.0.0.0)")
    String clusterBind;

    @Option(names = "--cluster-cidr", paramLabel = "CIDR",
        description = "PODNET_CLUSTER_CIDR: the pod address space every node's lease comes from, the same on every node " +
            "(default 10.244.0.0/16, as flannel and kubeadm)")
    String clusterCidr;

    @Option(names = "--node-prefix", paramLabel = "LENGTH",
        description = "PODNET_NODE_PREFIX: prefix length of one node's lease, 16..28, the same on every node " +
            "(default 24: 253 pods per node, 256 nodes in a /16)")
    String nodePrefix;

    @Option(names = "--lease-grace", paramLabel = "SECONDS",
        description = "PODNET_LEASE_GRACE: how long a node that left keeps its lease, so that a restart gets it back " +
            "(default 120)")
    String leaseGrace;

    @Option(names = "--heartbeat-interval-ms", paramLabel = "MS",
        description = "PODNET_HEARTBEAT_INTERVAL_MS: failure-detector heartbeat interval (default 1000, Akka's: " +
            "how soon a dead node is noticed is --acceptable-pause-ms's doing; more heartbeats cost idle CPU)")
    String heartbeatInterval;

    @Option(names = "--acceptable-pause-ms", paramLabel = "MS",
        description = "PODNET_ACCEPTABLE_PAUSE_MS: heartbeats missed for this long make a node unreachable and its " +
            "routes withdrawn (default 3000: a dead node is noticed in 3-4 s, yet a GC pause on a busy box does not " +
            "make nodes flap)")
    String acceptablePause;

    @Option(names = "--stable-after-ms", paramLabel = "MS",
        description = "PODNET_STABLE_AFTER_MS: membership must be stable this long before unreachable nodes are downed " +
            "(default 5000: Akka's 20 s is for production; 5 s still rides out a flap)")
    String stableAfter;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
        description = "PODNET_CLUSTER_SECRET_FILE: cluster mode: the secret every node of the cluster shares (the file's " +
            "first line, 16+ characters); PODNET_CLUSTER_SECRET may hold it instead. Required in cluster mode: the cluster " +
            "port speaks TLS with a key made from it (a node with another secret cannot join), and the tunnel's network id " +
            "is derived from it")
    String clusterSecretFile;

    @Option(names = "--cluster-tls", paramLabel = "on|off",
        description = "PODNET_CLUSTER_TLS: off: the cluster port speaks plain TCP, allowed only when it binds and is advertised on " +
            "loopback (agents of one host, as podnet demo's packs: a TLS handshake per connection, thousands for 50 nodes, " +
            "saturated two cores); the secret still names the tunnel's network. Default on")
    String clusterTls;

    @Option(names = "--service-cidr", paramLabel = "CIDR",
        description = "PODNET_SERVICE_CIDR: where Services' ClusterIPs come from, /12../24, the same on every node and " +
            "overlapping no pod address; its tenth address is the cluster DNS (default 10.96.0.0/12, kubeadm's)")
    String serviceCidr;

    @Option(names = "--cluster-domain", paramLabel = "DOMAIN",
        description = "PODNET_CLUSTER_DOMAIN: the cluster's DNS domain (default cluster.local, the kubelet's --cluster-domain)")
    String clusterDomain;

    @Option(names = "--conntrack-max", paramLabel = "N",
        description = "PODNET_CONNTRACK_MAX: connections the node tracks at most (default 65536, as Linux's nf_conntrack_max)")
    String conntrackMax;

    @Option(names = "--resync-interval", paramLabel = "SECONDS",
        description = "PODNET_RESYNC_INTERVAL: how often the node reads its data plane's routes and endpoints back, " +
            "compares them with what the control plane wants and repairs any difference, 1..3600 (default 30, as " +
            "kube-proxy's sync period; changes themselves are applied and confirmed as they come)")
    String resyncInterval;

    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "PODNET_STATE_DIR: where the node keeps its copy of the cluster's lease table, so that every " +
            "node gets its CIDR back after the whole cluster was stopped; one per node, locked while the agent runs " +
            "(default $XDG_STATE_HOME/podnet/NODE, else ~/.local/state/podnet/NODE; /var/lib/podnet in the image)")
    String stateDir;

    @Option(names = "--stop-on-stdin-close", paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
        description = "PODNET_STOP_ON_STDIN_CLOSE: stop as on SIGTERM, within 2 s, and exit 0 when standard input reaches its " +
            "end: a supervisor that starts the agent with a pipe and keeps its end open takes the agent with it when it " +
            "dies, however it dies (podnet demo does; default false)")
    String stopOnStdinClose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final AgentSettings settings;
        try
        {
            settings = AgentSettings.resolve(flags(), System.getenv(), AgentSettings::osHostName);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("podnet agent: " + ex.getMessage());
            err.flush();
            return 2;
        }

        // one agent per JVM: every log line of this process names its node (logback.xml's %property{node})
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging)
        {
            logging.putProperty("node", settings.nodeName());
        }
        if (settings.stopOnStdinClose())
        {
            SupervisorPipe.watch(System.in, settings.nodeName(), SupervisorPipe.GRACE, System::exit,
                () -> TunnelConfig.removeAeronDirectories(settings.nodeName(), ProcessHandle.current().pid()),
                Runtime.getRuntime()::halt);
        }
        return settings.clusterMode() ? runInCluster(settings, err) : runStatic(settings, err);
    }

    private static int runStatic(final AgentSettings settings, final PrintWriter err) throws InterruptedException
    {
        final NodeAgent agent;
        try
        {
            agent = NodeAgent.start(settings);
        }
        catch (final RuntimeException ex)
        {
            return cannotStart(settings, err, ex);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "podnet-shutdown-" + settings.nodeName()));
        agent.awaitClose();
        return 0;
    }

    /**
     * Cluster mode: the shutdown hook is in place before the (possibly long) wait for the lease, so that
     * SIGTERM at any point leaves the cluster and stops what has started. The status is 3 when the
     * cluster removed the node ({@link ClusterAgent#EXIT_REMOVED}); on a signal the JVM's own status stands.
     */
    private static int runInCluster(final AgentSettings settings, final PrintWriter err) throws InterruptedException
    {
        final ClusterAgent agent = new ClusterAgent(settings, ClusterAgent::exitJvm);
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "podnet-shutdown-" + settings.nodeName()));
        try
        {
            agent.start();
        }
        catch (final RuntimeException ex)
        {
            agent.close();
            // removed by the cluster while starting: the exit action is on its way with the same status
            return agent.exitStatus() != 0 ? agent.exitStatus() : cannotStart(settings, err, ex);
        }
        agent.awaitClose();
        return agent.exitStatus();
    }

    private static int cannotStart(final AgentSettings settings, final PrintWriter err, final RuntimeException ex)
    {
        err.println("podnet agent: node " + settings.nodeName() + " cannot start: " + ex.getMessage());
        err.flush();
        return 1;
    }

    Map<AgentSettings.Setting, String> flags()
    {
        final Map<AgentSettings.Setting, String> flags = new EnumMap<>(AgentSettings.Setting.class);
        put(flags, AgentSettings.Setting.NODE, node);
        put(flags, AgentSettings.Setting.POD_CIDR, podCidr);
        put(flags, AgentSettings.Setting.TUNNEL_BIND, tunnelBind);
        put(flags, AgentSettings.Setting.TUNNEL_PORT, tunnelPort);
        put(flags, AgentSettings.Setting.TUNNEL_IDLE, tunnelIdleMs);
        put(flags, AgentSettings.Setting.UNDERLAY_MTU, underlayMtu);
        put(flags, AgentSettings.Setting.NETWORK_ID, networkId);
        put(flags, AgentSettings.Setting.POD_MTU, podMtu);
        put(flags, AgentSettings.Setting.API_BIND, apiBind);
        put(flags, AgentSettings.Setting.API_PORT, apiPort);
        put(flags, AgentSettings.Setting.API_TOKEN_FILE, apiTokenFile);
        put(flags, AgentSettings.Setting.IDLE_MODE, idleMode);
        put(flags, AgentSettings.Setting.PEERS, peers == null ? null : String.join(",", peers));
        put(flags, AgentSettings.Setting.PODS, pods);
        put(flags, AgentSettings.Setting.NETEM, netem == null ? null : String.join(";", netem));
        put(flags, AgentSettings.Setting.SEEDS, seeds);
        put(flags, AgentSettings.Setting.CLUSTER_PORT, clusterPort);
        put(flags, AgentSettings.Setting.ADVERTISED_HOST, advertisedHost);
        put(flags, AgentSettings.Setting.CLUSTER_BIND, clusterBind);
        put(flags, AgentSettings.Setting.CLUSTER_CIDR, clusterCidr);
        put(flags, AgentSettings.Setting.NODE_PREFIX, nodePrefix);
        put(flags, AgentSettings.Setting.LEASE_GRACE, leaseGrace);
        put(flags, AgentSettings.Setting.HEARTBEAT_INTERVAL, heartbeatInterval);
        put(flags, AgentSettings.Setting.ACCEPTABLE_PAUSE, acceptablePause);
        put(flags, AgentSettings.Setting.STABLE_AFTER, stableAfter);
        put(flags, AgentSettings.Setting.CLUSTER_SECRET_FILE, clusterSecretFile);
        put(flags, AgentSettings.Setting.CLUSTER_TLS, clusterTls);
        put(flags, AgentSettings.Setting.RESYNC_INTERVAL, resyncInterval);
        put(flags, AgentSettings.Setting.SERVICE_CIDR, serviceCidr);
        put(flags, AgentSettings.Setting.CLUSTER_DOMAIN, clusterDomain);
        put(flags, AgentSettings.Setting.CONNTRACK_MAX, conntrackMax);
        put(flags, AgentSettings.Setting.STATE_DIR, stateDir);
        put(flags, AgentSettings.Setting.STOP_ON_STDIN_CLOSE, stopOnStdinClose);
        return flags;
    }

    private static void put(final Map<AgentSettings.Setting, String> flags, final AgentSettings.Setting setting, final String value)
    {
        if (value != null)
        {
            flags.put(setting, value);
        }
    }
}
