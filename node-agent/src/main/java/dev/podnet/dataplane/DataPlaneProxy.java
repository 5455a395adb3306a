package dev.podnet.dataplane;

import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.trace.Hop;
import dev.podnet.trace.TraceFilter;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.HttpResult;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.PodStats;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.pod.TcpProbeResult;
import dev.podnet.pod.UdpFloodResult;
import dev.podnet.tcp.SocketInfo;
import dev.podnet.pod.TracerouteResult;
import dev.podnet.tap.TapDevice;
import dev.podnet.pod.UdpExchange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The data plane as other threads see it: every call becomes a command on the node's one ordered
 * queue and returns a future (as Aeron's {@code *Proxy} classes do for the driver). Commands run in
 * the order they were offered, so a delete can never overtake the create before it.
 * <p>
 * Futures complete on the data-plane thread: continue with the {@code *Async} methods of
 * {@link CompletableFuture} rather than doing work in a plain {@code thenApply}.
 * Thread-safe; allocates per call (never per frame).
 */
public final class DataPlaneProxy
{
    /** Where a deleted real pod's device and namespace are let go of: a few ms of system calls, off the data plane. */
    private static final java.util.concurrent.Executor RELEASES = java.util.concurrent.Executors.newCachedThreadPool(task ->
    {
        final Thread thread = new Thread(task, "podnet-real-pod-release");
        thread.setDaemon(true);
        return thread;
    });

    private final NodeDataPlane dataPlane;
    private final RealPods realPods;

    public DataPlaneProxy(final NodeDataPlane dataPlane)
    {
        this.dataPlane = dataPlane;
        this.realPods = new RealPods(this, dataPlane.config());
    }

    /** The node's real pods: network namespaces attached through TAP devices. */
    public RealPods realPods()
    {
        return realPods;
    }

    public NodeConfig config()
    {
        return dataPlane.config();
    }

    /** Creates a pod with the next free IP of the node's CIDR. */
    public CompletableFuture<PodInfo> createPod(final String name)
    {
        return submit((dp, now, result) -> result.complete(dp.createPod(name)));
    }

    /** Creates a pod in its namespace, with its labels and ports, at the next free IP of the node's CIDR. */
    public CompletableFuture<PodInfo> createPod(final PodSpec spec)
    {
        return submit((dp, now, result) -> result.complete(dp.createPod(spec)));
    }

    /** Gives a pod new labels (Services that select it follow). */
    public CompletableFuture<PodInfo> relabelPod(final String pod, final Map<String, String> labels)
    {
        final Map<String, String> copy = Map.copyOf(labels);
        return submit((dp, now, result) -> result.complete(dp.relabel(pod, copy)));
    }

    /**
     * Resolves {@code name} with {@code pod}'s stub resolver (its search path and ndots, queries to its
     * name server over the pod network); completes when it has an answer or gave up.
     */
    public CompletableFuture<dev.podnet.dns.StubResolver.Result> resolve(final String pod, final String name, final int type)
    {
        return submit((dp, now, result) -> dp.pod(pod).resolve(name, type, result, now));
    }

    /** New pods get addresses after {@code ip} (a restarted node skips what its previous life used). */
    public CompletableFuture<Void> skipAddressesUpTo(final int ip)
    {
        return submit((dp, now, result) ->
        {
            dp.skipAddressesUpTo(ip);
            result.complete(null);
        });
    }

    /**
     * Deletes a pod: its port, FDB entries and IP go away (the IP is given again only later). For a real
     * pod the future completes once its TAP device is closed and the namespace made for it deleted.
     */
    public CompletableFuture<Void> deletePod(final String name)
    {
        final CompletableFuture<TapDevice> removed = submit((dp, now, result) -> result.complete(dp.deletePod(name)));
        return removed.thenComposeAsync(tap -> tap == null ? CompletableFuture.<Void>completedFuture(null) :
            CompletableFuture.runAsync(() -> realPods.released(realPodName(name), tap), RELEASES), RELEASES);
    }

    /** Real pods live in {@code default}: their name without it. */
    private static String realPodName(final String reference)
    {
        final String key = PodSpec.keyOf(reference);
        return key.substring(key.indexOf('/') + 1);
    }

    /** Makes {@code tap} the port of new real pod {@code name} (of namespace {@code netns}): {@link RealPods} does the rest. */
    CompletableFuture<PodInfo> attachTap(final String name, final TapDevice tap, final String netns)
    {
        return submit((dp, now, result) -> result.complete(dp.attachTap(name, tap, netns)));
    }

    public CompletableFuture<List<PodInfo>> pods()
    {
        return submit((dp, now, result) -> result.complete(dp.pods()));
    }

    /** Runs {@code ping} from {@code pod}; completes when every request is answered or timed out. */
    public CompletableFuture<PingResult> ping(final String pod, final PingRequest request)
    {
        return submit((dp, now, result) -> dp.pod(pod).ping(request, result, now));
    }

    /**
     * Runs {@code traceroute} from {@code pod}: one echo request per TTL from 1 up, until the target
     * answers, an unreachable error ends it, or {@code maxHops} is reached.
     */
    public CompletableFuture<TracerouteResult> traceroute(
        final String pod, final int target, final int maxHops, final Duration probeTimeout)
    {
        if (maxHops < 1 || maxHops > 64)
        {
            return CompletableFuture.failedFuture(
                new DataPlaneException(DataPlaneException.Kind.INVALID, "maxHops " + maxHops + " outside 1..64"));
        }
        final List<TracerouteResult.Hop> hops = new ArrayList<>();
        return probe(pod, target, 1, maxHops, probeTimeout, hops);
    }

    private CompletableFuture<TracerouteResult> probe(
        final String pod, final int target, final int ttl, final int maxHops, final Duration timeout,
        final List<TracerouteResult.Hop> hops)
    {
        final PingRequest request = new PingRequest(target, 1, Duration.ZERO, PingRequest.DEFAULT_SIZE, false, timeout, ttl);
        return ping(pod, request).thenComposeAsync(result ->
        {
            final boolean reached;
            final boolean stop;
            if (result.received() > 0)
            {
                final PingResult.Reply reply = result.replies().get(0);
                hops.add(new TracerouteResult.Hop(ttl, reply.from(), reply.rttNanos(), "reply"));
                reached = reply.from() == target;
                stop = true;
            }
            else
            {
                final PingResult.Error error = result.errors().get(0);
                hops.add(new TracerouteResult.Hop(ttl, error.from(), error.rttNanos(), error.type()));
                reached = false;
                stop = !error.type().equals("time-exceeded") && !error.type().equals("timeout");
            }
            if (stop || ttl >= maxHops)
            {
                return CompletableFuture.completedFuture(new TracerouteResult(target, reached, List.copyOf(hops)));
            }
            return probe(pod, target, ttl + 1, maxHops, timeout, hops);
        });
    }

    /** Sends one UDP datagram from {@code pod} and waits for one back (or an ICMP error, or the timeout). */
    public CompletableFuture<UdpExchange> udp(
        final String pod, final int target, final int port, final byte[] payload, final Duration timeout)
    {
        if (port < 1 || port > 65535)
        {
            return CompletableFuture.failedFuture(
                new DataPlaneException(DataPlaneException.Kind.INVALID, "UDP port " + port + " outside 1..65535"));
        }
        final byte[] copy = payload.clone();
        return submit((dp, now, result) -> dp.pod(pod).udpCall(target, port, copy, timeout.toNanos(), result, now));
    }

    /**
     * Sends UDP datagrams of {@code size} payload bytes from {@code pod} to {@code target:port} as fast
     * as the node lets it, for {@code duration}; the receiver's discard service (port 9) counts arrivals.
     */
    public CompletableFuture<UdpFloodResult> udpFlood(
        final String pod, final int target, final int port, final int size, final Duration duration)
    {
        if (size < 0 || size > 65507 || port < 1 || port > 65535 || duration.isNegative() || duration.toSeconds() > 600)
        {
            return CompletableFuture.failedFuture(new DataPlaneException(DataPlaneException.Kind.INVALID,
                "flood needs size 0..65507, port 1..65535 and a duration of 0..600 s"));
        }
        return submit((dp, now, result) -> dp.pod(pod).udpFlood(target, port, size, duration.toNanos(), result, now));
    }

    /**
     * {@code curl}: GET {@code path} from {@code target:port} out of {@code pod}, with {@code Host: host}; completes
     * with the response and its timings, or with why there was none ({@link HttpResult#error()}).
     */
    public CompletableFuture<HttpResult> http(
        final String pod, final int target, final int port, final String host, final String path, final Duration timeout)
    {
        if (port < 1 || port > 65535 || !path.startsWith("/"))
        {
            return CompletableFuture.failedFuture(new DataPlaneException(DataPlaneException.Kind.INVALID,
                "HTTP needs a port 1..65535 and a path starting with '/'"));
        }
        return submit((dp, now, result) -> dp.pod(pod).http(target, port, host, path, timeout.toNanos(), result, now));
    }

    /**
     * {@code tcp-perf}: {@code streams} TCP connections from {@code pod} to {@code target:port} (a discard service)
     * kept full for {@code duration}, sampled every {@code interval}.
     */
    public CompletableFuture<TcpPerfResult> tcpPerf(
        final String pod, final int target, final int port, final int streams, final Duration duration, final Duration interval,
        final Duration connectTimeout)
    {
        return tcpPerf(pod, target, port, streams, duration, 0, interval, connectTimeout);
    }

    /**
     * {@code tcp-perf} as above, sending {@code bytes} in all (0: for the whole duration) and closing: the transfer
     * ends when every byte is acknowledged and every connection closed in order, or fails at {@code duration}.
     */
    public CompletableFuture<TcpPerfResult> tcpPerf(
        final String pod, final int target, final int port, final int streams, final Duration duration, final long bytes,
        final Duration interval, final Duration connectTimeout)
    {
        if (bytes < 0)
        {
            return CompletableFuture.failedFuture(new DataPlaneException(DataPlaneException.Kind.INVALID,
                "tcp-perf needs 0 or more bytes: " + bytes));
        }
        if (streams < 1 || streams > 128 || port < 1 || port > 65535 || duration.isNegative() || duration.isZero() ||
            duration.toSeconds() > 600 || interval.isNegative() || interval.isZero())
        {
            return CompletableFuture.failedFuture(new DataPlaneException(DataPlaneException.Kind.INVALID,
                "tcp-perf needs 1..128 streams, a port 1..65535, a duration of 1 ms..600 s and a positive interval"));
        }
        return submit((dp, now, result) -> dp.pod(pod).tcpPerf(target, port, streams, duration.toNanos(), bytes,
            interval.toNanos(), connectTimeout.toNanos(), result, now));
    }

    /**
     * A probe from {@code pod} on its long-lived TCP connection to {@code target}'s echo service (port 7): a line
     * sent and echoed; the connection is kept for the next probe, and its loss is reported once.
     */
    public CompletableFuture<TcpProbeResult> tcpProbe(final String pod, final int target, final Duration timeout)
    {
        return submit((dp, now, result) -> dp.pod(pod).tcpProbe(target, 7, timeout.toNanos(), result, now));
    }

    /**
     * A connect check from {@code pod} to {@code target:port}: the three-way handshake, then a reset, so that only the
     * handshake crosses the network (a trace's TCP packet); {@code established} or why not.
     */
    public CompletableFuture<String> tcpHandshake(final String pod, final int target, final int port, final Duration timeout)
    {
        return submit((dp, now, result) -> dp.pod(pod).tcpHandshake(target, port, timeout.toNanos(), result, now));
    }

    /** A pod's TCP sockets: listening ports, then connections, as {@code ss -tin} lists them. */
    public CompletableFuture<List<SocketInfo>> sockets(final String pod)
    {
        return submit((dp, now, result) -> result.complete(dp.pod(pod).tcpSockets()));
    }

    /** A pod's TCP counters by name. */
    public CompletableFuture<Map<String, Long>> tcpCounters(final String pod)
    {
        return submit((dp, now, result) -> result.complete(dp.pod(pod).tcpCounters().snapshot()));
    }

    /** A pod's frame counters and what its discard service counted. */
    public CompletableFuture<PodStats> podStats(final String pod)
    {
        return submit((dp, now, result) -> result.complete(dp.podStats(pod)));
    }

    /** The pod's ARP cache, by address. */
    public CompletableFuture<List<ArpEntry>> arp(final String pod)
    {
        return submit((dp, now, result) -> result.complete(dp.arpTable(pod, now)));
    }

    /** The bridge's forwarding database. */
    public CompletableFuture<List<FdbEntry>> fdb()
    {
        return submit((dp, now, result) -> result.complete(dp.fdb(now)));
    }

    /**
     * Routes {@code cidr} through the tunnel to {@code node} at {@code host:port} (static
     * configuration; the control plane does this from leases).
     */
    public CompletableFuture<Void> addRoute(final String node, final Ipv4Cidr cidr, final String host, final int port)
    {
        return submit((dp, now, result) ->
        {
            dp.addRoute(node, cidr, host, port);
            result.complete(null);
        });
    }

    /** Withdraws the route to {@code cidr}: its traffic is net unreachable from then on. True if there was one. */
    public CompletableFuture<Boolean> removeRoute(final Ipv4Cidr cidr)
    {
        return submit((dp, now, result) -> result.complete(dp.removeRoute(cidr)));
    }

    /** Tells the node where a remote pod is (IP, MAC, node). */
    public CompletableFuture<Void> putEndpoint(final Endpoint endpoint)
    {
        return submit((dp, now, result) ->
        {
            dp.putEndpoint(endpoint);
            result.complete(null);
        });
    }

    public CompletableFuture<Boolean> removeEndpoint(final int ip)
    {
        return submit((dp, now, result) -> result.complete(dp.removeEndpoint(ip)));
    }

    /**
     * Applies {@code changes} in order, as one command (the sync layer's batches); completes with the
     * changes the data plane refused, by index: every other one is installed.
     */
    public CompletableFuture<List<TableChange.Refused>> apply(final List<TableChange> changes)
    {
        final List<TableChange> copy = List.copyOf(changes);
        return submit((dp, now, result) -> result.complete(dp.apply(copy)));
    }

    /** Routes to other nodes with their tunnel state and counters. */
    public CompletableFuture<List<Route>> routes()
    {
        return submit((dp, now, result) -> result.complete(dp.routes()));
    }

    /**
     * Changes what the link from this node to {@code node} does to frames (netem): only what {@code patch}
     * names changes. Completes with the link as it is now.
     */
    public CompletableFuture<LinkInfo> setLink(final String node, final ImpairmentPatch patch)
    {
        return submit((dp, now, result) -> result.complete(dp.setLink(node, patch, now)));
    }

    /** Removes the impairment of the link to {@code node}; false when it had none. */
    public CompletableFuture<Boolean> clearLink(final String node)
    {
        return submit((dp, now, result) -> result.complete(dp.clearLink(node, now)));
    }

    /** The impaired links from this node, with what each did so far. */
    public CompletableFuture<List<LinkInfo>> links()
    {
        return submit((dp, now, result) -> result.complete(dp.links()));
    }

    /**
     * Traces the next packet pod {@code pod} sends that matches {@code filter} (within {@code window}) as trace
     * {@code traceId}: every stage it crosses, here and on other nodes, reports what it did with it.
     */
    public CompletableFuture<Void> armTrace(final String pod, final int traceId, final TraceFilter filter, final Duration window)
    {
        return submit((dp, now, result) ->
        {
            dp.requirePort(pod);
            try
            {
                dp.tracer().arm(traceId, filter, now, now + window.toNanos());
            }
            catch (final IllegalStateException ex)
            {
                throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, ex.getMessage());
            }
            result.complete(null);
        });
    }

    /** Stops waiting for trace {@code traceId}'s packet; false when it had come (or the trace is unknown). */
    public CompletableFuture<Boolean> disarmTrace(final int traceId)
    {
        return submit((dp, now, result) -> result.complete(dp.tracer().disarm(traceId)));
    }

    /** What this node observed of trace {@code traceId} so far, in order. Any thread, no command. */
    public List<Hop> traceHops(final int traceId)
    {
        return dataPlane.tracer().store().hops(traceId);
    }

    /** Every pod the node knows: its own and the remote ones. */
    public CompletableFuture<List<Endpoint>> endpoints()
    {
        return submit((dp, now, result) -> result.complete(dp.endpoints()));
    }

    /**
     * Calls {@code listener} with the node's complete pod list now and after every pod created or
     * deleted, in order, on the data-plane thread (it must not block).
     */
    public CompletableFuture<Void> onPodsChanged(final java.util.function.Consumer<List<PodInfo>> listener)
    {
        return submit((dp, now, result) ->
        {
            dp.podListener(listener);
            result.complete(null);
        });
    }

    /** Adds {@code tap} to those that see every frame crossing the bridge (several captures at once). */
    public CompletableFuture<Void> addTap(final FrameTap tap)
    {
        return submit((dp, now, result) ->
        {
            dp.addTap(tap);
            result.complete(null);
        });
    }

    /** Stops {@code tap} seeing frames; once complete, the data plane no longer calls it. */
    public CompletableFuture<Void> removeTap(final FrameTap tap)
    {
        return submit((dp, now, result) ->
        {
            dp.removeTap(tap);
            result.complete(null);
        });
    }

    /** Makes {@code tap} the only one that sees every frame crossing the bridge ({@code null}: none). */
    public CompletableFuture<Void> tap(final FrameTap tap)
    {
        return submit((dp, now, result) ->
        {
            dp.tap(tap);
            result.complete(null);
        });
    }

    /**
     * Swaps in a compiled Service table (kube-proxy's sync); completes with how many stale UDP
     * connections it flushed, once the data plane runs it.
     */
    public CompletableFuture<Integer> installServices(final dev.podnet.service.ServiceTable table)
    {
        return submit((dp, now, result) -> result.complete(dp.installServices(table)));
    }

    /** Swaps in a compiled NetworkPolicy table; completes once new connections are judged by it. */
    public CompletableFuture<Void> installPolicies(final dev.podnet.policy.PolicyTable table)
    {
        return submit((dp, now, result) ->
        {
            dp.installPolicies(table);
            result.complete(null);
        });
    }

    /** The NetworkPolicy table the data plane runs now. */
    public CompletableFuture<dev.podnet.policy.PolicyTable> policyTable()
    {
        return submit((dp, now, result) -> result.complete(dp.policy().table()));
    }

    /** Packets NetworkPolicy denied, by the isolating policies ({@code ns/name,...}) and direction {@code [ingress, egress]}. */
    public Map<String, long[]> policyDenied()
    {
        return dataPlane.policy().deniedByPolicy();
    }

    /** Swaps in a compiled cluster DNS zone; completes once the data plane answers from it. */
    public CompletableFuture<Void> installDnsZone(final dev.podnet.dns.DnsZone zone)
    {
        return submit((dp, now, result) ->
        {
            dp.installDnsZone(zone);
            result.complete(null);
        });
    }

    /** The node's tracked connections, as {@code conntrack -L} lists them. */
    public CompletableFuture<List<dev.podnet.conntrack.ConntrackEntry>> connections()
    {
        return submit((dp, now, result) -> result.complete(dp.connections(now)));
    }

    /** The Service table the data plane runs now. */
    public CompletableFuture<dev.podnet.service.ServiceTable> serviceTable()
    {
        return submit((dp, now, result) -> result.complete(dp.services().table()));
    }

    /** Service, conntrack and DNS counters by name (readable from any thread). */
    public Map<String, Long> serviceCounters()
    {
        final Map<String, Long> counters = new java.util.LinkedHashMap<>();
        final dev.podnet.service.ServiceStage services = dataPlane.services();
        for (int i = 0; i < dev.podnet.service.ServiceStage.COUNTERS.length; i++)
        {
            counters.put("service_" + dev.podnet.service.ServiceStage.COUNTERS[i], services.counter(i));
        }
        final dev.podnet.policy.PolicyStage policy = dataPlane.policy();
        for (int i = 0; i < dev.podnet.policy.PolicyStage.COUNTERS.length; i++)
        {
            counters.put("policy_" + dev.podnet.policy.PolicyStage.COUNTERS[i], policy.counter(i));
        }
        final dev.podnet.conntrack.ConntrackTable conntrack = services.conntrack();
        counters.put("conntrack_entries", (long)conntrack.size());
        counters.put("conntrack_max", (long)conntrack.capacity());
        for (int i = 0; i < dev.podnet.conntrack.ConntrackTable.COUNTERS.length; i++)
        {
            counters.put("conntrack_" + dev.podnet.conntrack.ConntrackTable.COUNTERS[i], conntrack.counter(i));
        }
        for (int i = 0; i < dev.podnet.dns.DnsResponder.COUNTED.length; i++)
        {
            counters.put("dns_" + dev.podnet.dns.DnsResponder.COUNTED[i], dataPlane.dns().responder().count(i));
        }
        return counters;
    }

    /** Runs {@code action} on the data-plane thread with the data plane itself (tests of this package). */
    <T> CompletableFuture<T> onDataPlane(final java.util.function.Function<NodeDataPlane, T> action)
    {
        return submit((dp, now, result) -> result.complete(action.apply(dp)));
    }

    /** Non-zero drop counters by reason. */
    public Map<String, Long> drops()
    {
        return dataPlane.drops().snapshot();
    }

    /** Duty cycles the data-plane thread has run: an idle node's wake-ups. */
    public long dutyCycles()
    {
        return dataPlane.dutyCycles();
    }

    public long framesForwarded()
    {
        return dataPlane.framesForwarded();
    }

    public long framesFlooded()
    {
        return dataPlane.framesFlooded();
    }

    private <T> CompletableFuture<T> submit(final NodeDataPlane.Command.Action<T> action)
    {
        final NodeDataPlane.Command<T> command = new NodeDataPlane.Command<>(action);
        if (!dataPlane.offer(command))
        {
            command.result.completeExceptionally(new DataPlaneException(
                DataPlaneException.Kind.UNAVAILABLE, "data-plane command queue is full, try again"));
        }
        return command.result;
    }
}
