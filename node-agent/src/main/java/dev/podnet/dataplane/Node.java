package dev.podnet.dataplane;

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

    private Node(final NodeConfig config, final NanoClock clock)
    {
        this.dataPlane = new NodeDataPlane(config, clock);
        this.proxy = new DataPlaneProxy(dataPlane);
        final ErrorHandler errors = ex -> LOG.error("data plane of node {} failed a duty cycle", config.nodeName(), ex);
        this.runner = new AgentRunner(config.idleMode().newStrategy(), errors, null, dataPlane);
    }

    /** Starts a node's data plane on a new thread. */
    public static Node start(final NodeConfig config)
    {
        final Node node = new Node(config, SystemNanoClock.INSTANCE);
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
        runner.close();
    }
}
