package dev.podnet.agent.demo;

import dev.podnet.agent.RestartBackoff;
import dev.podnet.transport.TunnelConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * One demo agent JVM, kept running by its own thread, as a kubelet keeps a static pod: the agent process of one
 * node, or a pack of several nodes' agents ({@code podnet pack}, which restarts a removed or crashed agent itself).
 * <ol>
 *   <li>start the JVM, its output appended to its log (a header line per life);</li>
 *   <li>poll each node's {@code GET /api/v1/node} until it is Ready, and say so with its lease;</li>
 *   <li>wait for the process to exit; remove the Aeron directory it leaves when it did not stop
 *       cleanly ({@code podnet-<node>-<pid>-*} in /dev/shm, see {@code TunnelConfig.resolveAeronDir});</li>
 *   <li>unless the demo is stopping: an agent that never was Ready fails the demo's start
 *       ({@link #firstReady()} completes exceptionally); one that was is restarted after
 *       {@link RestartBackoff}'s delay, with the same settings (it gets its lease back from the
 *       cluster, and its {@code --pods} are created again).</li>
 * </ol>
 * {@link #stop()} ends the loop at any step: no new life starts after it, and the current one gets
 * SIGTERM (the agent leaves the cluster gracefully); {@link #kill()} sends SIGKILL.
 * <p>
 * The agent's standard input is a pipe from the demo, never written to and never closed by it while
 * the agent lives ({@link Process#getOutputStream()}, kept with the {@link Process}): it ends when the
 * demo's process ends, and the agent ({@code --stop-on-stdin-close}) stops then. Java closes every
 * other descriptor in the child, so no agent holds another one's pipe open. Signals go through the
 * {@link ProcessHandle}: {@link Process#destroy()} would close the pipe too, and the agent would take
 * SIGTERM for its supervisor's death (halting after 2 s instead of leaving the cluster in order).
 */
final class SupervisedJvm
{
    private static final Duration POLL = Duration.ofMillis(250);
    /** A restarted node not Ready after this long gets a warning (the first start fails the demo instead). */
    private static final Duration SLOW_RESTART = Duration.ofSeconds(90);

    private final List<DemoLayout.Node> nodes;
    private final AgentLaunch launch;
    /** The seeds for a start: (node, whether it is a restart) to comma-separated cluster addresses. */
    private final BiFunction<DemoLayout.Node, Boolean, String> seeds;
    private final Path log;
    private final DemoApi api;
    private final DemoConsole console;
    private final RestartBackoff backoff = new RestartBackoff();
    private final Map<DemoLayout.Node, NodeLife> lives = new LinkedHashMap<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final AtomicInteger unexpectedExits = new AtomicInteger();
    private final Thread thread;
    private final Object lock = new Object();
    private Process process; // guarded by lock
    private boolean stopping; // guarded by lock
    private volatile Integer lastExitStatus;

    /** What the demo knows of one node of this JVM. */
    private static final class NodeLife
    {
        final CompletableFuture<DemoApi.NodeStatus> firstReady = new CompletableFuture<>();
        volatile String lease;
        volatile Duration readyAfter;
    }

    SupervisedJvm(final List<DemoLayout.Node> nodes, final AgentLaunch launch, final BiFunction<DemoLayout.Node, Boolean, String> seeds,
        final Path log, final DemoApi api, final DemoConsole console)
    {
        this.nodes = List.copyOf(nodes);
        nodes.forEach(node -> lives.put(node, new NodeLife()));
        this.launch = launch;
        this.seeds = seeds;
        this.log = log;
        this.api = api;
        this.console = console;
        this.thread = new Thread(this::supervise, "podnet-demo-" + name());
        thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    List<DemoLayout.Node> nodes()
    {
        return nodes;
    }

    /** {@code node-3}, or {@code node-1..node-10} for a pack. */
    String name()
    {
        return nodes.size() == 1 ? nodes.get(0).name() : nodes.get(0).name() + ".." + nodes.get(nodes.size() - 1).name();
    }

    Path log()
    {
        return log;
    }

    /** Completes when {@code node} is Ready the first time; exceptionally when its JVM exits before. */
    CompletableFuture<DemoApi.NodeStatus> firstReady(final DemoLayout.Node node)
    {
        return lives.get(node).firstReady;
    }

    /** How long {@code node}'s first life took from its JVM's start to Ready; null until then. */
    Duration readyAfter(final DemoLayout.Node node)
    {
        return lives.get(node).readyAfter;
    }

    /** Every process this JVM has had, first life first. */
    List<Long> pids()
    {
        return List.copyOf(pids);
    }

    /** How many times the JVM exited while the demo was not stopping. */
    int unexpectedExits()
    {
        return unexpectedExits.get();
    }

    /** The status of the agent's last exit; null while none has exited. */
    Integer lastExitStatus()
    {
        return lastExitStatus;
    }

    boolean alive()
    {
        synchronized (lock)
        {
            return process != null && process.isAlive();
        }
    }

    /** No restart from now on (the running agent keeps running). */
    void holdRestarts()
    {
        synchronized (lock)
        {
            stopping = true;
            lock.notifyAll();
        }
    }

    /** No restart from now on; SIGTERM to the running agent. */
    void stop()
    {
        synchronized (lock)
        {
            holdRestarts();
            if (process != null && process.isAlive())
            {
                process.toHandle().destroy(); // not Process.destroy(): that also closes the agent's pipe
            }
        }
    }

    /** SIGKILL to the running agent (after {@link #stop()}: no restart follows). */
    void kill()
    {
        synchronized (lock)
        {
            if (process != null && process.isAlive())
            {
                process.toHandle().destroyForcibly();
            }
        }
    }

    /** Waits until the supervising thread has ended (after {@link #stop()}); true if it has. */
    boolean awaitStopped(final Duration limit) throws InterruptedException
    {
        thread.join(Math.max(1, limit.toMillis()));
        return !thread.isAlive();
    }

    /** The last {@code lines} lines of the node's log. */
    String logTail(final int lines)
    {
        try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8))
        {
            final List<String> kept = new ArrayList<>();
            all.forEach(line ->
            {
                kept.add(line);
                if (kept.size() > lines)
                {
                    kept.remove(0);
                }
            });
            return String.join(System.lineSeparator(), kept.stream().map(line -> "    | " + line).toList());
        }
        catch (final IOException | RuntimeException ex)
        {
            return "    (cannot read " + log + ": " + ex.getMessage() + ")";
        }
    }

    private void supervise()
    {
        int life = 0;
        while (true)
        {
            final boolean restart = life > 0;
            final Map<DemoLayout.Node, String> seedLists = new LinkedHashMap<>();
            nodes.forEach(node -> seedLists.put(node, seeds.apply(node, restart))); // may ask the other nodes: not under the lock
            final Process started;
            synchronized (lock)
            {
                if (stopping)
                {
                    return;
                }
                try
                {
                    started = launch(seedLists, life + 1);
                }
                catch (final IOException ex)
                {
                    lives.values().forEach(node -> node.firstReady.completeExceptionally(
                        new IllegalStateException("cannot start its agent: " + ex.getMessage(), ex)));
                    console.error("%s: cannot start its agent: %s", name(), ex.getMessage());
                    return;
                }
                process = started;
                pids.add(started.pid());
            }

            final long startedAt = System.nanoTime();
            awaitReady(started, restart, startedAt);
            final int status = awaitExit(started);
            lastExitStatus = status;
            nodes.forEach(node -> TunnelConfig.removeAeronDirectories(node.name(), started.pid()));

            final Duration delay;
            synchronized (lock)
            {
                if (stopping)
                {
                    return;
                }
                if (lives.values().stream().anyMatch(node -> !node.firstReady.isDone() || node.firstReady.isCompletedExceptionally()))
                {
                    lives.values().forEach(node -> node.firstReady.completeExceptionally(new AgentExitedException(status)));
                    return;
                }
                unexpectedExits.incrementAndGet();
                delay = backoff.next(Duration.ofNanos(System.nanoTime() - startedAt));
                console.event("%s exited with status %d%s; restarting in %s", name(), status, describe(status), seconds(delay));
                if (!RestartBackoff.awaitDelay(lock, () -> stopping, delay))
                {
                    return;
                }
            }
            life++;
        }
    }

    private Process launch(final Map<DemoLayout.Node, String> seedLists, final int life) throws IOException
    {
        final List<String> command = launch.command(nodes, seedLists::get);
        Files.writeString(log, String.format("==== podnet demo: %s, life %d, %s: %s%n", name(), life, LocalDateTime.now(),
            String.join(" ", command)), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        final ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE); // the agent's tie to this process: see the class comment
        AgentLaunch.cleanEnvironment(builder.environment());
        return builder.start();
    }

    /** Polls every node until it is Ready (and says so), the process exits, or the demo stops. */
    private void awaitReady(final Process started, final boolean restart, final long startedAt)
    {
        final List<DemoLayout.Node> waiting = new ArrayList<>(nodes);
        boolean warned = false;
        while (!waiting.isEmpty())
        {
            try
            {
                if (started.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS))
                {
                    return;
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (lock)
            {
                if (stopping)
                {
                    return;
                }
            }
            for (final java.util.Iterator<DemoLayout.Node> it = waiting.iterator(); it.hasNext(); )
            {
                final DemoLayout.Node node = it.next();
                final Duration took = Duration.ofNanos(System.nanoTime() - startedAt);
                DemoApi.NodeStatus status = null;
                try
                {
                    status = api.node(node);
                }
                catch (final IOException ex)
                {
                    // not listening yet
                }
                if (status != null && status.ready())
                {
                    announceReady(node, status, started.pid(), restart, took);
                    it.remove();
                }
                else if (restart && !warned && took.compareTo(SLOW_RESTART) > 0)
                {
                    warned = true;
                    console.event("%s is not Ready %s after its restart: %s (log: %s)", node.name(), seconds(took),
                        status == null ? "its API does not answer" : status.reason(), log);
                }
            }
        }
    }

    private void announceReady(final DemoLayout.Node node, final DemoApi.NodeStatus status, final long pid, final boolean restart,
        final Duration took)
    {
        final NodeLife life = lives.get(node);
        final String previous = life.lease;
        life.lease = status.cidr();
        if (!restart)
        {
            life.readyAfter = took;
            console.event("%-8s Ready  %-16s api %s:%d  pid %d  (%s)", node.name(), status.cidr(), DemoLayout.HOST, node.apiPort(),
                pid, seconds(took));
            life.firstReady.complete(status);
        }
        else
        {
            final String which = previous == null ? "" : previous.equals(status.cidr()) ?
                " (its lease before)" : " (a new lease: it had " + previous + ")";
            console.event("%s Ready again after %s: %s%s, pid %d%s", node.name(), seconds(took), status.cidr(), which, pid,
                node.pods().isEmpty() ? "" : ", pods " + String.join(" ", node.pods()) + " created again");
        }
    }

    private static int awaitExit(final Process started)
    {
        while (true)
        {
            try
            {
                return started.waitFor();
            }
            catch (final InterruptedException ex)
            {
                // the supervising thread is not interrupted by the demo: keep waiting for the exit
            }
        }
    }

    /** What an exit status usually means for an agent. */
    static String describe(final int status)
    {
        return switch (status)
        {
            case 0 -> "";
            case 1 -> " (it could not start: see its log)";
            case 2 -> " (a bad setting: see its log)";
            case 3 -> " (removed from the cluster)";
            case 130 -> " (SIGINT)";
            case 137 -> " (SIGKILL)";
            case 143 -> " (SIGTERM)";
            default -> status > 128 && status < 160 ? " (signal " + (status - 128) + ")" : "";
        };
    }

    static String seconds(final Duration duration)
    {
        final long millis = duration.toMillis();
        return millis < 10_000 && millis % 1000 != 0 ?
            String.format("%.1f s", millis / 1000.0) : (millis + 500) / 1000 + " s";
    }

    /** The agent exited before it was Ready. */
    static final class AgentExitedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final int status;

        AgentExitedException(final int status)
        {
            super("exited with status " + status + describe(status) + " before it was Ready");
            this.status = status;
        }

        int status()
        {
            return status;
        }
    }
}
