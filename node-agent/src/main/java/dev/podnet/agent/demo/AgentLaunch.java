package dev.podnet.agent.demo;

import dev.podnet.agent.AgentSettings;
import dev.podnet.agent.PodnetMain;

import java.nio.file.Files;
import java.security.SecureRandom;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How the demo starts one agent JVM: the launcher's own java binary and class path, the
 * {@code --add-opens} flags of the {@code ./podnet} script (Aeron and Agrona reach into the JDK), the
 * agent JVM options ({@code --agent-jvm-options}: a small heap), then {@code PodnetMain agent} in
 * cluster mode with everything bound to loopback. Settings go as flags, so that {@code ps} shows which
 * process is which node; the launcher's {@code PODNET_*} variables are removed from the agent's
 * environment (an exported {@code PODNET_POD_CIDR} would make a cluster-mode agent refuse to start).
 * <p>
 * Where {@code setsid} exists (util-linux) the agent runs in a session of its own: Ctrl-C in the
 * terminal then reaches the demo only, which stops the agents in an order that lets each leave the
 * cluster at once (every node leaving at the same moment makes one of them wait out Akka's 10 s
 * {@code cluster-exiting} phase). {@code setsid} execs the JVM in place (the child of a JVM is not a
 * process-group leader), so the process is still the agent's, same pid.
 * <p>
 * Every agent gets {@code --stop-on-stdin-close}, and its standard input is a pipe whose other end only
 * the demo holds ({@link SupervisedAgent}): should the demo die without stopping its agents (SIGKILL, the
 * OOM killer), the kernel closes that end and every agent stops within seconds, freeing its ports for
 * the next demo.
 *
 * @param setsid     {@code setsid}'s path, or null to start the JVM directly
 * @param java       the java binary
 * @param classPath  the class path (the shaded jar when run from {@code ./podnet})
 * @param jvmOptions options before the main class, e.g. {@code -Xmx256m}
 * @param idleMode   the agents' {@code --idle-mode}
 * @param tunnelIdleMs the agents' {@code --tunnel-idle-ms}
 * @param acceptablePauseMs the agents' {@code --acceptable-pause-ms}, or 0 for theirs (3 s)
 * @param stateDir   where the nodes keep their state: node {@code NAME} gets {@code --state-dir stateDir/NAME}, the
 *                   same for every run, so that a demo started again gives every node its CIDR back
 * @param classArchive the agents' class archive ({@link ClassArchive}), or null for none
 */
public record AgentLaunch(
    String setsid, String java, String classPath, List<String> jvmOptions, String idleMode, long tunnelIdleMs,
    long acceptablePauseMs, Path stateDir, ClassArchive classArchive)
{
    /** The same as the {@code ./podnet} script's. */
    public static final List<String> ADD_OPENS = List.of(
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED");
    /**
     * Many agent JVMs on a few cores (docs/BENCHMARKS.md, "Idle agents"): a heap that starts at 16 MB and may grow
     * to 96 MB, three times what an agent with ten pods keeps alive (a heap of 256 MB was all resident after a
     * while, eden included); the serial collector, not a dozen GC threads per JVM; the client compiler alone, one
     * thread of it: an agent is Ready after half the CPU time (C2 compiled for seconds after every start, ten
     * JVMs at once), at some cost in peak forwarding rate, which a demo does not need.
     */
    public static final String DEFAULT_JVM_OPTIONS = "-Xms16m -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1";

    public AgentLaunch
    {
        jvmOptions = List.copyOf(jvmOptions);
    }

    /** This JVM's java binary and class path, and the given options. */
    public static AgentLaunch ofThisJvm(final String jvmOptions, final String idleMode, final long tunnelIdleMs,
        final long acceptablePauseMs, final Path stateDir)
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> options = jvmOptions == null || jvmOptions.isBlank() ?
            List.of() : Arrays.asList(jvmOptions.trim().split("\\s+"));
        final String setsid = Stream.of("/usr/bin/setsid", "/bin/setsid").filter(path -> Files.isExecutable(Path.of(path)))
            .findFirst().orElse(null);
        final String classPath = System.getProperty("java.class.path");
        return new AgentLaunch(setsid, java, classPath, options, idleMode, tunnelIdleMs, acceptablePauseMs, stateDir,
            ClassArchive.forClassPath(classPath, options));
    }

    /**
     * The command line of {@code node}'s agent.
     *
     * @param seeds the cluster addresses it joins through, comma-separated
     */
    public List<String> command(final DemoLayout.Node node, final String seeds)
    {
        final List<String> command = jvm(jvmOptions, node.index() == 1);
        command.add("agent");
        command.addAll(agentOptions(node, seeds));
        command.add("--stop-on-stdin-close");
        return command;
    }

    /**
     * The command line of the JVM that runs {@code nodes}: {@link #command(DemoLayout.Node, String)} for one node,
     * {@code podnet pack} with an {@code --agent} per node for more. A pack's maximum heap is the options' {@code -Xmx}
     * times its agents: every agent keeps its own tables, pods and Akka state.
     *
     * @param seeds each node's seeds, as {@link #command(DemoLayout.Node, String)} takes them
     */
    public List<String> command(final List<DemoLayout.Node> nodes, final Function<DemoLayout.Node, String> seeds)
    {
        if (nodes.size() == 1)
        {
            return command(nodes.get(0), seeds.apply(nodes.get(0)));
        }
        final List<String> command = jvm(scaledHeap(jvmOptions, nodes.size()), nodes.get(0).index() == 1);
        command.add("pack");
        command.add("--stop-on-stdin-close");
        for (final DemoLayout.Node node : nodes)
        {
            final List<String> options = agentOptions(node, seeds.apply(node));
            // every address is loopback: a TLS handshake per connection of a full mesh (~2500 for 25 nodes) saturated two
            // cores while the cluster formed, and the demo's API is open to this host's users anyway
            options.addAll(List.of("--cluster-tls", "off"));
            options.stream().filter(option -> option.chars().anyMatch(Character::isWhitespace)).findFirst().ifPresent(option ->
            {
                throw new IllegalArgumentException("'" + option + "' has a space: a packed agent's options are split at spaces");
            });
            command.add("--agent");
            command.add(String.join(" ", options));
        }
        return command;
    }

    /** {@code -Xmx} of {@code options} times {@code agents}. */
    static List<String> scaledHeap(final List<String> options, final int agents)
    {
        final List<String> scaled = new ArrayList<>();
        for (final String option : options)
        {
            final Matcher heap = HEAP.matcher(option);
            scaled.add(heap.matches() ? heap.group(1) + Long.parseLong(heap.group(2)) * agents + heap.group(3) : option);
        }
        return scaled;
    }

    private static final Pattern HEAP = Pattern.compile("(-Xmx)(\\d+)([kKmMgG]?)");

    /** The JVM up to its main class: {@code setsid}, java, options, the class archive, the opens, the class path. */
    private List<String> jvm(final List<String> options, final boolean writesArchive)
    {
        final List<String> command = new ArrayList<>();
        if (setsid != null)
        {
            command.add(setsid);
        }
        command.add(java);
        command.addAll(options);
        if (classArchive != null)
        {
            command.addAll(classArchive.options(writesArchive)); // one JVM writes it, node-1's
        }
        command.addAll(ADD_OPENS);
        command.add("-cp");
        command.add(classPath);
        command.add(PodnetMain.class.getName());
        return command;
    }

    /** One agent's {@code podnet agent} options, but {@code --stop-on-stdin-close}. */
    private List<String> agentOptions(final DemoLayout.Node node, final String seeds)
    {
        final List<String> command = new ArrayList<>();
        add(command, "--node", node.name());
        add(command, "--seeds", seeds);
        add(command, "--advertised-host", DemoLayout.HOST);
        add(command, "--cluster-bind", DemoLayout.HOST);
        add(command, "--cluster-port", Integer.toString(node.clusterPort()));
        add(command, "--tunnel-bind", DemoLayout.HOST);
        add(command, "--tunnel-port", Integer.toString(node.tunnelPort()));
        add(command, "--api-bind", DemoLayout.HOST);
        add(command, "--api-port", Integer.toString(node.apiPort()));
        add(command, "--idle-mode", idleMode);
        add(command, "--tunnel-idle-ms", Long.toString(tunnelIdleMs));
        if (acceptablePauseMs > 0)
        {
            add(command, "--acceptable-pause-ms", Long.toString(acceptablePauseMs));
        }
        add(command, "--state-dir", stateDir.resolve(node.name()).toString());
        if (!node.pods().isEmpty())
        {
            add(command, "--pods", String.join(",", node.pods()));
        }
        return command;
    }

    /**
     * The agent's environment: the launcher's without its {@code PODNET_*} variables, and the cluster secret
     * this demo's agents share (random, made once per demo process; in the environment, not on the command line
     * that {@code ps} shows).
     */
    public static void cleanEnvironment(final Map<String, String> environment)
    {
        environment.keySet().removeIf(name -> name.startsWith("PODNET_"));
        environment.put(AgentSettings.CLUSTER_SECRET_ENV, DemoSecret.VALUE);
    }

    private static void add(final List<String> command, final String flag, final String value)
    {
        command.add(flag);
        command.add(value);
    }

    /** The demo's cluster secret: 128 random bits, made when first asked for. */
    private static final class DemoSecret
    {
        static final String VALUE = HexFormat.of().formatHex(randomBytes());

        private static byte[] randomBytes()
        {
            final byte[] bytes = new byte[16];
            new SecureRandom().nextBytes(bytes);
            return bytes;
        }
    }
}
