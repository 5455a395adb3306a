/**
 * The control plane: who owns which addresses.
 * <p>
 * Not built yet (issue "Control plane on Akka Cluster"): it will hand out unique node CIDR leases from
 * a Cluster Singleton and gossip pod IP to MAC to node tables through Distributed Data. Until then a
 * node agent's CIDR is given by configuration ({@code dev.podnet.dataplane.NodeConfig}).
 */
package dev.podnet.controlplane;
