package dev.podnet.agent;

import dev.podnet.controlplane.ClusterSecret;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.sync.SyncSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a node in cluster mode ({@code PODNET_SEEDS} set) joins the control plane, which then leases its
 * pod CIDR and tells it about the other nodes and their pods. Resolved and validated by
 * {@link AgentSettings#resolve}; every default is documented there and in {@code podnet agent --help}.
 *
 * @param seeds             {@code host:port} of the seed nodes (this node's own address may be among them)
 * @param clusterPort       the Akka cluster TCP port
 * @param advertisedHost    the host other nodes reach this node's cluster port and tunnel at
 * @param clusterBind       the local address the cluster port binds to
 * @param clusterCidr       the pod address space every lease comes from (the same on every node)
 * @param nodePrefix        the prefix length of one node's lease
 * @param leaseGrace        how long a removed node's lease is kept for it before it is reclaimed
 * @param heartbeatInterval failure-detector heartbeat interval
 * @param acceptablePause   heartbeats missed for this long make a node unreachable
 * @param stableAfter       membership must be stable this long before the split brain resolver downs nodes
 * @param secret            what a node needs to join; the cluster port's TLS key and the tunnel's network id are made from it
 * @param resyncInterval    how often the sync layer reads the data plane's tables back and repairs what differs
 * @param stateDir          where the node keeps its copy of the lease table, so that leases survive a restart
 *                          of the whole cluster
 * @param tls               whether the cluster port speaks TLS with the secret's key (off: loopback only, {@code podnet pack})
 */
public record ClusterSettings(
    List<String> seeds,
    int clusterPort,
    String advertisedHost,
    String clusterBind,
    Ipv4Cidr clusterCidr,
    int nodePrefix,
    Duration leaseGrace,
    Duration heartbeatInterval,
    Duration acceptablePause,
    Duration stableAfter,
    ClusterSecret secret,
    Duration resyncInterval,
    Path stateDir,
    boolean tls)
{
    public ClusterSettings
    {
        seeds = List.copyOf(seeds);
    }

    /** The sync layer's settings. */
    public SyncSettings syncSettings()
    {
        return new SyncSettings(resyncInterval);
    }

    /** This node's cluster address as the others see it: {@code host:port}. */
    public String address()
    {
        return advertisedHost + ":" + clusterPort;
    }
}
