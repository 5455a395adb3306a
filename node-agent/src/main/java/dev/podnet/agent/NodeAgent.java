package dev.podnet.agent;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Node;
import dev.podnet.http.ApiServer;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropCounters;
import dev.podnet.transport.AeronTunnel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running node agent in static mode (its pod CIDR and peers from configuration; cluster mode is
 * {@link ClusterAgent}): tunnel, data plane and HTTP API, started in that order and stopped in the
 * reverse one.
 * <ol>
 *   <li>the tunnel (its embedded Aeron media driver binds the tunnel port);</li>
 *   <li>the node's data plane, which drives the tunnel from its duty cycle and closes it;</li>
 *   <li>the static topology: a route per peer, then the pods ({@link #applyStaticTopology}, the part
 *       the control plane will replace);</li>
 *   <li>the API, last, so a client that sees {@code /healthz} answer finds the pods already there.</li>
 * </ol>
 * A step that fails undoes the ones before it and throws; {@link #close()} is idempotent.
 */
public final class NodeAgent implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    private static final long STEP_TIMEOUT_SECONDS = 10;

    private final AgentSettings settings;
    private final Node node;
    private final ApiServer api;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private NodeAgent(final AgentSettings settings, final Node node, final ApiServer api)
    {
        this.settings = settings;
        this.node = node;
        this.api = api;
    }

    /**
     * Starts the agent.
     *
     * @throws IllegalStateException saying what could not start and why (tunnel port in use, API port
     *                               in use, a pod that could not be created)
     */
    public static NodeAgent start(final AgentSettings settings)
    {
        final DropCounters drops = new DropCounters();
        final AeronTunnel tunnel = AeronTunnel.launch(
            settings.tunnelConfig(), settings.nodeName(), settings.podCidr().network(), drops);
        final Node node = Node.start(settings.nodeConfig(), drops, tunnel);
        ApiServer api = null;
        try
        {
            applyStaticTopology(node.proxy(), settings.topology());
            api = startApi(settings, node);
            final NodeAgent agent = new NodeAgent(settings, node, api);
            LOG.info("node {} ready: pod CIDR {} (gateway {}, pod MTU {}), {} pods, {} peers, api http://{}:{}, " +
                "tunnel udp {}:{} (network {}, underlay MTU {})",
                settings.nodeName(), settings.podCidr(), Ipv4Address.format(settings.podCidr().address(1)),
                settings.podMtu(), settings.topology().pods().size(), settings.topology().peers().size(),
                settings.apiBind(), api.port(), settings.tunnelBind(), settings.tunnelPort(), settings.networkId(),
                settings.underlayMtu());
            return agent;
        }
        catch (final RuntimeException ex)
        {
            if (api != null)
            {
                api.close();
            }
            node.close();
            throw ex;
        }
    }

    /** Routes each peer's CIDR through the tunnel, then creates the pods, in the order given. */
    static void applyStaticTopology(final DataPlaneProxy proxy, final StaticTopology topology)
    {
        for (final StaticTopology.Peer peer : topology.peers())
        {
            awaitStep(proxy.addRoute(peer.node(), peer.cidr(), peer.host(), peer.port()), "add the route to peer " + peer);
            LOG.info("route {} via node {} at udp {}:{}", peer.cidr(), peer.node(), peer.host(), peer.port());
        }
        createPods(proxy, topology.pods());
        impairLinks(proxy, topology.links());
    }

    /** Sets the impairments the agent was started with ({@code --netem}). */
    static void impairLinks(final DataPlaneProxy proxy, final java.util.Map<String, dev.podnet.netem.ImpairmentPatch> links)
    {
        links.forEach((to, patch) ->
        {
            final dev.podnet.dataplane.LinkInfo link = awaitStep(proxy.setLink(to, patch), "impair the link to " + to);
            LOG.info("link to {}: {}", to, link.impairment().describe());
        });
    }

    /** Creates the pods, in the order given, each within {@value #STEP_TIMEOUT_SECONDS} s. */
    static void createPods(final DataPlaneProxy proxy, final List<String> pods)
    {
        for (final String pod : pods)
        {
            awaitStep(proxy.createPod(pod), "create pod " + pod);
        }
    }

    private static ApiServer startApi(final AgentSettings settings, final Node node)
    {
        try
        {
            return ApiServer.start(settings.apiBind(), settings.apiPort(), node.proxy(), settings.nodeName(), settings.apiToken());
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException(ex.getMessage() + " (" + AgentSettings.Setting.API_BIND.label() + ", " +
                AgentSettings.Setting.API_PORT.label() + ")", ex);
        }
    }

    private static <T> T awaitStep(final Future<T> future, final String what)
    {
        try
        {
            return future.get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("cannot " + what + ": " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("cannot " + what + ": the data plane did not answer within " +
                STEP_TIMEOUT_SECONDS + " s", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, ex);
        }
    }

    public AgentSettings settings()
    {
        return settings;
    }

    public DataPlaneProxy proxy()
    {
        return node.proxy();
    }

    /** The port the API listens on. */
    public int apiPort()
    {
        return api.port();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException
    {
        stopped.await();
    }

    /** Stops the API, then the data plane (which closes the tunnel). */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        LOG.info("node {} stopping", settings.nodeName());
        try
        {
            api.close();
        }
        finally
        {
            node.close();
            stopped.countDown();
        }
        LOG.info("node {} stopped", settings.nodeName());
    }
}
