package dev.podnet.agent.demo;

import dev.podnet.diag.LoopbackPorts;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Where the demo's agents live on loopback: node {@code i} (1-based) of {@code N} is {@code node-i}, and
 * takes the API port {@code --api-port + i - 1}, the cluster port {@code --cluster-port + i - 1} and
 * the tunnel port {@code --tunnel-port + i - 1}, all on {@value #HOST}. Its pods are named by letters
 * per node and a number: {@code a1 a2} on node-1, {@code b1 b2} on node-2, ..., {@code z1} on node-26,
 * then {@code aa1} on node-27, {@code ab1} on node-28, ... (short, DNS-1123, and the letters say the node,
 * as spreadsheet columns do).
 * <p>
 * JVMs. Up to {@value #MAX_JVMS} nodes run an agent JVM each; more are packed, {@code --agents-per-jvm} agents to a
 * JVM ({@code podnet pack}), node-1..node-K in the first, and so on: fifty agent JVMs would need ~12 GB and start for
 * minutes, five packs of ten need ~1.5 GB.
 *
 * @param nodes        the nodes, node-1 first
 * @param podsPerNode  how many pods each node runs
 * @param agentsPerJvm how many agents share a JVM (1: an agent process per node)
 */
public record DemoLayout(List<Node> nodes, int podsPerNode, int agentsPerJvm)
{
    /** Every agent binds and advertises loopback only: nothing of the demo is reachable from elsewhere. */
    public static final String HOST = "127.0.0.1";
    /** What fits a laptop packed ten agents to a JVM (docs/BENCHMARKS.md, "Many nodes"). */
    public static final int MAX_NODES = 50;
    /** Ten agent JVMs already need about 2.5 GB and take a while to start on a laptop: more nodes are packed. */
    public static final int MAX_JVMS = 10;
    /** How many agents a pack holds when more than {@value #MAX_JVMS} nodes are asked for and the count is not given. */
    public static final int DEFAULT_PACK = 10;
    /** How many nodes are seeds ({@link #seedAddresses()}). */
    public static final int SEEDS = 3;
    /** Ten pods per node: what an idle agent's figures are given for (docs/BENCHMARKS.md); 100 pods make 9900 check pairs. */
    public static final int MAX_PODS_PER_NODE = 10;

    public static final String NODES_FLAG = "--nodes";
    public static final String PODS_FLAG = "--pods";
    public static final String API_PORT_FLAG = "--api-port";
    public static final String CLUSTER_PORT_FLAG = "--cluster-port";
    public static final String TUNNEL_PORT_FLAG = "--tunnel-port";
    public static final String AGENTS_PER_JVM_FLAG = "--agents-per-jvm";

    /**
     * One node of the demo.
     *
     * @param index       1-based
     * @param name        {@code node-<index>}
     * @param apiPort     TCP, the HTTP API
     * @param clusterPort TCP, Akka's
     * @param tunnelPort  UDP, Aeron's
     * @param pods        its pods' names, created by the agent at start (and again after a restart)
     */
    public record Node(int index, String name, int apiPort, int clusterPort, int tunnelPort, List<String> pods)
    {
        public Node
        {
            pods = List.copyOf(pods);
        }

        /** {@code 127.0.0.1:<cluster port>}: the node's cluster address, as seeds name it. */
        public String clusterAddress()
        {
            return HOST + ":" + clusterPort;
        }

        /** {@code http://127.0.0.1:<api port>} */
        public String apiUrl()
        {
            return "http://" + HOST + ":" + apiPort;
        }
    }

    public DemoLayout
    {
        nodes = List.copyOf(nodes);
    }

    /**
     * Lays the demo out, checking the counts and that every port is in 1..65535 and that the API and
     * cluster port ranges (both TCP) do not overlap.
     *
     * @throws DemoUsageException naming the flag to change
     */
    public static DemoLayout plan(final int nodeCount, final int podsPerNode, final int apiBase, final int clusterBase,
        final int tunnelBase)
    {
        return plan(nodeCount, podsPerNode, apiBase, clusterBase, tunnelBase, 0);
    }

    /**
     * As {@link #plan(int, int, int, int, int)}, with {@code agentsPerJvm} agents to a JVM (0: one each up to
     * {@value #MAX_JVMS} nodes, else {@value #DEFAULT_PACK}); at most {@value #MAX_JVMS} JVMs.
     */
    public static DemoLayout plan(final int nodeCount, final int podsPerNode, final int apiBase, final int clusterBase,
        final int tunnelBase, final int agentsPerJvm)
    {
        if (nodeCount < 1 || nodeCount > MAX_NODES)
        {
            throw new DemoUsageException(NODES_FLAG, nodeCount + " is outside 1.." + MAX_NODES);
        }
        if (podsPerNode < 0 || podsPerNode > MAX_PODS_PER_NODE)
        {
            throw new DemoUsageException(PODS_FLAG, podsPerNode + " pods per node is outside 0.." + MAX_PODS_PER_NODE);
        }
        requireRange(API_PORT_FLAG, apiBase, nodeCount);
        requireRange(CLUSTER_PORT_FLAG, clusterBase, nodeCount);
        requireRange(TUNNEL_PORT_FLAG, tunnelBase, nodeCount);
        if (apiBase < clusterBase + nodeCount && clusterBase < apiBase + nodeCount)
        {
            throw new DemoUsageException(API_PORT_FLAG, "the API ports " + range(apiBase, nodeCount) + " overlap the cluster ports " +
                range(clusterBase, nodeCount) + " (" + CLUSTER_PORT_FLAG + "): both are TCP on " + HOST + ", move one of them");
        }

        if (agentsPerJvm < 0 || agentsPerJvm > MAX_NODES)
        {
            throw new DemoUsageException(AGENTS_PER_JVM_FLAG, agentsPerJvm + " is outside 1.." + MAX_NODES);
        }
        final int perJvm = agentsPerJvm > 0 ? agentsPerJvm : nodeCount <= MAX_JVMS ? 1 : DEFAULT_PACK;
        final int jvms = (nodeCount + perJvm - 1) / perJvm;
        if (jvms > MAX_JVMS)
        {
            throw new DemoUsageException(AGENTS_PER_JVM_FLAG, nodeCount + " nodes, " + perJvm + " to a JVM, make " + jvms +
                " agent JVMs: at most " + MAX_JVMS + " (each needs ~250 MB and starts slowly); pack " +
                ((nodeCount + MAX_JVMS - 1) / MAX_JVMS) + " or more to a JVM");
        }

        final List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++)
        {
            final String letters = podLetters(i);
            final List<String> pods = IntStream.rangeClosed(1, podsPerNode).mapToObj(p -> letters + p).toList();
            nodes.add(new Node(i, "node-" + i, apiBase + i - 1, clusterBase + i - 1, tunnelBase + i - 1, pods));
        }
        return new DemoLayout(nodes, podsPerNode, Math.min(perJvm, nodeCount));
    }

    /** The nodes, grouped by the JVM that runs them: node-1's first. */
    public List<List<Node>> jvms()
    {
        final List<List<Node>> jvms = new ArrayList<>();
        for (int first = 0; first < nodes.size(); first += agentsPerJvm)
        {
            jvms.add(nodes.subList(first, Math.min(nodes.size(), first + agentsPerJvm)));
        }
        return jvms;
    }

    /** Whether several agents share a JVM ({@code podnet pack}). */
    public boolean packed()
    {
        return agentsPerJvm > 1;
    }

    /**
     * Checks that every port of the layout can be bound on {@value #HOST} now (TCP for the API and
     * cluster ports, UDP for the tunnel's). Something may still take one before its agent binds it: the
     * agent then exits saying so, and the demo shows its log.
     *
     * @throws DemoUsageException naming the first port in use and the flag that moves it
     */
    public void requirePortsFree()
    {
        for (final Node node : nodes)
        {
            requireTcpFree(node.apiPort(), node, "API", API_PORT_FLAG);
            requireTcpFree(node.clusterPort(), node, "cluster", CLUSTER_PORT_FLAG);
            requireUdpFree(node.tunnelPort(), node);
        }
    }

    /** Node {@code index}'s pod prefix: a..z, then aa..az, ba..., as spreadsheet columns (bijective base 26). */
    static String podLetters(final int index)
    {
        final StringBuilder letters = new StringBuilder();
        for (int n = index; n > 0; n = (n - 1) / 26)
        {
            letters.insert(0, (char)('a' + (n - 1) % 26));
        }
        return letters.toString();
    }

    /** The node called {@code name}. */
    public Node node(final String name)
    {
        return nodes.stream().filter(node -> node.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no node " + name + " in the demo"));
    }

    /** Every pod of the demo, node by node. */
    public List<String> pods()
    {
        return nodes.stream().flatMap(node -> node.pods().stream()).toList();
    }

    /**
     * The seeds every node but node-1 joins through: the cluster addresses of the first {@value #SEEDS} nodes, node-1
     * first, comma-separated. A few, as a real deployment lists: a joining node asks every seed every second until one
     * answers, and fifty nodes each asking fifty addresses (most not listening yet) were hundreds of TLS connection
     * attempts a second, enough to keep a 25-node demo from forming on two cores.
     */
    public String seedAddresses()
    {
        return nodes.stream().limit(SEEDS).map(Node::clusterAddress).collect(Collectors.joining(","));
    }

    private static void requireRange(final String flag, final int base, final int count)
    {
        if (base < 1 || base + count - 1 > 65535)
        {
            throw new DemoUsageException(flag, count == 1 ?
                base + " is outside 1..65535" :
                "ports " + range(base, count) + " for " + count + " nodes do not fit in 1..65535 (node i takes " + flag +
                    " + i - 1)");
        }
    }

    private static String range(final int base, final int count)
    {
        return count == 1 ? Integer.toString(base) : base + ".." + (base + count - 1);
    }

    private void requireTcpFree(final int port, final Node node, final String what, final String flag)
    {
        if (!LoopbackPorts.tcpFree(port)) // HOST is the loopback address
        {
            throw inUse(port, "TCP", node, what, flag);
        }
    }

    private void requireUdpFree(final int port, final Node node)
    {
        if (!LoopbackPorts.udpFree(port))
        {
            throw inUse(port, "UDP", node, "tunnel", TUNNEL_PORT_FLAG);
        }
    }

    private DemoUsageException inUse(final int port, final String protocol, final Node node, final String what, final String flag)
    {
        final int base = port - node.index() + 1;
        return new DemoUsageException(flag, protocol + " port " + port + " (" + node.name() + "'s " + what + " port, " + flag +
            " " + base + (node.index() == 1 ? "" : " + " + (node.index() - 1)) + ") is in use on " + HOST +
            ": stop what holds it, or choose another base with " + flag + " (node i takes " + flag + " + i - 1" +
            (nodes.size() == 1 ? "" : ", ports " + range(base, nodes.size())) + ")");
    }
}
