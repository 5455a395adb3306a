package dev.podnet.dataplane;

import dev.podnet.pod.DropCounters;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node data plane: the {@link NodeDataPlane} agent on its own thread with the configured
 * idle strategy, and the {@link DataPlaneProxy} to talk to it.
 */
public final class Node implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeDataPlane dataPlane;
    private final DataPlaneProxy proxy;
    private final AgentRunner runner;

    private Node(final NodeConfig config, final NanoClock clock, final DropCounters drops, final Overlay overlay)
    {
        this.dataPlane = new NodeDataPlane(config, clock, drops, overlay);
        this.proxy = new DataPlaneProxy(dataPlane);
        final ErrorHandler errors = ex -> LOG.error("data plane of node {} failed a duty cycle", config.nodeName(), ex);
        this.runner = new AgentRunner(config.idleMode().newStrategy(dataPlane.idleWait()), errors, null, dataPlane);
    }

    /** Starts a node's data plane on a new thread. */
    public static Node start(final NodeConfig config)
    {
        return start(config, new DropCounters(), null);
    }

    /**
     * Starts a node's data plane on a new thread, driving {@code overlay} (which counts its drops in
     * {@code drops}) from its duty cycle. The overlay is closed when the node is.
     */
    public static Node start(final NodeConfig config, final DropCounters drops, final Overlay overlay)
    {
        final Node node;
        try
        {
            node = new Node(config, SystemNanoClock.INSTANCE, drops, overlay);
        }
        catch (final RuntimeException ex)
        {
            if (overlay != null)
            {
                overlay.close();
            }
            throw ex;
        }
        RealPods.cleanUpAfterCrash(config.nodeName());
        AgentRunner.startOnThread(node.runner);
        LOG.info("node {} data plane up: pod CIDR {}, pod MTU {}, idle mode {}",
            config.nodeName(), config.podCidr(), config.pod().mtu(), config.idleMode().settingName());
        return node;
    }

    public DataPlaneProxy proxy()
    {
        return proxy;
    }

    public NodeConfig config()
    {
        return dataPlane.config();
    }

    @Override
    public void close()
    {
        try
        {
            runner.close();
        }
        finally
        {
            proxy.realPods().close();
        }
    }
}
