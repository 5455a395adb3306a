package dev.podnet.agent.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.transport.TunnelConfig;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code podnet demo}: a local cluster of N agent JVMs on loopback, started, checked and supervised
 * from one command, stopped by Ctrl-C.
 * <p>
 * In order:
 * <ol>
 *   <li>every agent JVM starts at once ({@link SupervisedJvm}, one thread each; packs of agents one after another,
 *       each once the one before is Ready), its output in {@code <run dir>/node-i.log} (a pack's in
 *       {@code node-i..node-j.log}); a line per node as it becomes Ready, with its lease. A node that
 *       exits first, or is not Ready within {@code --ready-timeout}, fails the demo: its log's tail is
 *       shown, every agent stopped, exit status 1;</li>
 *   <li>once every node lists every pod, {@code POST /api/v1/check} on node-1; a check with failed
 *       pairs is repeated for a few seconds (tunnels connect just after Ready) and the last one shown;</li>
 *   <li>how to use it, then "podnet demo: ready", and it keeps running; an agent that exits from now
 *       on is restarted (back-off 1 s doubling to 30 s while it keeps dying young);</li>
 *   <li>on SIGINT/SIGTERM/SIGHUP: no more restarts, SIGTERM to every agent (it leaves the cluster),
 *       SIGKILL to what is left after {@code --stop-timeout}, Aeron directories of killed agents
 *       removed, exit status 0 with no process left. A second Ctrl-C kills at once. A demo started
 *       with SIGINT ignored (in the background of a script) stops on SIGTERM, and says so.</li>
 * </ol>
 * Dying without stopping them (SIGKILL, the OOM killer), the demo still takes its agents with it: each
 * one's standard input is a pipe from the demo, and an agent stops within 2 s of that pipe's end
 * ({@link SupervisedJvm}, the agent's {@code --stop-on-stdin-close}). Their ports are free for the
 * next demo a few seconds later.
 * Seeds. Node-1 forms the cluster: it starts with itself as its only seed, and the others list the first
 * three nodes' cluster addresses, node-1 first (they never form a cluster of their own, and join through
 * whichever of them is a member). A restarted node-1 must not form a second cluster beside the running
 * one: it lists the nodes that are Ready at that moment first and itself last (joins them), or only
 * itself when none is (everything had died: it forms the cluster again).
 * <p>
 * Logs. The run directory (a new {@code podnet-demo-*} in the temporary directory, or
 * {@code --logs DIR}) is removed at the end when everything went as planned: every node Ready, no
 * agent exited unexpectedly, every agent left on SIGTERM. Otherwise, or with {@code --keep-logs}, it
 * stays and the demo says where.
 */
public final class DemoCluster
{
    private static final DateTimeFormatter RUN_DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long each step of a pair's check waits for its answer (the API's default). */
    private static final Duration PAIR_TIMEOUT = Duration.ofSeconds(2);
    /** How long a node has to answer for the failed pairs it checks again. */
    private static final Duration RECHECK_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 25;
    /** Nodes two cores carry with every default (measured: 25 work; 40 and 50 did not converge with a 3 s pause). */
    public static final int CPU_NODES = 25;
    /**
     * The agents' acceptable heartbeat pause beyond {@link #CPU_NODES} per two CPUs. On two cores the fifth pack of a
     * 50-node demo, starting, delayed every JVM's heartbeats by 4 to 9 s: with 3 s and with 8 s members flapped and the
     * split brain resolver downed every node (its down-all-when-unstable); with 15 s none was marked unreachable. The
     * price: a dead node's routes are withdrawn after ~20 s instead of ~5 s (podnet bench cluster --nodes 50: 20.4 s).
     */
    public static final int CROWDED_PAUSE_MS = 15_000;
    /** The agents' {@code --acceptable-pause-ms} for {@code nodes} on {@code cpus}: 0 (theirs) unless the box is crowded. */
    public static long acceptablePauseMs(final int nodes, final int cpus)
    {
        return crowded(nodes, cpus) ? CROWDED_PAUSE_MS : 0;
    }

    /**
     * How long the demo's connectivity check goes on checking failed pairs again: 30 s, or 90 s on a crowded box, where
     * the first check of 2450 pairs (50 nodes) took ~20 s and each round of the failed ones again several seconds.
     */
    public static Duration checkTimeout(final int nodes, final int cpus)
    {
        return Duration.ofSeconds(crowded(nodes, cpus) ? 90 : 30);
    }

    private static boolean crowded(final int nodes, final int cpus)
    {
        return nodes > CPU_NODES * cpus / 2;
    }

    /** How long the cluster and the CPUs may take to settle between two packs, and how long they must stay settled. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);
    private static final Duration SETTLED_FOR = Duration.ofSeconds(3);
    private static final Duration SETTLE_POLL = Duration.ofSeconds(1);
    /** The machine counts as saturated above this busy share of all its CPUs. */
    private static final double SATURATED = 0.8;

    private final DemoLayout layout;
    private final AgentLaunch launch;
    private final Options options;
    private final DemoConsole console;
    private final Session session;
    private final DemoApi api = new DemoApi();
    /** Read by the signal handler's thread as well. */
    private final List<SupervisedJvm> jvms = new CopyOnWriteArrayList<>();
    private StopSignal signals;
    private volatile boolean troubled;

    /**
     * @param readyTimeout how long every node has to become Ready at start
     * @param stopTimeout  how long the agents have to leave after SIGTERM before they are killed
     * @param checkTimeout how long a failing connectivity check is repeated
     * @param logDir       where the logs go; null for a new directory in the temporary directory
     * @param keepLogs     keep the logs even when everything went fine
     */
    public record Options(Duration readyTimeout, Duration stopTimeout, Duration checkTimeout, Path logDir, boolean keepLogs)
    {
    }

    /**
     * What happens once every node is Ready and the check ran: the demo says how to use the cluster and
     * waits for a stop signal; a benchmark measures the running cluster, then lets it stop. Runs on the
     * demo's main thread while the agents stay supervised.
     */
    public interface Session
    {
        /** @return the exit status: 0 when it went as planned */
        int run(Running cluster) throws InterruptedException;
    }

    /**
     * One node of the running cluster.
     *
     * @param pid        its agent process
     * @param readyAfter how long that process took from its start to Ready
     */
    public record RunningNode(DemoLayout.Node node, long pid, Duration readyAfter)
    {
    }

    /** The running cluster, as a {@link Session} sees it. */
    public interface Running
    {
        /** Every node, node-1 first, as it was when all were Ready. */
        List<RunningNode> nodes();

        /** How long from the first agent's start until every node was Ready. */
        Duration allReadyAfter();

        /** Waits {@code limit}; false when a stop signal came meanwhile (the session should return). */
        boolean sleep(Duration limit) throws InterruptedException;

        DemoConsole console();
    }

    /** The demo itself: how to use the cluster, then wait for Ctrl-C. */
    public DemoCluster(final DemoLayout layout, final AgentLaunch launch, final Options options, final DemoConsole console)
    {
        this(layout, launch, options, console, null);
    }

    /** The cluster with {@code session} once it is up (null: the demo's own). */
    public DemoCluster(final DemoLayout layout, final AgentLaunch launch, final Options options, final DemoConsole console,
        final Session session)
    {
        this.layout = layout;
        this.launch = launch;
        this.options = options;
        this.console = console;
        this.session = session;
    }

    /** Runs the demo until a stop signal: 0 when it was stopped, 1 when the cluster could not start. */
    public int run() throws IOException, InterruptedException
    {
        final Path runDir = runDirectory();
        signals = StopSignal.install(this::killNow);
        final Thread safetyNet = new Thread(this::killAll, "podnet-demo-kill-agents");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        int status = 1;
        try
        {
            status = runCluster(runDir);
        }
        finally
        {
            stopAll();
            signals.close();
            try
            {
                Runtime.getRuntime().removeShutdownHook(safetyNet);
            }
            catch (final IllegalStateException ex)
            {
                // the JVM is already shutting down: the hook runs, and finds nothing alive
            }
            finishLogs(runDir, status);
        }
        return status;
    }

    private int runCluster(final Path runDir) throws InterruptedException
    {
        final int nodeCount = layout.nodes().size();
        console.line("podnet demo: %d node%s, %d pod%s each, on %s; logs in %s", nodeCount, nodeCount == 1 ? "" : "s",
            layout.podsPerNode(), layout.podsPerNode() == 1 ? "" : "s", DemoLayout.HOST, runDir);
        console.line("  %-8s %-6s %-8s %-10s %s", "NODE", "API", "CLUSTER", "TUNNEL", "PODS");
        for (final DemoLayout.Node node : layout.nodes())
        {
            console.line("  %-8s %-6d %-8d %-10s %s", node.name(), node.apiPort(), node.clusterPort(), node.tunnelPort() + "/udp",
                node.pods().isEmpty() ? "-" : String.join(" ", node.pods()));
        }
        final List<List<DemoLayout.Node>> groups = layout.jvms();
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (crowded(nodeCount, cpus))
        {
            console.line("note: %d nodes on %d CPUs, more than the %d per 2 CPUs an idle cluster leaves room for: %s, and the " +
                "packs start one by one, each once the CPUs have settled (docs/BENCHMARKS.md, \"Many nodes\")", nodeCount, cpus,
                CPU_NODES, launch.acceptablePauseMs() > 0 ?
                    "the agents tolerate " + launch.acceptablePauseMs() / 1000.0 + " s without heartbeats (--acceptable-pause-ms; " +
                        "a dead node's routes go after that long)" : "the agents keep their 3 s heartbeat pause");
        }
        if (layout.packed())
        {
            console.line("starting %d agent JVM%s, %d agents to a JVM (podnet pack: each agent keeps its own cluster member, " +
                "tunnel, data plane and API; --agents-per-jvm) (%s)...", groups.size(), groups.size() == 1 ? "" : "s",
                layout.agentsPerJvm(), String.join(" ", AgentLaunch.scaledHeap(launch.jvmOptions(), layout.agentsPerJvm())));
        }
        else
        {
            console.line("starting %d agent JVM%s (%s)...", nodeCount, nodeCount == 1 ? "" : "s", String.join(" ", launch.jvmOptions()));
        }

        final long startedAt = System.nanoTime();
        long deadline = startedAt + options.readyTimeout().toNanos();
        int started = 0;
        for (final List<DemoLayout.Node> group : groups)
        {
            final String log = group.size() == 1 ? group.get(0).name() : group.get(0).name() + ".." + group.get(group.size() - 1).name();
            final SupervisedJvm jvm = new SupervisedJvm(group, launch, this::seeds, runDir.resolve(log + ".log"), api, console);
            jvms.add(jvm);
            jvm.start();
            started += group.size();
            // packs start one after another, each once the one before is Ready: three packs of ten starting at once on
            // two cores (class loading, compiling, thirty TLS handshakes) starved their heartbeats until the split brain
            // resolver downed half of them; ten agent processes at once are fine
            if (layout.packed() && jvms.size() < groups.size())
            {
                if (!awaitAllReady(deadline))
                {
                    return signals.requested() ? 0 : 1;
                }
                final long settling = awaitSettled(started);
                if (settling < 0)
                {
                    return 0;
                }
                // settling is the box's time, not the agents': the next pack gets its whole share of the ready timeout
                deadline += settling;
            }
        }
        if (!awaitAllReady(deadline))
        {
            return signals.requested() ? 0 : 1;
        }
        final Duration allReady = Duration.ofNanos(System.nanoTime() - startedAt);
        console.line("%d/%d nodes Ready in %s", nodeCount, nodeCount, SupervisedJvm.seconds(allReady));
        console.timestamps();

        String checked = "";
        if (layout.pods().size() >= 2)
        {
            if (!awaitPodsEverywhere())
            {
                return 0;
            }
            final long checkFrom = System.nanoTime();
            final ConnectivityMatrix matrix = checkConnectivity();
            if (matrix == null)
            {
                return 0;
            }
            checked = matrix.pods().isEmpty() ? "" : ", " + matrix.okPairs() + "/" + matrix.pairs() + " pairs ok";
            console.line("(the check took %s, retries included)", since(checkFrom));
        }
        if (session != null)
        {
            return session.run(running(allReady));
        }
        printUsage(runDir);
        console.line("podnet demo: ready: %d node%s, %d pod%s%s. %s", nodeCount, nodeCount == 1 ? "" : "s",
            layout.pods().size(), layout.pods().size() == 1 ? "" : "s", checked, howToStop());
        signals.await();
        return 0;
    }

    private Running running(final Duration allReady)
    {
        final List<RunningNode> nodes = jvms.stream()
            .flatMap(jvm -> jvm.nodes().stream()
                .map(node -> new RunningNode(node, jvm.pids().get(jvm.pids().size() - 1), jvm.readyAfter(node))))
            .toList();
        return new Running()
        {
            @Override
            public List<RunningNode> nodes()
            {
                return nodes;
            }

            @Override
            public Duration allReadyAfter()
            {
                return allReady;
            }

            @Override
            public boolean sleep(final Duration limit) throws InterruptedException
            {
                return !signals.await(limit);
            }

            @Override
            public DemoConsole console()
            {
                return console;
            }
        };
    }

    /** Ctrl-C, unless the demo was started with SIGINT ignored (in the background of a script): then SIGTERM. */
    private String howToStop()
    {
        return signals.ignored("SIGINT") ? "SIGINT is ignored (started in the background): kill " + ProcessHandle.current().pid() +
            " (SIGTERM) stops every agent." : "Ctrl-C stops every agent.";
    }

    /**
     * Before the next pack starts: waits until node-1 sees all {@code members} nodes started so far Up and reachable, and
     * the machine's CPUs are no longer saturated ({@link CpuBusy}), both for {@link #SETTLED_FOR} on end, at most
     * {@link #SETTLE_LIMIT} (then the next pack starts anyway, with a note). On two cores a pack that has just become
     * Ready still compiles and gossips for seconds; the next pack's start on top of that starved every JVM's heartbeats
     * for seconds at 40 nodes, members flapped, and the split brain resolver downed the whole cluster.
     *
     * @return how long it waited (ns), or -1 when a stop was requested meanwhile
     */
    private long awaitSettled(final int members) throws InterruptedException
    {
        final long from = System.nanoTime();
        final CpuBusy cpu = new CpuBusy();
        long calmSince = -1;
        String last = "";
        boolean told = false;
        while (System.nanoTime() - from < SETTLE_LIMIT.toNanos())
        {
            if (signals.await(SETTLE_POLL))
            {
                return -1;
            }
            final double busy = cpu.sample();
            DemoApi.Members seen;
            try
            {
                seen = api.members(layout.nodes().get(0));
            }
            catch (final IOException ex)
            {
                seen = null;
            }
            final boolean converged = seen != null && seen.known() == members && seen.upAndReachable() == members;
            final boolean calm = busy < SATURATED;
            last = (seen == null ? "node-1 does not answer" : seen.upAndReachable() + "/" + members + " members Up and reachable") +
                (busy < 0 ? "" : String.format(Locale.ROOT, ", CPUs %.0f%% busy", busy * 100));
            final long now = System.nanoTime();
            if (converged && calm)
            {
                calmSince = calmSince < 0 ? now : calmSince;
                if (now - calmSince >= SETTLED_FOR.toNanos())
                {
                    if (told)
                    {
                        console.line("settled after %s (%s)", since(from), last);
                    }
                    return now - from;
                }
            }
            else
            {
                calmSince = -1;
                if (!told && now - from >= SETTLED_FOR.toNanos())
                {
                    console.line("waiting for the cluster and the CPUs to settle before the next JVM starts (%s)...", last);
                    told = true;
                }
            }
        }
        console.line("not settled after %s (%s); starting the next JVM anyway", SupervisedJvm.seconds(SETTLE_LIMIT), last);
        return System.nanoTime() - from;
    }

    /** Waits for every node's first Ready; false (having said why) when one failed, time ran out or a stop came. */
    private boolean awaitAllReady(final long deadline) throws InterruptedException
    {
        while (true)
        {
            boolean all = true;
            for (final SupervisedJvm jvm : jvms)
            {
                for (final DemoLayout.Node node : jvm.nodes())
                {
                    final CompletableFuture<DemoApi.NodeStatus> ready = jvm.firstReady(node);
                    if (ready.isCompletedExceptionally())
                    {
                        troubled = true;
                        console.error("podnet demo: %s %s; the end of its log (%s):%n%s", jvm.name(), cause(ready),
                            jvm.log(), jvm.logTail(LOG_TAIL_LINES));
                        return false;
                    }
                    all &= ready.isDone();
                }
            }
            if (all)
            {
                return true;
            }
            if (System.nanoTime() > deadline)
            {
                troubled = true;
                for (final SupervisedJvm jvm : jvms)
                {
                    final List<DemoLayout.Node> late = jvm.nodes().stream().filter(node -> !jvm.firstReady(node).isDone()).toList();
                    for (final DemoLayout.Node node : late)
                    {
                        console.error("podnet demo: %s is not Ready after %s: %s", node.name(),
                            SupervisedJvm.seconds(options.readyTimeout()), notReadyReason(node));
                    }
                    if (!late.isEmpty())
                    {
                        console.error("the end of %s's log (%s):%n%s", jvm.name(), jvm.log(), jvm.logTail(LOG_TAIL_LINES));
                    }
                }
                console.error("(a slow machine? --ready-timeout SECONDS waits longer)");
                return false;
            }
            if (signals.await(POLL))
            {
                return false;
            }
        }
    }

    private String notReadyReason(final DemoLayout.Node node)
    {
        try
        {
            return api.node(node).reason();
        }
        catch (final IOException ex)
        {
            return "its API (" + node.apiUrl() + ") does not answer";
        }
    }

    private static String cause(final CompletableFuture<?> future)
    {
        try
        {
            future.join();
            return "is Ready";
        }
        catch (final RuntimeException ex)
        {
            return ex.getCause() == null ? ex.getMessage() : ex.getCause().getMessage();
        }
    }

    /**
     * Waits until every node lists every pod (the check runs on every node, each with its own copy of
     * the pod table); false on a stop request. Going on after the bound is fine: the check shows it.
     */
    private boolean awaitPodsEverywhere() throws InterruptedException
    {
        final int expected = layout.pods().size();
        final long deadline = System.nanoTime() + options.checkTimeout().toNanos();
        for (final DemoLayout.Node node : layout.nodes())
        {
            while (System.nanoTime() < deadline)
            {
                try
                {
                    if (api.pods(node).size() >= expected)
                    {
                        break;
                    }
                }
                catch (final IOException ex)
                {
                    // restarting, or busy: ask again
                }
                if (signals.await(POLL))
                {
                    return false;
                }
            }
        }
        return !signals.requested();
    }

    /** Runs the check until every pair connects or the bound ends; prints the last. Null on a stop request. */
    private ConnectivityMatrix checkConnectivity() throws InterruptedException
    {
        final DemoLayout.Node node = layout.nodes().get(0);
        console.line("");
        console.line("connectivity: POST %s/api/v1/check (ping, netexec hostname, netexec clientip over UDP and HTTP), row = from, column = to:",
            node.apiUrl());
        final long deadline = System.nanoTime() + options.checkTimeout().toNanos();
        ConnectivityMatrix matrix = null;
        int firstOk = -1;
        String error = null;
        boolean said = false;
        while (true)
        {
            try
            {
                if (matrix == null)
                {
                    matrix = ConnectivityMatrix.fromCheck(api.check(node, PAIR_TIMEOUT));
                    firstOk = matrix.okPairs();
                }
                else
                {
                    matrix = recheck(matrix);
                }
                error = null;
                if (matrix.allOk())
                {
                    break;
                }
            }
            catch (final DemoApi.DemoApiException ex)
            {
                error = ex.getMessage();
                if (ex.status() == 404 || ex.status() == 405)
                {
                    break; // no such route: asking again will not make one
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                error = ex.getMessage();
            }
            if (System.nanoTime() > deadline)
            {
                break;
            }
            if (!said)
            {
                said = true;
                console.line(error != null ? "  (the check failed: " + error + "; trying again)" :
                    "  (" + matrix.okPairs() + "/" + matrix.pairs() + " pairs ok: tunnels still connecting, or the CPUs busy; " +
                        "checking the " + (matrix.pairs() - matrix.okPairs()) + " that failed again)");
            }
            if (signals.await(Duration.ofSeconds(1)))
            {
                return null;
            }
        }
        if (matrix == null)
        {
            console.error("podnet demo: no connectivity check: %s", error);
            return new ConnectivityMatrix(List.of(), Map.of());
        }
        matrix.format().forEach(line -> console.line("%s", line));
        if (firstOk >= 0 && matrix.okPairs() > firstOk)
        {
            console.line("(%d of them failed the first time and were ok when checked again on their own)", matrix.okPairs() - firstOk);
        }
        return matrix;
    }

    /**
     * The pairs of {@code matrix} that failed, checked again on their own: each source pod's node checks its failed
     * targets ({@code POST /api/v1/nodes/{name}/check}), all nodes at once. As Kubernetes' e2e network policy framework
     * probes failed pairs again: a full check of 2450 pairs on a 2-core box saturated it, and pairs timed out that
     * answer in milliseconds once it has room. A pair whose node does not answer keeps its verdict.
     */
    private ConnectivityMatrix recheck(final ConnectivityMatrix matrix) throws IOException
    {
        final Map<String, JsonNode> pods = new HashMap<>();
        for (final JsonNode pod : api.pods(layout.nodes().get(0)))
        {
            final String namespace = pod.path("namespace").asText("default");
            pods.put(namespace.isEmpty() || namespace.equals("default") ? pod.path("name").asText() :
                namespace + "/" + pod.path("name").asText(), pod);
        }
        final Map<String, List<String>> failedTargets = new LinkedHashMap<>();
        for (final List<String> pair : matrix.failedPairs())
        {
            if (pods.containsKey(pair.get(0)) && pods.containsKey(pair.get(1)))
            {
                failedTargets.computeIfAbsent(pair.get(0), source -> new ArrayList<>()).add(pair.get(1));
            }
        }
        final List<CompletableFuture<Map<String, String>>> answers = new ArrayList<>();
        for (final Map.Entry<String, List<String>> source : failedTargets.entrySet())
        {
            final String nodeName = pods.get(source.getKey()).path("node").asText();
            final DemoLayout.Node sourceNode = layout.nodes().stream().filter(each -> each.name().equals(nodeName)).findFirst()
                .orElse(null);
            if (sourceNode == null)
            {
                continue;
            }
            final List<JsonNode> targets = new ArrayList<>();
            final List<String> named = new ArrayList<>(source.getValue());
            named.add(source.getKey()); // the node finds its source pod among the targets (the pair to itself is not checked)
            for (final String target : named)
            {
                final ObjectNode json = JsonNodeFactory.instance.objectNode();
                json.put("name", target);
                json.put("ip", pods.get(target).path("ip").asText());
                if (pods.get(target).hasNonNull("netns"))
                {
                    json.put("netns", pods.get(target).path("netns").asText());
                }
                targets.add(json);
            }
            answers.add(api.checkPairs(sourceNode, List.of(source.getKey()), targets, PAIR_TIMEOUT, RECHECK_TIMEOUT)
                .thenApply(ConnectivityMatrix::cellsOf)
                .exceptionally(failure -> Map.of()));
        }
        final Map<String, String> rechecked = new HashMap<>();
        answers.forEach(answer -> rechecked.putAll(answer.join()));
        return matrix.with(rechecked);
    }

    private void printUsage(final Path runDir)
    {
        final String server = "localhost:" + layout.nodes().get(0).apiPort();
        final List<String> pods = layout.pods();
        console.line("");
        console.line("Every node's API answers for the whole cluster; try:");
        console.line("  ./podnetctl --server %s get nodes", server);
        console.line("  ./podnetctl --server %s get pods", server);
        if (pods.size() >= 2)
        {
            console.line("  ./podnetctl --server %s ping %s %s", server, pods.get(0), pods.get(pods.size() - 1));
            console.line("  ./podnetctl --server %s check", server);
        }
        console.line("  curl -s %s/api/v1/nodes", server);
        console.line("  web view: http://%s/", server);
        if (layout.packed())
        {
            console.line("  ./podnetctl --server %s crash node-%d    # chaos: it stops without leaving; its pack starts it again",
                server, layout.nodes().size());
            console.line("Agent logs: %s/node-I..node-J.log, one per pack.", runDir);
        }
        else
        {
            console.line("Agent logs: %s/node-N.log. Kill one (kill -9 PID, or ./podnetctl crash NODE): the demo restarts it.", runDir);
        }
    }

    /** Seeds for a start of {@code node}: see the class comment. */
    private String seeds(final DemoLayout.Node node, final boolean restart)
    {
        final DemoLayout.Node first = layout.nodes().get(0);
        if (!node.equals(first))
        {
            return layout.seedAddresses();
        }
        if (!restart)
        {
            return first.clusterAddress();
        }
        final List<String> ready = layout.nodes().stream()
            .filter(other -> !other.equals(first) && api.ready(other))
            .limit(DemoLayout.SEEDS)
            .map(DemoLayout.Node::clusterAddress)
            .collect(Collectors.toCollection(ArrayList::new));
        ready.add(first.clusterAddress());
        return String.join(",", ready);
    }

    /**
     * No more restarts; SIGTERM to every agent but node-1, then to node-1 once they are gone (node-1,
     * the oldest member, leads: it moves the others out at once; every node leaving together would
     * leave nobody to, and one of them waits out Akka's 10 s {@code cluster-exiting} phase); SIGKILL
     * to what is left after the bound.
     */
    private void stopAll() throws InterruptedException
    {
        if (jvms.isEmpty())
        {
            return;
        }
        jvms.forEach(SupervisedJvm::holdRestarts);
        final boolean anyAlive = jvms.stream().anyMatch(SupervisedJvm::alive);
        final long startedAt = System.nanoTime();
        if (anyAlive)
        {
            console.line("");
            console.event("stopping%s: SIGTERM to every agent (each leaves the cluster), SIGKILL after %s",
                signals.reason() == null ? "" : " (" + signals.reason() + ")", SupervisedJvm.seconds(options.stopTimeout()));
        }
        final long deadline = startedAt + options.stopTimeout().toNanos();
        final List<SupervisedJvm> others = jvms.subList(1, jvms.size());
        others.forEach(SupervisedJvm::stop);
        for (final SupervisedJvm agent : others)
        {
            agent.awaitStopped(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        jvms.get(0).stop();
        for (final SupervisedJvm agent : jvms)
        {
            agent.awaitStopped(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        for (final SupervisedJvm agent : jvms)
        {
            if (agent.alive())
            {
                troubled = true;
                console.event("%s did not stop within %s: SIGKILL", agent.name(),
                    SupervisedJvm.seconds(options.stopTimeout()));
                agent.kill();
            }
        }
        for (final SupervisedJvm agent : jvms)
        {
            if (!agent.awaitStopped(Duration.ofSeconds(10)))
            {
                troubled = true;
                console.error("podnet demo: %s's agent (pid %s) did not exit even after SIGKILL", agent.name(), agent.pids());
            }
            // a killed agent leaves its Aeron directory; its supervising thread removed it, unless it was still running
            agent.pids().forEach(pid -> agent.nodes().forEach(node -> TunnelConfig.removeAeronDirectories(node.name(), pid)));
        }
        if (anyAlive)
        {
            console.event("%s", jvms.stream()
                .map(agent -> agent.name() + " " + (agent.alive() ? "STILL RUNNING" : "exited " + agent.lastExitStatus()))
                .collect(Collectors.joining(", ", "stopped in " + since(startedAt) + ": ", "")));
        }
        troubled |= jvms.stream().anyMatch(agent -> agent.unexpectedExits() > 0);
    }

    private static String since(final long startedAt)
    {
        return SupervisedJvm.seconds(Duration.ofNanos(System.nanoTime() - startedAt));
    }

    /** A second Ctrl-C: SIGKILL to every agent, now. */
    private void killNow()
    {
        troubled = true;
        console.event("second signal: SIGKILL to every agent");
        jvms.forEach(SupervisedJvm::stop);
        killAll();
    }

    /** The JVM exits without the demo having stopped its agents (an error): SIGKILL to every agent. */
    private void killAll()
    {
        for (final SupervisedJvm agent : jvms)
        {
            agent.stop();
            agent.kill();
        }
    }

    private Path runDirectory() throws IOException
    {
        if (options.logDir() != null)
        {
            return Files.createDirectories(options.logDir()).toAbsolutePath();
        }
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        final String name = "podnet-demo-" + LocalDateTime.now().format(RUN_DIR_TIME);
        for (int attempt = 1; ; attempt++)
        {
            final Path dir = tmp.resolve(attempt == 1 ? name : name + "-" + attempt);
            try
            {
                return Files.createDirectory(dir);
            }
            catch (final FileAlreadyExistsException ex)
            {
                // two demos started in the same second: take the next name
            }
        }
    }

    private void finishLogs(final Path runDir, final int status)
    {
        final int exits = jvms.stream().mapToInt(SupervisedJvm::unexpectedExits).sum();
        if (status == 0 && !troubled && !options.keepLogs() && options.logDir() == null)
        {
            try (Stream<Path> tree = Files.walk(runDir))
            {
                for (final Path path : tree.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(path);
                }
                console.line("podnet demo: stopped; every agent left cleanly, logs removed (--keep-logs keeps them)");
                return;
            }
            catch (final IOException ex)
            {
                // keep what is left, and say where
            }
        }
        final String why = exits > 0 ? exits + " unexpected agent exit" + (exits == 1 ? "" : "s") :
            troubled ? "something went wrong" : "as asked";
        console.line("podnet demo: stopped; logs kept (%s) in %s", why, runDir);
    }
}
