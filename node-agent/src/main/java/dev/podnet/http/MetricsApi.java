package dev.podnet.http;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.MemberView;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.PodStats;
import dev.podnet.sync.ClusterNode;
import dev.podnet.sync.PropagationLag;
import dev.podnet.sync.ServiceSync;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the node in Prometheus' text exposition format (version 0.0.4), read on each
 * scrape from counters the data plane keeps anyway (no extra work per frame). Every series carries
 * the {@code node} label, so one Prometheus job can scrape a whole emulated cluster.
 * <ul>
 *   <li>data plane: bridge frames forwarded/flooded, frames in/out per pod port and per tunnel,
 *       tunnel state, back-pressure, drops by reason (every reason, zeros included, so {@code rate()}
 *       works from the first scrape);</li>
 *   <li>control plane (cluster mode): readiness, lease held, leases reclaimed, members by status and
 *       reachability, replicated endpoint-table size, endpoint propagation lag (histogram), routes withdrawn,
 *       the sync layer's pending changes, resyncs and repairs.</li>
 * </ul>
 */
final class MetricsApi
{
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final DataPlaneProxy proxy;
    private final String node;
    private final Supplier<NodeStatus> status;
    private final ClusterNode cluster;
    private final Duration quick;

    /** @param cluster the control plane and sync layer, or {@code null} in static mode */
    MetricsApi(
        final DataPlaneProxy proxy, final String node, final Supplier<NodeStatus> status, final ClusterNode cluster,
        final Duration commandTimeout)
    {
        this.proxy = proxy;
        this.node = node;
        this.status = status;
        this.cluster = cluster;
        this.quick = commandTimeout;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher.add("GET", "/metrics", request -> ApiResponse.bytes(200, CONTENT_TYPE,
            scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    String scrape() throws InterruptedException
    {
        final StringBuilder out = new StringBuilder(8192);
        final String self = "node=\"" + escape(node) + "\"";

        family(out, "podnet_node_ready", "gauge", "1 when the node serves pods (lease held, data plane up), else 0");
        sample(out, "podnet_node_ready", self, status.get().ready() ? 1 : 0);

        family(out, "podnet_bridge_frames_total", "counter", "frames the bridge switched, by how");
        sample(out, "podnet_bridge_frames_total", self + ",kind=\"forwarded\"", proxy.framesForwarded());
        sample(out, "podnet_bridge_frames_total", self + ",kind=\"flooded\"", proxy.framesFlooded());

        family(out, "podnet_dataplane_duty_cycles_total", "counter",
            "duty cycles of the data-plane thread: its wake-ups (an idle node's are its inputs' and its timers')");
        sample(out, "podnet_dataplane_duty_cycles_total", self, proxy.dutyCycles());

        final List<PodInfo> pods = Await.await(proxy.pods(), quick, "listing pods for /metrics");
        family(out, "podnet_pods", "gauge", "pods running on this node");
        sample(out, "podnet_pods", self, pods.size());
        family(out, "podnet_port_frames_total", "counter", "frames through each pod's port (its veth), by direction");
        for (final PodInfo pod : pods)
        {
            final PodStats stats;
            try
            {
                stats = Await.await(proxy.podStats(pod.key()), quick, "pod stats");
            }
            catch (final RuntimeException ex)
            {
                continue; // deleted since the listing
            }
            final String port = self + ",port=\"" + escape(dev.podnet.dataplane.PodSpec.DEFAULT_NAMESPACE.equals(pod.namespace()) ?
                pod.name() : pod.key()) + "\"";
            sample(out, "podnet_port_frames_total", port + ",direction=\"in\"", stats.framesIn());
            sample(out, "podnet_port_frames_total", port + ",direction=\"out\"", stats.framesOut());
        }

        final List<Route> routes = Await.await(proxy.routes(), quick, "reading routes for /metrics");
        family(out, "podnet_tunnel_frames_total", "counter", "frames through the tunnel to each peer node, by direction");
        for (final Route route : routes)
        {
            final String peer = self + ",peer=\"" + escape(route.node()) + "\",cidr=\"" + route.cidr() + "\"";
            sample(out, "podnet_tunnel_frames_total", peer + ",direction=\"out\"", route.framesOut());
            sample(out, "podnet_tunnel_frames_total", peer + ",direction=\"in\"", route.framesIn());
        }
        // a tunnel idle for a while is as usable as a connected one (the next frame brings it back): "connected" counts
        // both, so alerts on it do not fire for a quiet cluster; podnet_tunnel_idle tells the two apart
        family(out, "podnet_tunnel_connected", "gauge",
            "1 when the tunnel to the peer node is usable: connected, or idle (quiet; the next frame brings it back)");
        for (final Route route : routes)
        {
            sample(out, "podnet_tunnel_connected", self + ",peer=\"" + escape(route.node()) + "\"", route.tunnelHealthy() ? 1 : 0);
        }
        family(out, "podnet_tunnel_idle", "gauge",
            "1 when the tunnel to the peer node is idle: nothing was sent to it for the idle time (PODNET_TUNNEL_IDLE_MS), " +
                "so it was closed until the next frame");
        for (final Route route : routes)
        {
            sample(out, "podnet_tunnel_idle", self + ",peer=\"" + escape(route.node()) + "\"", "idle".equals(route.tunnel()) ? 1 : 0);
        }

        final Map<String, Long> drops = new TreeMap<>();
        for (final DropReason reason : DropReason.values())
        {
            drops.put(reason.label(), 0L);
        }
        drops.putAll(proxy.drops());
        family(out, "podnet_tunnel_back_pressure_total", "counter",
            "frames dropped because the tunnel's publication was back-pressured");
        sample(out, "podnet_tunnel_back_pressure_total", self, drops.get(DropReason.TUNNEL_BACK_PRESSURED.label()));
        family(out, "podnet_drops_total", "counter", "frames dropped, by reason");
        drops.forEach((reason, count) -> sample(out, "podnet_drops_total", self + ",reason=\"" + escape(reason) + "\"", count));

        services(out, self);
        if (cluster != null)
        {
            control(out, self);
        }
        return out.toString();
    }

    /** kube-proxy's and the cluster DNS's counters, and the connection-tracking table's. */
    private void services(final StringBuilder out, final String self)
    {
        final Map<String, Long> counters = proxy.serviceCounters();
        family(out, "podnet_service_packets_total", "counter",
            "Service translation: new connections, packets translated, rejected (no endpoints), no rule, hairpin, " +
                "affinity hits, stale UDP flows flushed, RELATED ICMP errors");
        counters.forEach((name, value) ->
        {
            if (name.startsWith("service_"))
            {
                sample(out, "podnet_service_packets_total", self + ",kind=\"" + name.substring("service_".length()) + "\"", value);
            }
        });
        family(out, "podnet_policy_packets_total", "counter",
            "NetworkPolicy: new connections allowed (and tracked), packets of established connections, RELATED ICMP errors, " +
                "packets denied for ingress and for egress, allowed but untracked (table full)");
        counters.forEach((name, value) ->
        {
            if (name.startsWith("policy_"))
            {
                sample(out, "podnet_policy_packets_total", self + ",kind=\"" + name.substring("policy_".length()) + "\"", value);
            }
        });
        family(out, "podnet_policy_denied_total", "counter",
            "packets NetworkPolicy dropped (drop reason policy-denied), by the policies isolating the pod (namespace/name, " +
                "comma-separated) and direction");
        proxy.policyDenied().forEach((policies, counts) ->
        {
            for (int direction = 0; direction < 2; direction++)
            {
                if (counts[direction] != 0)
                {
                    sample(out, "podnet_policy_denied_total", self + ",policy=\"" + policies + "\",direction=\"" +
                        dev.podnet.policy.PolicyStage.DIRECTIONS[direction] + "\"", counts[direction]);
                }
            }
        });
        family(out, "podnet_conntrack_entries", "gauge", "connections tracked now (nf_conntrack_count)");
        sample(out, "podnet_conntrack_entries", self, counters.get("conntrack_entries"));
        family(out, "podnet_conntrack_max", "gauge", "connections tracked at most (nf_conntrack_max, PODNET_CONNTRACK_MAX)");
        sample(out, "podnet_conntrack_max", self, counters.get("conntrack_max"));
        family(out, "podnet_conntrack_events_total", "counter", "connection-tracking table events: inserted, deleted, expired, " +
            "early-drop (evicted when full), insert-failed, flushed");
        counters.forEach((name, value) ->
        {
            if (name.startsWith("conntrack_") && !name.equals("conntrack_entries") && !name.equals("conntrack_max"))
            {
                sample(out, "podnet_conntrack_events_total", self + ",event=\"" + name.substring("conntrack_".length()) + "\"", value);
            }
        });
        family(out, "podnet_dns_responses_total", "counter", "cluster DNS queries this node answered, by outcome");
        counters.forEach((name, value) ->
        {
            if (name.startsWith("dns_"))
            {
                sample(out, "podnet_dns_responses_total", self + ",rcode=\"" + name.substring("dns_".length()) + "\"", value);
            }
        });
    }

    private void control(final StringBuilder out, final String self)
    {
        final ClusterView view = cluster.sync().latest();
        family(out, "podnet_lease_held", "gauge", "1 while this node holds its CIDR lease");
        sample(out, "podnet_lease_held", self + ",cidr=\"" + cluster.lease().cidr() + "\"",
            view != null && view.lease() != null ? 1 : 0);
        family(out, "podnet_leases_reclaimed_total", "counter", "leases of departed nodes this node's allocator reclaimed");
        sample(out, "podnet_leases_reclaimed_total", self, cluster.controlPlane().leasesReclaimed());

        family(out, "podnet_cluster_members", "gauge", "cluster members as this node sees them, by status and reachability");
        final Map<String, Integer> members = new TreeMap<>();
        if (view != null)
        {
            for (final MemberView member : view.members().values())
            {
                members.merge("status=\"" + member.status() + "\",reachable=\"" + member.reachable() + "\"", 1, Integer::sum);
            }
        }
        members.forEach((labels, count) -> sample(out, "podnet_cluster_members", self + "," + labels, count));

        family(out, "podnet_endpoints", "gauge", "pods in the replicated endpoint table (the whole cluster)");
        sample(out, "podnet_endpoints", self, view == null ? 0 : view.endpoints().size());
        family(out, "podnet_routes_withdrawn_total", "counter", "routes to other nodes withdrawn (node unreachable or gone)");
        sample(out, "podnet_routes_withdrawn_total", self, cluster.sync().routesWithdrawn());
        family(out, "podnet_sync_pending_changes", "gauge",
            "routes and endpoints the data plane does not have as the control plane wants them yet");
        sample(out, "podnet_sync_pending_changes", self, cluster.sync().pendingChanges());
        family(out, "podnet_sync_resyncs_total", "counter", "full resyncs: the data plane's tables read back and compared");
        sample(out, "podnet_sync_resyncs_total", self, cluster.sync().resyncs());
        family(out, "podnet_sync_repairs_total", "counter",
            "routes and endpoints installed again after a refused command, a full command queue or a resync showed them missing");
        sample(out, "podnet_sync_repairs_total", self, cluster.sync().repairs());

        histogram(out, self, "podnet_endpoint_propagation_lag_seconds",
            "from a pod's publication on its node to its endpoint installed on this one", cluster.sync().propagationLag());

        final ServiceSync services = cluster.serviceSync();
        family(out, "podnet_services", "gauge", "Services in the cluster as this node sees them");
        sample(out, "podnet_services", self, services.latest().services().size());
        histogram(out, self, "podnet_network_programming_duration_seconds",
            "kube-proxy's network programming latency: from a change of a Service's endpoints (the pod's publication, the " +
                "Service's update) to this node's data plane running it", services.programmingLatency());
        family(out, "podnet_service_syncs_total", "counter", "Service table and DNS zone programming runs, by result");
        sample(out, "podnet_service_syncs_total", self + ",result=\"ok\"", services.runs() - services.failures());
        sample(out, "podnet_service_syncs_total", self + ",result=\"failed\"", services.failures());
        sample(out, "podnet_service_syncs_total", self + ",result=\"repair\"", services.repairs());
    }

    /** A histogram of {@link PropagationLag}'s buckets, in seconds. */
    private static void histogram(final StringBuilder out, final String self, final String name, final String help,
        final PropagationLag lag)
    {
        family(out, name, "histogram", help);
        long cumulative = 0;
        for (int i = 0; i <= PropagationLag.BOUNDS_MS.length; i++)
        {
            cumulative += lag.bucket(i);
            final String le = i == PropagationLag.BOUNDS_MS.length ? "+Inf" : seconds(PropagationLag.BOUNDS_MS[i]);
            sample(out, name + "_bucket", self + ",le=\"" + le + "\"", cumulative);
        }
        out.append(name).append("_sum{").append(self).append("} ").append(seconds(lag.sumMs())).append('\n');
        sample(out, name + "_count", self, lag.count());
    }

    private static String seconds(final long millis)
    {
        return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
    }

    private static void family(final StringBuilder out, final String name, final String type, final String help)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(final StringBuilder out, final String name, final String labels, final long value)
    {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    /** A label value as the text format wants it: backslash, quote and newline escaped. */
    static String escape(final String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
