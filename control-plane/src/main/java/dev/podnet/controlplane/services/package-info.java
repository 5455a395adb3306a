/**
 * Namespaces, Services and their endpoints: what the API server, the endpoints controller and the
 * watches of kube-proxy and CoreDNS are in Kubernetes.
 * <p>
 * {@link dev.podnet.controlplane.services.ServiceRegistry} (a cluster singleton) is the one writer of
 * namespaces and Services and allocates ClusterIPs and node ports;
 * {@link dev.podnet.controlplane.services.EndpointsController} (another singleton) computes each
 * Service's endpoints from the pod table and membership; every node's
 * {@link dev.podnet.controlplane.services.ServiceWatcher} hands the result to its sync layer as
 * {@link dev.podnet.controlplane.services.ServiceView}s. Everything replicated or sent is Protobuf
 * ({@link dev.podnet.controlplane.services.ServiceSerializer}). Imports point one way: this package uses
 * the control plane's pod records and leases, never the other way round.
 */
package dev.podnet.controlplane.services;
