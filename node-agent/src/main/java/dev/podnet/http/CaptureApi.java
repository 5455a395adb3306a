package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.diag.PcapCapture;
import dev.podnet.diag.PcapWriter;

import java.nio.channels.Channels;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/v1/capture?target=POD_OR_NODE&seconds=N}: {@code tcpdump} of the emulated network as a
 * pcap stream (Wireshark reads it: {@code podnetctl capture a1 -w - | wireshark -k -i -}). For a pod,
 * the frames it sends and receives (its veth); for a node, every frame entering its bridge. Served by
 * the agent of the node concerned (forwarded there), through a {@link PcapCapture}: the data plane
 * copies frames into a ring, never waits for the client.
 * <p>
 * A capture holds an API thread for its duration: at most {@value #MAX_CONCURRENT} run at once per agent.
 */
final class CaptureApi
{
    static final String CONTENT_TYPE = "application/vnd.tcpdump.pcap";
    static final int DEFAULT_SECONDS = 10;
    static final int MAX_SECONDS = 300;
    static final int MAX_CONCURRENT = 2;

    private final ClusterApi cluster;
    private final DataPlaneProxy proxy;
    private final Forwarder forwarder;
    private final String self;
    private final AtomicInteger running = new AtomicInteger();

    CaptureApi(final ClusterApi cluster, final DataPlaneProxy proxy, final Forwarder forwarder, final String self)
    {
        this.cluster = cluster;
        this.proxy = proxy;
        this.forwarder = forwarder;
        this.self = self;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher.add("GET", "/api/v1/capture", this::capture);
    }

    private ApiResponse capture(final ApiRequest request) throws Exception
    {
        final String target = request.query("target");
        if (target == null || target.isEmpty())
        {
            throw ApiException.badRequest("missing query parameter 'target' (a pod or a node name, or a pod IP)");
        }
        final int seconds = seconds(request.query("seconds"));
        final ClusterDirectory directory = cluster.directory();
        final String node;
        final String podFilter;
        if (directory.nodes().stream().anyMatch(known -> known.name().equals(target)))
        {
            node = target;
            podFilter = null;
        }
        else
        {
            final Endpoint pod = directory.pod(target);
            node = pod.node();
            podFilter = pod.reference();
        }
        if (!node.equals(self))
        {
            if (request.forwarded())
            {
                throw new ApiException(409, "conflict", target + " is not on node " + self + " (views differ; retry)");
            }
            return forwarder.forwardStream(node, directory.apiAddress(node), request,
                Duration.ofSeconds(seconds).plus(Await.GRACE));
        }
        if (running.incrementAndGet() > MAX_CONCURRENT)
        {
            running.decrementAndGet();
            throw new ApiException(503, "unavailable", "node " + self + " already runs " + MAX_CONCURRENT +
                " captures; try again when one ends");
        }
        return ApiResponse.stream(CONTENT_TYPE, out ->
        {
            try
            {
                final PcapCapture capture = new PcapCapture(new PcapWriter(Channels.newChannel(out)), podFilter);
                try
                {
                    proxy.addTap(capture).get(5, TimeUnit.SECONDS);
                    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                }
                catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
                {
                    throw new java.io.IOException("the data plane did not start the capture: " + ex, ex);
                }
                finally
                {
                    try
                    {
                        proxy.removeTap(capture).get(5, TimeUnit.SECONDS);
                    }
                    catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
                    {
                        throw new java.io.IOException("the data plane did not stop the capture: " + ex, ex);
                    }
                    finally
                    {
                        capture.close();
                    }
                }
            }
            finally
            {
                running.decrementAndGet();
            }
        });
    }

    private static int seconds(final String text)
    {
        if (text == null)
        {
            return DEFAULT_SECONDS;
        }
        try
        {
            final int seconds = Integer.parseInt(text);
            if (seconds >= 1 && seconds <= MAX_SECONDS)
            {
                return seconds;
            }
        }
        catch (final NumberFormatException ex)
        {
            // the message below says what is expected
        }
        throw ApiException.badRequest("query parameter 'seconds': '" + text + "' is not a whole number 1.." + MAX_SECONDS);
    }
}
