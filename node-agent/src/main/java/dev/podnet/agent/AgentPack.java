package dev.podnet.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Several cluster-mode node agents in one JVM ({@code podnet pack}): each keeps its own Akka cluster member,
 * Aeron tunnel (and media driver), data plane and API port, exactly as an agent process has them; what they
 * share is the JVM's classes, compiled code, heap and garbage collector. That is what makes fifty nodes fit a
 * laptop: the classes alone are ~80 MB per JVM (docs/BENCHMARKS.md, "Idle agents").
 * <p>
 * Agents start {@value #STARTING} at a time in the order given, the next as soon as one is Ready ({@link StartGate}): the
 * first is the one that forms the cluster when the pack is the first. Each agent runs on a thread of its own
 * that supervises it as {@code podnet demo} supervises an agent process: it
 * starts the agent (blocking until Ready), waits for its end, and restarts it after {@link RestartBackoff}'s delay
 * when the cluster removed it (status {@value ClusterAgent#EXIT_REMOVED}) or it crashed on request
 * ({@code POST /api/v1/nodes/NODE/crash}, status {@value ClusterAgent#EXIT_CRASHED}: {@link ClusterAgent#crash()}
 * stops its control plane, tunnel, data plane and API at once, without leaving the cluster, as SIGKILL would stop a
 * process). A restart joins through the agents' seeds and its pack mates (five at most), itself last, so that node-1
 * restarted joins the running cluster instead of forming a second one.
 * <p>
 * An agent that cannot start the first time fails the whole pack ({@link #start} throws, the others stopped): a
 * supervisor sees one exit, with the reason in the log. {@link #close()} stops every agent but the first at once,
 * then the first (the oldest member leads the others out; every node leaving at the same moment makes one of them
 * wait out Akka's {@code cluster-exiting} phase).
 */
public final class AgentPack implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AgentPack.class);
    /** Whom a restarted agent asks to join: the seeds, then its pack mates, at most this many (each is asked every second). */
    private static final int RESTART_SEEDS = 5;
    /**
     * How many agents of a pack start at once (the others wait for one of them to be Ready). Ten at once in a JVM that
     * has just started (classes loading, one compiler thread behind) delayed their heartbeats by seconds while they
     * joined a running cluster, and the split brain resolver downed them.
     */
    static final int STARTING = 4;

    private final List<Slot> slots = new ArrayList<>();
    /** First starts under way at once: see {@link #STARTING}. */
    private final StartGate starting = new StartGate(STARTING);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private AgentPack(final List<AgentSettings> agents)
    {
        final Set<String> candidates = new LinkedHashSet<>();
        agents.forEach(settings -> candidates.addAll(settings.cluster().seeds()));
        agents.forEach(settings -> candidates.add(settings.cluster().address()));
        for (final AgentSettings settings : agents)
        {
            final List<String> restartSeeds = new ArrayList<>(candidates.stream()
                .filter(address -> !address.equals(settings.cluster().address())).limit(RESTART_SEEDS).toList());
            restartSeeds.add(settings.cluster().address());
            slots.add(new Slot(settings, slots.size(), restartSeeds, starting));
        }
    }

    /**
     * Starts every agent at once and blocks until each is Ready.
     *
     * @param agents cluster-mode settings, one per agent, with distinct names and ports
     * @throws IllegalStateException naming the first agent that could not start, and why (the others are stopped)
     */
    public static AgentPack start(final List<AgentSettings> agents)
    {
        if (agents.isEmpty())
        {
            throw new IllegalArgumentException("a pack of no agents");
        }
        final AgentPack pack = new AgentPack(agents);
        pack.slots.forEach(Slot::start);
        try
        {
            for (final Slot slot : pack.slots)
            {
                slot.firstReady.join();
            }
        }
        catch (final RuntimeException ex)
        {
            pack.close();
            final Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            throw new IllegalStateException(cause.getMessage(), cause);
        }
        return pack;
    }

    /** The agents' names, in the order given. */
    public List<String> nodeNames()
    {
        return slots.stream().map(slot -> slot.settings.nodeName()).toList();
    }

    /** The running agent of {@code node} (null between two lives). */
    public ClusterAgent agent(final String node)
    {
        return slots.stream().filter(slot -> slot.settings.nodeName().equals(node)).findFirst()
            .map(slot -> slot.current).orElseThrow(() -> new IllegalArgumentException("no node " + node + " in this pack"));
    }

    /** How many times {@code node}'s agent has started (1 until its first restart). */
    public int lives(final String node)
    {
        return slots.stream().filter(slot -> slot.settings.nodeName().equals(node)).findFirst()
            .map(slot -> slot.lives).orElseThrow(() -> new IllegalArgumentException("no node " + node + " in this pack"));
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException
    {
        stopped.await();
    }

    /** No more restarts; every agent but the first leaves the cluster, at once, then the first. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            slots.forEach(Slot::holdRestarts);
            final List<CompletableFuture<Void>> others = new ArrayList<>();
            for (final Slot slot : slots.subList(1, slots.size()))
            {
                others.add(CompletableFuture.runAsync(slot::stop, runnable ->
                {
                    final Thread thread = new Thread(runnable, "podnet-pack-stop-" + slot.settings.nodeName());
                    thread.start();
                }));
            }
            others.forEach(CompletableFuture::join);
            slots.get(0).stop();
        }
        finally
        {
            stopped.countDown();
        }
    }

    /**
     * First starts in the pack's order, at most {@code window} at once: the agent at index i begins once i - window + 1
     * first starts have ended (Ready or failed). A semaphore let the agents in in whatever order their threads reached
     * it: with node-1 (the seed that forms the cluster) fifth, the four ahead waited to join a cluster nobody formed, and
     * node-1 waited for them.
     */
    static final class StartGate
    {
        private final int window;
        private int ended; // guarded by this

        StartGate(final int window)
        {
            this.window = window;
        }

        synchronized void await(final int index)
        {
            boolean interrupted = false;
            while (index >= ended + window)
            {
                try
                {
                    wait();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }

        synchronized void ended()
        {
            ended++;
            notifyAll();
        }
    }

    /** One agent, kept running by its own thread. */
    private static final class Slot
    {
        private final AgentSettings settings;
        private final List<String> restartSeeds;
        private final CompletableFuture<Void> firstReady = new CompletableFuture<>();
        private final RestartBackoff backoff = new RestartBackoff();
        private final Thread thread;
        private final int index;
        private final StartGate starting;
        private final Object lock = new Object();
        private boolean stopping; // guarded by lock
        private volatile ClusterAgent current;
        private volatile int lives;

        Slot(final AgentSettings settings, final int index, final List<String> restartSeeds, final StartGate starting)
        {
            this.settings = settings;
            this.index = index;
            this.starting = starting;
            this.restartSeeds = List.copyOf(restartSeeds);
            this.thread = new Thread(this::supervise, "podnet-pack-" + settings.nodeName());
            thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        void holdRestarts()
        {
            synchronized (lock)
            {
                stopping = true;
                lock.notifyAll();
            }
        }

        /** Stops the running agent (it leaves the cluster) and waits for the supervising thread. */
        void stop()
        {
            holdRestarts();
            final ClusterAgent agent = current;
            if (agent != null)
            {
                agent.close();
            }
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        private void supervise()
        {
            while (true)
            {
                final boolean restart = lives > 0;
                final ClusterAgent agent = new ClusterAgent(restart ? settings.withSeeds(restartSeeds) : settings, status ->
                {
                    // the agent has closed itself already; this thread sees its end and restarts it
                }, ClusterAgent.LEASE_WAIT, ClusterAgent.Hosting.PACKED);
                synchronized (lock)
                {
                    if (stopping)
                    {
                        firstReady.completeExceptionally(new IllegalStateException("node " + settings.nodeName() +
                            ": the pack stopped before it started"));
                        if (!restart)
                        {
                            starting.ended(); // the agents after it in the gate must not wait for it
                        }
                        return;
                    }
                    current = agent;
                    lives++;
                }
                if (!restart)
                {
                    starting.await(index);
                }
                final long startedAt = System.nanoTime();
                try
                {
                    agent.start();
                    firstReady.complete(null);
                    if (restart)
                    {
                        LOG.info("node {} Ready again after {} ms (life {})", settings.nodeName(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), lives);
                    }
                }
                catch (final Exception ex) // Akka throws checked exceptions it does not declare (a bind timeout)
                {
                    agent.close();
                    if (!restart)
                    {
                        firstReady.completeExceptionally(new IllegalStateException(
                            "node " + settings.nodeName() + " cannot start: " + ex.getMessage(), ex));
                        return;
                    }
                    LOG.warn("node {} could not start again: {}", settings.nodeName(), ex.getMessage());
                }
                finally
                {
                    if (!restart)
                    {
                        starting.ended();
                    }
                }
                try
                {
                    agent.awaitClose();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (!awaitRestart(agent.exitStatus(), Duration.ofNanos(System.nanoTime() - startedAt)))
                {
                    return;
                }
            }
        }

        /** After an agent's end: false when the pack is stopping, else true once the back-off's delay has passed. */
        private boolean awaitRestart(final int status, final Duration lived)
        {
            synchronized (lock)
            {
                if (stopping)
                {
                    return false;
                }
                final Duration delay = backoff.next(lived);
                LOG.warn("node {} ended with status {}{}; starting it again in {} ms", settings.nodeName(), status,
                    status == ClusterAgent.EXIT_REMOVED ? " (removed from the cluster)" :
                        status == ClusterAgent.EXIT_CRASHED ? " (crashed on request)" : "", delay.toMillis());
                return RestartBackoff.awaitDelay(lock, () -> stopping, delay);
            }
        }
    }
}
