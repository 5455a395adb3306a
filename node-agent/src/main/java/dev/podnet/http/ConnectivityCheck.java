package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.HttpResult;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.UdpExchange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kubernetes' network conformance test in small: from each of this node's pods to every target pod,
 * one ping, then netexec {@code hostname} (must answer the target's name: the packet reached the
 * right pod) and netexec {@code clientip} (must answer the source pod's own address: nobody
 * rewrote it, no NAT), both over UDP, then {@code GET /clientip} over TCP from netexec's HTTP server
 * (the same answer: a TCP connection between the two pods works and keeps the source address). A real pod
 * runs no netexec, so a pair towards one is ping only; a pair from one
 * uses its kernel: {@code ping} and UDP sockets inside its namespace ({@link RealPodProbe}). A Service
 * target (a ClusterIP and port in front of netexec pods) is checked the same way without the ping
 * (kube-proxy answers no ping to a ClusterIP): {@code hostname} must answer one of its endpoints,
 * {@code clientip} the source's own address — unless the source is one of them, whose hairpin traffic
 * kube-proxy masquerades.
 * <p>
 * Pods check in parallel; each pod checks its targets {@value #PER_POD_IN_FLIGHT} at a time, after a
 * first pair alone (its first packets wait for ARP, and a pod holds only a few frames per unresolved
 * neighbour, as Linux does). Everything runs as futures: no thread waits per pair, and the data-plane
 * thread only completes them (what follows runs on the common pool).
 */
final class ConnectivityCheck
{
    static final int PER_POD_IN_FLIGHT = 8;
    static final String PAYLOAD_HOSTNAME = "hostname";
    static final String PAYLOAD_CLIENT_IP = "clientip";
    /** Netexec's HTTP port. */
    static final int HTTP_PORT = 8080;

    /**
     * A pod to reach, or a Service: {@code netns} a real pod's namespace (on its node), null for an emulated
     * pod; {@code port} a Service's port (0 for a pod, whose netexec listens on 8081) and {@code expected}
     * the pods behind it.
     */
    record Target(String name, String ip, String netns, int port, List<String> expected)
    {
        Target
        {
            expected = expected == null ? List.of() : List.copyOf(expected);
        }

        Target(final String name, final String ip, final String netns)
        {
            this(name, ip, netns, 0, List.of());
        }

        boolean real()
        {
            return netns != null;
        }

        boolean service()
        {
            return port != 0;
        }

        /** Whether {@code source} is one of the Service's pods (its hostname, without namespace). */
        boolean backedBy(final Target source)
        {
            return expected.contains(source.name().substring(source.name().indexOf('/') + 1));
        }
    }

    /** One pair's verdict: {@code rttUs} of the ping when it was answered, {@code error} null when ok. */
    record Pair(String from, String to, boolean ok, long rttUs, String error)
    {
    }

    private final DataPlaneProxy proxy;
    private final RealPodProbe realPods;

    ConnectivityCheck(final DataPlaneProxy proxy)
    {
        this.proxy = proxy;
        this.realPods = new RealPodProbe(proxy.realPods());
    }

    /** How long checking {@code targets} from one pod may take at worst (every pair timing out thrice). */
    static Duration bound(final int targets, final Duration timeout)
    {
        final long rounds = 1 + (targets + PER_POD_IN_FLIGHT - 1) / PER_POD_IN_FLIGHT;
        return timeout.multipliedBy(3 * rounds).plus(Await.GRACE);
    }

    /** Every pair from each of {@code sources} (this node's pods: name and IP) to each of {@code targets} but itself. */
    CompletableFuture<List<Pair>> run(final List<Target> sources, final List<Target> targets, final Duration timeout)
    {
        final List<CompletableFuture<List<Pair>>> perPod = new ArrayList<>();
        for (final Target source : sources)
        {
            final List<Target> others = targets.stream().filter(target -> !target.name().equals(source.name())).toList();
            perPod.add(fromPod(source, others, timeout));
        }
        return CompletableFuture.allOf(perPod.toArray(CompletableFuture[]::new)).thenApply(ignored ->
        {
            final List<Pair> pairs = new ArrayList<>();
            perPod.forEach(future -> pairs.addAll(future.join()));
            return pairs;
        });
    }

    private CompletableFuture<List<Pair>> fromPod(final Target source, final List<Target> targets, final Duration timeout)
    {
        final Pair[] results = new Pair[targets.size()];
        if (targets.isEmpty())
        {
            return CompletableFuture.completedFuture(List.of());
        }
        final CompletableFuture<List<Pair>> done = new CompletableFuture<>();
        final AtomicInteger next = new AtomicInteger(1);
        final AtomicInteger remaining = new AtomicInteger(targets.size());
        final Runnable[] worker = new Runnable[1];
        worker[0] = () ->
        {
            final int index = next.getAndIncrement();
            if (index < targets.size())
            {
                checkPair(source, targets.get(index), timeout).whenCompleteAsync((pair, failure) ->
                {
                    results[index] = pair != null ? pair : failed(source, targets.get(index), failure);
                    finish(remaining, done, results);
                    worker[0].run();
                });
            }
        };
        checkPair(source, targets.get(0), timeout).whenCompleteAsync((pair, failure) ->
        {
            results[0] = pair != null ? pair : failed(source, targets.get(0), failure);
            finish(remaining, done, results);
            for (int i = 0; i < PER_POD_IN_FLIGHT; i++)
            {
                worker[0].run();
            }
        });
        return done;
    }

    private static void finish(final AtomicInteger remaining, final CompletableFuture<List<Pair>> done, final Pair[] results)
    {
        if (remaining.decrementAndGet() == 0)
        {
            done.complete(List.of(results));
        }
    }

    private static Pair failed(final Target source, final Target target, final Throwable failure)
    {
        final Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        return new Pair(source.name(), target.name(), false, 0, "check failed: " + cause.getMessage());
    }

    private CompletableFuture<Pair> checkPair(final Target source, final Target target, final Duration timeout)
    {
        if (source.real())
        {
            return realPods.checkPair(source, target, timeout);
        }
        if (target.service())
        {
            return checkService(source, target, timeout);
        }
        final int ip = Ipv4Address.parse(target.ip());
        final PingRequest ping = new PingRequest(ip, 1, Duration.ZERO, PingRequest.DEFAULT_SIZE, false, timeout, 64);
        return proxy.ping(source.name(), ping).thenComposeAsync(result ->
        {
            if (result.received() == 0)
            {
                return CompletableFuture.completedFuture(
                    new Pair(source.name(), target.name(), false, 0, "ping: " + describe(result)));
            }
            final long rttUs = result.replies().get(0).rttNanos() / 1_000;
            if (target.real())
            {
                // a real pod runs what its user runs, not netexec: ping is the check
                return CompletableFuture.completedFuture(new Pair(source.name(), target.name(), true, rttUs, null));
            }
            return udp(source, ip, PAYLOAD_HOSTNAME, timeout).thenComposeAsync(hostname ->
            {
                final String podName = target.name().substring(target.name().indexOf('/') + 1); // its hostname: no namespace
                if (!hostname.ok() || !hostname.replyText().trim().equals(podName))
                {
                    return CompletableFuture.completedFuture(new Pair(source.name(), target.name(), false, rttUs,
                        "hostname: " + describe(hostname, "'" + podName + "'")));
                }
                return udp(source, ip, PAYLOAD_CLIENT_IP, timeout).thenComposeAsync(clientIp ->
                {
                    if (!clientIp.ok() || !clientIp.replyText().trim().startsWith(source.ip() + ":"))
                    {
                        return CompletableFuture.completedFuture(new Pair(source.name(), target.name(), false, rttUs,
                            "clientip: " + describe(clientIp, source.ip() + ":<port> (the source address was rewritten)")));
                    }
                    return proxy.http(source.name(), ip, HTTP_PORT, target.ip() + ":" + HTTP_PORT, "/clientip", timeout)
                        .thenApply(http -> http.ok() && http.status() == 200 && http.bodyText().startsWith(source.ip() + ":") ?
                            new Pair(source.name(), target.name(), true, rttUs, null) :
                            new Pair(source.name(), target.name(), false, rttUs, "http clientip: " + describe(http, source.ip())));
                });
            });
        });
    }

    /** Pod to Service: netexec behind the ClusterIP answers as one of the Service's pods, to the pod's own address. */
    private CompletableFuture<Pair> checkService(final Target source, final Target service, final Duration timeout)
    {
        final int ip = Ipv4Address.parse(service.ip());
        return udp(source, ip, service.port(), PAYLOAD_HOSTNAME, timeout).thenComposeAsync(hostname ->
        {
            if (!hostname.ok() || !service.expected().contains(hostname.replyText().trim()))
            {
                return CompletableFuture.completedFuture(new Pair(source.name(), service.name(), false, 0,
                    "hostname: " + describe(hostname, "one of " + service.expected())));
            }
            return udp(source, ip, service.port(), PAYLOAD_CLIENT_IP, timeout).thenApply(clientIp ->
            {
                if (!clientIp.ok() || (!service.backedBy(source) && !clientIp.replyText().trim().startsWith(source.ip() + ":")))
                {
                    return new Pair(source.name(), service.name(), false, 0,
                        "clientip: " + describe(clientIp, source.ip() + ":<port> (the source address was rewritten)"));
                }
                return new Pair(source.name(), service.name(), true, 0, null);
            });
        });
    }

    private CompletableFuture<UdpExchange> udp(final Target source, final int ip, final String payload, final Duration timeout)
    {
        return udp(source, ip, 8081, payload, timeout);
    }

    private CompletableFuture<UdpExchange> udp(final Target source, final int ip, final int port, final String payload,
        final Duration timeout)
    {
        return proxy.udp(source.name(), ip, port, payload.getBytes(StandardCharsets.US_ASCII), timeout);
    }

    private static String describe(final PingResult result)
    {
        if (result.errors().isEmpty())
        {
            return "no reply";
        }
        final PingResult.Error error = result.errors().get(0);
        return error.type() + (error.from() == 0 ? "" : " from " + Ipv4Address.format(error.from()));
    }

    private static String describe(final HttpResult http, final String sourceIp)
    {
        if (!http.ok())
        {
            return http.error();
        }
        return http.status() != 200 ? "status " + http.status() :
            "answered '" + http.bodyText().trim() + "', expected " + sourceIp + ":<port> (the source address was rewritten)";
    }

    private static String describe(final UdpExchange exchange, final String expected)
    {
        if (exchange.ok())
        {
            return "answered '" + exchange.replyText().trim() + "', expected " + expected;
        }
        return exchange.error() + (exchange.fromIp() == 0 ? "" : " from " + Ipv4Address.format(exchange.fromIp()));
    }
}
