/**
 * The control plane: who owns which addresses.
 * <p>
 * Node agents form an Akka Cluster. A cluster singleton ({@link dev.podnet.controlplane.LeaseAllocator})
 * hands out node CIDR leases from the cluster CIDR and replicates them in Distributed Data; every
 * node publishes its own pods into a replicated endpoint table; each node's
 * {@link dev.podnet.controlplane.NodeControlPlane} turns membership, leases and endpoints into
 * {@link dev.podnet.controlplane.ClusterView} snapshots for the data plane's sync layer. Nothing here
 * touches data-plane tables.
 */
package dev.podnet.controlplane;
