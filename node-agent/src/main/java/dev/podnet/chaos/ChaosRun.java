package dev.podnet.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Chaos scenarios against a running cluster of node-agent containers, watched throughout:
 * <ol>
 *   <li>every node probes every pod from its pods continuously (ping and UDP, {@value #PROBE_INTERVAL_MS}
 *       ms apart, each logged with its time and result) and the run collects those logs; it also samples
 *       every node's view (nodes, pods, routes) every {@value #SAMPLE_MS} ms;</li>
 *   <li>the fault is injected ({@link Scenario}); the run records when the survivors noticed (a victim
 *       listed not Ready), when their routes to it were withdrawn, when it was healed, when it was Ready
 *       again and when traffic to its pods was restored ({@link Milestone});</li>
 *   <li>the invariants are judged ({@link ChaosVerdicts}) from the probe log, the samples, the
 *       containers' states and logs ({@link Report#verdicts()}).</li>
 * </ol>
 * Each step waits for its milestone within a bound; one that does not come is a failed verdict that
 * names it, never an exception: the run heals what it broke and judges what it saw. Only the bad
 * {@code docker} command line or a cluster too small for the scenario end it with an exception, before
 * any fault.
 * <p>
 * {@link #run} runs one scenario. A soak ({@link ChaosSoak}) runs many back to back under one watch:
 * each fault is judged on the stretch of time since the previous one ended (its segment), so that every
 * probe sent is judged exactly once, and the probe log is pruned as it goes.
 * <p>
 * Uses the {@code docker} command line for the faults ({@link DockerCli}) and each agent's API.
 */
public final class ChaosRun
{
    public static final int PROBE_INTERVAL_MS = 250;
    public static final int PROBE_TIMEOUT_MS = 1_000;
    static final int SAMPLE_MS = 500;
    /** From the fault to every survivor's routes to the victim withdrawn. */
    public static final Duration DETECTION_BOUND = Duration.ofSeconds(15);
    /** From the heal (container started or reconnected) to the victim's pods reachable from every pod again. */
    public static final Duration RECOVERY_BOUND = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(180);
    private static final Pattern ERROR_LINE = Pattern.compile("^\\S+\\s+ERROR\\s");
    /** ERROR lines a scenario expects; any other ERROR line fails it. */
    private static final Pattern EXPECTED_ERRORS = Pattern.compile(
        "was removed from the cluster|Cluster Node .* Shutting down myself|SBR took decision DownSelf" +
            "|split.brain|Leader can perform its duties|Association with remote system .* has failed");

    /** The scenarios: what is done to which nodes. */
    public enum Scenario
    {
        KILL_ONE("kill-one", "SIGKILL one agent (not the lease allocator's), start it again later"),
        KILL_ALLOCATOR("kill-allocator", "SIGKILL the agent that hosts the lease allocator singleton, start it again"),
        KILL_TWO("kill-two", "SIGKILL two of the agents at once, start both again"),
        PARTITION("partition", "disconnect one node from the network (a minority of one), then reconnect it"),
        ROLLING_RESTART("rolling-restart", "restart every agent (SIGTERM, start), one after another");

        private final String label;
        private final String description;

        Scenario(final String label, final String description)
        {
            this.label = label;
            this.description = description;
        }

        public String label()
        {
            return label;
        }

        public String description()
        {
            return description;
        }

        /** By its label ({@code kill-one}…); a clear error listing them otherwise. */
        public static Scenario of(final String label)
        {
            for (final Scenario scenario : values())
            {
                if (scenario.label.equals(label))
                {
                    return scenario;
                }
            }
            final List<String> labels = new ArrayList<>();
            for (final Scenario scenario : values())
            {
                labels.add(scenario.label);
            }
            throw new IllegalArgumentException("unknown scenario '" + label + "' (one of " + String.join(", ", labels) + ")");
        }
    }

    /** Something that happened, for the timeline. */
    public record Event(long at, String what)
    {
    }

    /** A step of a scenario the run waits for, in order; the verdicts name one that did not happen. */
    public enum Milestone
    {
        CONVERGED("converged before the fault"),
        FAULT("fault injected"),
        DETECTED("detected"),
        WITHDRAWN("routes withdrawn"),
        HEALED("healed"),
        READY_AGAIN("Ready again"),
        RESTORED("traffic restored");

        private final String label;

        Milestone(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    /** One invariant's verdict. */
    public record Verdict(String invariant, boolean held, String detail)
    {
    }

    /**
     * A fault's outcome: the timeline, the verdicts, and the figures measured by name: {@code detected},
     * {@code withdrawn} (ms from the fault), {@code ready-again}, {@code restored} (ms from the heal), the
     * probes judged ({@code probes}, {@code probes-failed}, {@code probes-untouched},
     * {@code probes-untouched-failed}), {@code duplicates} (CIDRs or IPs seen held twice) and
     * {@code restarts-unexpected} (agent restarts no fault caused). A figure whose milestone did not
     * happen is absent, and {@code missing} names the milestone.
     */
    public record Report(Scenario scenario, long startedAt, List<String> victims, List<Event> timeline,
                         List<Verdict> verdicts, Map<String, Long> measured, List<String> missing)
    {
        public boolean passed()
        {
            return verdicts.stream().allMatch(Verdict::held);
        }

        /** Whether the fault was injected at all (not when the cluster never converged before it). */
        public boolean injected()
        {
            return missing.stream().noneMatch(step -> step.startsWith(Milestone.CONVERGED.label()) ||
                step.startsWith(Milestone.FAULT.label()));
        }

        /** A figure, 0 when absent. */
        public long figure(final String name)
        {
            return measured.getOrDefault(name, 0L);
        }

        /** The timeline (seconds from the start), the figures and the verdicts, as a terminal shows them. */
        public String format()
        {
            final StringBuilder out = new StringBuilder();
            out.append("scenario ").append(scenario.label()).append(" (").append(scenario.description()).append("), victims ")
                .append(String.join(", ", victims)).append('\n');
            out.append("timeline (seconds from ").append(Instant.ofEpochMilli(startedAt)).append("):\n");
            for (final Event event : timeline)
            {
                out.append(String.format("  %6.1f s  %s%n", (event.at() - startedAt) / 1000.0, event.what()));
            }
            out.append("measured:");
            measured.forEach((name, value) -> out.append(' ').append(name).append('=').append(value));
            out.append('\n').append("invariants:\n");
            for (final Verdict verdict : verdicts)
            {
                out.append("  ").append(verdict.held() ? "PASS" : "FAIL").append("  ").append(verdict.invariant())
                    .append(": ").append(verdict.detail()).append('\n');
            }
            out.append(passed() ? "all invariants held" : "INVARIANTS VIOLATED").append('\n');
            return out.toString();
        }
    }

    /**
     * One probe as a node logged it; {@code since}, for a TCP probe, when the connection it went on was opened (epoch ms,
     * 0 when unknown or another kind).
     */
    record Probe(String observer, long at, String from, String to, String kind, boolean ok, String result, long since)
    {
        Probe(final String observer, final long at, final String from, final String to, final String kind, final boolean ok,
            final String result)
        {
            this(observer, at, from, to, kind, ok, result, 0);
        }
    }

    private final ChaosCluster cluster;
    private final Consumer<String> progress;
    private final List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
    /** Every time a sample saw two nodes with one CIDR or two live pods with one IP: (epoch ms, what). */
    private final List<Event> violations = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> apiFailures = new ConcurrentHashMap<>();
    private final long startedAt = System.currentTimeMillis();
    /** Pod to node, as the cluster had them when it last converged. */
    private final Map<String, String> podNode = new ConcurrentHashMap<>();
    private volatile boolean sampling;
    private Thread sampler;
    /** Where the next fault's segment starts (epoch ms); 0 until the watch has started. */
    private long segmentStart;
    /**
     * Every fault window of the faults judged so far, by node: a long-lived TCP connection judged in a later segment
     * may have been opened before one of them (and a connection to a pod whose node restarted is rightly reset).
     */
    private final Map<String, List<long[]>> pastWindows = new HashMap<>();

    /** @param progress gets a line for each step, as it happens */
    public ChaosRun(final ChaosCluster cluster, final Consumer<String> progress)
    {
        this.cluster = cluster;
        this.progress = progress;
    }

    /**
     * Runs {@code scenario} and judges it. Blocks for its duration (about a minute, more for a rolling
     * restart, at most the milestones' bounds).
     *
     * @throws IllegalArgumentException when the cluster has too few nodes for the scenario
     */
    public Report run(final Scenario scenario)
    {
        requireEnoughNodes(scenario, cluster.nodes().size());
        note("scenario " + scenario.label() + ": " + scenario.description());
        final Optional<Report> notConverged = startWatching(scenario);
        if (notConverged.isPresent())
        {
            return notConverged.get();
        }
        try
        {
            return fault(scenario, null);
        }
        finally
        {
            stopWatching();
        }
    }

    /**
     * Once every node is Ready in every node's view, the probes and the samples start, and the first
     * segment 3 s later. When the cluster does not converge within the bound, nothing starts: the report
     * of a {@code first} that never started says so.
     */
    Optional<Report> startWatching(final Scenario first)
    {
        final Fault fault = new Fault(first);
        if (!fault.awaitConverged())
        {
            return Optional.of(fault.judge());
        }
        for (final String node : cluster.nodes())
        {
            startProbing(node);
        }
        sampling = true;
        sampler = new Thread(this::sample, "podnet-chaos-sampler");
        sampler.setDaemon(true);
        sampler.start();
        pause(Duration.ofSeconds(3));
        segmentStart = System.currentTimeMillis();
        return Optional.empty();
    }

    void stopWatching()
    {
        sampling = false;
        try
        {
            sampler.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One fault while the watch runs ({@link #startWatching}): waits until the cluster has converged,
     * injects, heals, and judges the segment from the end of the previous one to now.
     *
     * @param draw where the victims are drawn from among the nodes the scenario may hit; null: the
     *             youngest of them, always the same (a single run)
     */
    Report fault(final Scenario scenario, final Random draw)
    {
        final Fault fault = new Fault(scenario);
        if (fault.awaitConverged())
        {
            fault.restartsAtStart = restartCounts();
            fault.leasesAtStart = leases();
            apiFailures.clear();
            fault.victims = victims(scenario, draw);
            if (scenario == Scenario.ROLLING_RESTART)
            {
                fault.rollingRestart();
            }
            else
            {
                fault.breakAndHeal();
            }
            pause(Duration.ofSeconds(3));
        }
        return fault.judge();
    }

    // ------------------------------------------------------------------ faults

    /**
     * The faults must leave a majority running (the split brain resolver keeps the majority side): at
     * least 3 nodes, and 5 to lose two at once.
     *
     * @throws IllegalArgumentException saying how many nodes the scenario needs
     */
    public static void requireEnoughNodes(final Scenario scenario, final int nodes)
    {
        final int needed = scenario == Scenario.KILL_TWO ? 5 : 3;
        if (nodes < needed)
        {
            throw new IllegalArgumentException("scenario " + scenario.label() + " needs at least " + needed +
                " nodes, so that a majority survives the fault (this cluster has " + nodes + ")");
        }
    }

    /** The allocator's node for kill-allocator, every node for the rolling restart, else nodes that do not host it. */
    private List<String> victims(final Scenario scenario, final Random draw)
    {
        final String allocator = allocator();
        final List<String> others = new ArrayList<>(cluster.nodes());
        others.remove(allocator);
        Collections.reverse(others); // the youngest first: the last node
        if (draw != null)
        {
            Collections.shuffle(others, draw);
        }
        switch (scenario)
        {
            case KILL_ALLOCATOR:
                return List.of(allocator);
            case KILL_TWO:
                return List.of(others.get(1), others.get(0));
            case ROLLING_RESTART:
                return cluster.nodes();
            default:
                return List.of(others.get(0));
        }
    }

    /**
     * One fault: its timeline, the milestones it reached, those it did not, and what the verdicts need.
     * Only the thread running the fault touches it.
     */
    private final class Fault
    {
        final Scenario scenario;
        final long segmentFrom = segmentStart;
        final List<Event> timeline = new ArrayList<>();
        final Map<Milestone, Long> reached = new EnumMap<>(Milestone.class);
        final List<String> missing = new ArrayList<>();
        final Map<String, Long> measured = new LinkedHashMap<>();
        final Map<String, long[]> windows = new HashMap<>(); // node -> [fault, restored] epoch ms
        List<String> victims = List.of();
        Map<String, String> leasesAtStart = Map.of();
        Map<String, Integer> restartsAtStart = Map.of();

        Fault(final Scenario scenario)
        {
            this.scenario = scenario;
        }

        boolean awaitConverged()
        {
            return await(Milestone.CONVERGED, "every node Ready in every node's view", CONVERGE, () ->
            {
                for (final String observer : cluster.nodes())
                {
                    final JsonNode nodes = cluster.get(observer, "/api/v1/nodes");
                    if (nodes == null || nodes.size() != cluster.nodes().size())
                    {
                        return false;
                    }
                    for (final JsonNode node : nodes)
                    {
                        if (!"Ready".equals(node.path("status").asText()))
                        {
                            return false;
                        }
                    }
                }
                final JsonNode pods = cluster.get(cluster.nodes().get(0), "/api/v1/pods");
                if (pods == null)
                {
                    return false;
                }
                podNode.clear();
                pods.forEach(pod -> podNode.put(pod.path("name").asText(), pod.path("node").asText()));
                return true;
            }) > 0;
        }

        /** Kill, kill two, partition: inject, wait for detection and withdrawal, heal, wait for recovery. */
        void breakAndHeal()
        {
            final long fault = inject();
            long withdrawn = -1;
            if (missing.isEmpty())
            {
                final long detected = await(Milestone.DETECTED, "every survivor to list " + victims + " as not Ready",
                    DETECTION_BOUND.plusSeconds(15), this::detected);
                if (detected > 0)
                {
                    note(detected, "detected: every survivor lists " + String.join(", ", victims) + " as not Ready (+" +
                        (detected - fault) + " ms)");
                }
                withdrawn = await(Milestone.WITHDRAWN, "every survivor to withdraw its routes to " + victimCidrs(),
                    DETECTION_BOUND.plusSeconds(15), this::withdrawn);
                if (withdrawn > 0)
                {
                    note(withdrawn, "routes withdrawn: no survivor routes to " + String.join(", ", victimCidrs()) + " (+" +
                        (withdrawn - fault) + " ms)");
                }
                figure("detected", fault, detected);
                figure("withdrawn", fault, withdrawn);
                pause(Duration.ofSeconds(5)); // traffic to the victims' pods meets ICMP unreachable meanwhile
            }
            final long healed = heal(); // whatever was injected: the cluster must be whole again for what follows
            figure("unreachable-window", withdrawn, healed);
            long ready = 0;
            for (final String victim : victims)
            {
                final long at = awaitReadyEverywhere(victim);
                ready = at < 0 || ready < 0 ? -1 : Math.max(ready, at);
            }
            final long restored = ready > 0 ? awaitRestored(healed) : notAwaited(Milestone.RESTORED);
            figure("ready-again", healed, ready);
            figure("restored", healed, restored);
            final long end = restored > 0 ? restored : System.currentTimeMillis();
            for (final String victim : victims)
            {
                windows.put(victim, new long[] {fault, end});
            }
        }

        /** Every node in turn: SIGTERM, start, Ready everywhere, every pair passes; stops at a step that does not come. */
        void rollingRestart()
        {
            for (final String node : cluster.nodes())
            {
                final long fault = event(Milestone.FAULT, node + ": SIGTERM (docker stop)");
                final DockerCli.Result stopped = cluster.docker().stop(cluster.container(node), 30);
                final long healed = event(Milestone.HEALED, node + ": started again (docker start)");
                final DockerCli.Result started = cluster.docker().start(cluster.container(node));
                cluster.forget(node);
                if (!stopped.ok() || !started.ok())
                {
                    missed(Milestone.HEALED, node + ": docker stop/start failed: " + (stopped.ok() ? started : stopped).output().trim());
                }
                final long ready = awaitReadyEverywhere(node);
                final long restored = ready > 0 ? awaitRestored(healed) : notAwaited(Milestone.RESTORED);
                windows.put(node, new long[] {fault, restored > 0 ? restored : System.currentTimeMillis()});
                if (ready < 0 || restored < 0)
                {
                    return; // the next restart would break a cluster that is not whole
                }
                measured.merge("ready-again", ready - healed, Math::max);
                measured.merge("restored", restored - healed, Math::max);
            }
        }

        /** The fault on every victim: when it was injected; a missing milestone when docker refused it on one. */
        private long inject()
        {
            final long at = event(Milestone.FAULT, (scenario == Scenario.PARTITION ? "partitioned " : "SIGKILL ") +
                String.join(", ", victims) + (scenario == Scenario.KILL_ALLOCATOR ? " (the lease allocator's node)" : ""));
            for (final String victim : victims)
            {
                final DockerCli.Result result = scenario == Scenario.PARTITION ?
                    cluster.docker().disconnect(cluster.network(), cluster.container(victim)) :
                    cluster.docker().kill(cluster.container(victim));
                cluster.forget(victim);
                if (!result.ok())
                {
                    missed(Milestone.FAULT, "on " + victim + ": " + result.output().trim());
                }
            }
            return at;
        }

        private long heal()
        {
            final long at = event(Milestone.HEALED, (scenario == Scenario.PARTITION ? "reconnected " : "started again ") +
                String.join(", ", victims));
            for (final String victim : victims)
            {
                final DockerCli.Result result = scenario == Scenario.PARTITION ?
                    cluster.docker().connect(cluster.network(), cluster.container(victim), victim) :
                    cluster.docker().start(cluster.container(victim));
                cluster.forget(victim);
                if (!result.ok() && !(scenario == Scenario.PARTITION && result.output().contains("already exists")))
                {
                    missed(Milestone.HEALED, victim + ": " + result.output().trim());
                }
            }
            return at;
        }

        private boolean detected()
        {
            return survivors(victims).stream().allMatch(survivor ->
            {
                final JsonNode nodes = cluster.get(survivor, "/api/v1/nodes");
                return nodes != null && victims.stream().allMatch(victim -> !"Ready".equals(status(nodes, victim)));
            });
        }

        private boolean withdrawn()
        {
            final Set<String> cidrs = victimCidrs();
            return survivors(victims).stream().allMatch(survivor ->
            {
                final JsonNode routes = cluster.get(survivor, "/api/v1/routes");
                if (routes == null)
                {
                    return false;
                }
                for (final JsonNode route : routes)
                {
                    if (cidrs.contains(route.path("cidr").asText()))
                    {
                        return false;
                    }
                }
                return true;
            });
        }

        private Set<String> victimCidrs()
        {
            final Set<String> cidrs = new TreeSet<>();
            for (final String victim : victims)
            {
                if (leasesAtStart.get(victim) != null)
                {
                    cidrs.add(leasesAtStart.get(victim));
                }
            }
            return cidrs;
        }

        private long awaitReadyEverywhere(final String node)
        {
            final long at = await(Milestone.READY_AGAIN, "every node to list " + node + " as Ready again", CONVERGE,
                () -> cluster.nodes().stream().allMatch(observer ->
                {
                    final JsonNode nodes = cluster.get(observer, "/api/v1/nodes");
                    return nodes != null && "Ready".equals(status(nodes, node));
                }));
            if (at > 0)
            {
                final String cidr = cidrOf(node);
                note(at, node + " Ready again in every node's view, lease " + cidr +
                    (cidr != null && cidr.equals(leasesAtStart.get(node)) ? " (its own from before)" :
                        " (NOT its lease from before: " + leasesAtStart.get(node) + ")"));
            }
            return at;
        }

        /** When every pod reaches every pod again (an all-pairs check passes), after the victims' heal. */
        private long awaitRestored(final long healed)
        {
            final String asker = survivors(victims).isEmpty() ? cluster.nodes().get(0) : survivors(victims).get(0);
            final long at = await(Milestone.RESTORED, "an all-pairs check from " + asker + " to pass again",
                RECOVERY_BOUND.plusSeconds(30), () ->
                {
                    final JsonNode check = cluster.post(asker, "/api/v1/check", "{\"timeoutMs\":1000}");
                    return check != null && check.path("failed").isEmpty() && check.path("pairs").asInt() > 0;
                });
            if (at > 0)
            {
                note(at, "traffic restored: an all-pairs check from " + asker + " passes (+" + (at - healed) + " ms after the heal)");
            }
            return at;
        }

        /** When {@code condition} held, within {@code limit}; -1, the milestone recorded as missing, when it did not. */
        private long await(final Milestone milestone, final String what, final Duration limit, final BooleanSupplier condition)
        {
            final long deadline = System.nanoTime() + limit.toNanos();
            while (!condition.getAsBoolean())
            {
                if (System.nanoTime() > deadline)
                {
                    missed(milestone, "waited " + limit.toSeconds() + " s for " + what);
                    return -1;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            final long at = System.currentTimeMillis();
            reached.putIfAbsent(milestone, at);
            return at;
        }

        /** A milestone not waited for, because one before it did not come: missing too. */
        private long notAwaited(final Milestone milestone)
        {
            missed(milestone, "not awaited: " + Milestone.READY_AGAIN.label() + " did not come first");
            return -1;
        }

        private void missed(final Milestone milestone, final String detail)
        {
            final String step = milestone.label() + " never happened: " + detail;
            missing.add(step);
            note(System.currentTimeMillis(), "MISSING: " + step);
        }

        private long event(final Milestone milestone, final String what)
        {
            final long at = System.currentTimeMillis();
            reached.putIfAbsent(milestone, at);
            note(at, what);
            return at;
        }

        private void note(final long at, final String what)
        {
            timeline.add(new Event(at, what));
            progress.accept(String.format("%6.1f s  %s", (at - startedAt) / 1000.0, what));
        }

        /** {@code name} = to - from, when both milestones were reached. */
        private void figure(final String name, final long from, final long to)
        {
            if (from > 0 && to > 0)
            {
                measured.put(name, to - from);
            }
        }

        /**
         * Judges the segment: the probes sent since the previous fault's segment ended, up to a probe
         * timeout (and a sample) before now, so that each of them has its result; the next segment starts
         * there.
         */
        Report judge()
        {
            final long segmentEnd = System.currentTimeMillis() - PROBE_TIMEOUT_MS - SAMPLE_MS;
            if (segmentFrom > 0)
            {
                collect(); // the watch runs: what the nodes logged up to now
            }
            final List<Probe> judged = new ArrayList<>();
            synchronized (probes)
            {
                for (final Probe probe : probes)
                {
                    if (probe.at() >= segmentFrom && probe.at() < segmentEnd)
                    {
                        judged.add(probe);
                    }
                }
                probes.removeIf(probe -> probe.at() < segmentEnd);
            }
            final List<String> duplicates = violations.stream()
                .filter(violation -> violation.at() >= segmentFrom && violation.at() < segmentEnd).map(Event::what).toList();
            violations.removeIf(violation -> violation.at() < segmentEnd);
            if (segmentFrom > 0)
            {
                segmentStart = segmentEnd;
            }
            final Map<String, Integer> restartsNow = restartCounts();
            final List<String> notRunning = cluster.nodes().stream().filter(node -> !running(node)).toList();
            final long majorityFailures = survivors(victims).stream()
                .mapToLong(node -> apiFailures.getOrDefault(node, new AtomicLong()).get()).sum();
            final boolean injected = missing.stream().noneMatch(step -> step.startsWith(Milestone.CONVERGED.label()));
            final Map<String, List<long[]>> everyWindow = new HashMap<>();
            pastWindows.forEach((node, past) -> everyWindow.put(node, new ArrayList<>(past)));
            windows.forEach((node, window) -> everyWindow.computeIfAbsent(node, key -> new ArrayList<>()).add(window));
            final ChaosVerdicts.Observations seen = new ChaosVerdicts.Observations(scenario, cluster.nodes(), victims, judged,
                Map.copyOf(podNode), everyWindow, Map.copyOf(reached), List.copyOf(missing), measured, duplicates, leasesAtStart,
                injected ? leases() : leasesAtStart, injected ? strayRoutes() : List.of(), restartsAtStart, restartsNow,
                notRunning, majorityFailures, injected ? unexpectedErrors(segmentFrom > 0 ? segmentFrom : startedAt) : List.of(),
                startedAt);
            final List<Verdict> verdicts = ChaosVerdicts.judge(seen);
            windows.forEach((node, window) -> pastWindows.computeIfAbsent(node, key -> new ArrayList<>()).add(window));
            final Report report = new Report(scenario, startedAt, victims, List.copyOf(timeline), verdicts, measured,
                List.copyOf(missing));
            progress.accept("scenario " + scenario.label() + ": " + (report.passed() ? "all invariants held" : "INVARIANTS VIOLATED"));
            return report;
        }
    }

    // ------------------------------------------------------------------ watching

    private void startProbing(final String node)
    {
        final JsonNode started = cluster.post(node, "/api/v1/nodes/" + node + "/probes",
            "{\"intervalMs\":" + PROBE_INTERVAL_MS + ",\"timeoutMs\":" + PROBE_TIMEOUT_MS + "}");
        if (started != null)
        {
            lastSeq.put(node, started.path("next").asLong(0));
        }
    }

    private void sample()
    {
        while (sampling)
        {
            collect();
            for (final String node : cluster.nodes())
            {
                final JsonNode nodes = cluster.get(node, "/api/v1/nodes");
                final JsonNode pods = nodes == null ? null : cluster.get(node, "/api/v1/pods");
                if (nodes == null || pods == null)
                {
                    apiFailures.computeIfAbsent(node, name -> new AtomicLong()).incrementAndGet();
                    continue;
                }
                checkDistinct(node, nodes, pods);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS));
        }
    }

    /** Pages through every node's probe log; restarts probing on a node that came back without it. */
    private synchronized void collect()
    {
        for (final String node : cluster.nodes())
        {
            while (true)
            {
                final long after = lastSeq.getOrDefault(node, 0L);
                final JsonNode page = cluster.get(node, "/api/v1/nodes/" + node + "/probes?after=" + after + "&limit=5000");
                if (page == null)
                {
                    break;
                }
                if (!page.path("running").asBoolean() && sampling)
                {
                    lastSeq.put(node, 0L); // a new life of the agent: its log starts again
                    startProbing(node);
                    break;
                }
                final JsonNode list = page.path("probes");
                for (final JsonNode probe : list)
                {
                    probes.add(new Probe(node, probe.path("at").asLong(), probe.path("from").asText(), probe.path("to").asText(),
                        probe.path("kind").asText(), probe.path("ok").asBoolean(), probe.path("result").asText(),
                        probe.path("since").asLong()));
                }
                lastSeq.put(node, page.path("next").asLong(after));
                if (list.size() < 5000)
                {
                    break;
                }
            }
        }
    }

    /** No two nodes hold one CIDR; no two pods of Ready nodes share an IP: as {@code observer} sees it now. */
    private void checkDistinct(final String observer, final JsonNode nodes, final JsonNode pods)
    {
        final Map<String, String> cidrs = new HashMap<>();
        final Set<String> ready = new TreeSet<>();
        for (final JsonNode node : nodes)
        {
            final String cidr = node.path("cidr").asText("");
            if (!cidr.isEmpty() && !"null".equals(cidr))
            {
                final String other = cidrs.put(cidr, node.path("name").asText());
                if (other != null)
                {
                    violation(observer + " sees " + cidr + " held by " + other + " and " + node.path("name").asText());
                }
            }
            if ("Ready".equals(node.path("status").asText()))
            {
                ready.add(node.path("name").asText());
            }
        }
        final Map<String, String> ips = new HashMap<>();
        for (final JsonNode pod : pods)
        {
            if (ready.contains(pod.path("node").asText()))
            {
                final String other = ips.put(pod.path("ip").asText(), pod.path("name").asText());
                if (other != null)
                {
                    violation(observer + " sees live pods " + other + " and " + pod.path("name").asText() + " both at " +
                        pod.path("ip").asText());
                }
            }
        }
    }

    private void violation(final String what)
    {
        final long at = System.currentTimeMillis();
        violations.add(new Event(at, Instant.ofEpochMilli(at) + " " + what));
    }

    // ------------------------------------------------------------------ judging

    /** After convergence every node routes to every other node and to no node that is gone: what is not so. */
    private List<String> strayRoutes()
    {
        final List<String> stray = new ArrayList<>();
        for (final String node : cluster.nodes())
        {
            final JsonNode routes = cluster.get(node, "/api/v1/routes");
            final JsonNode nodes = cluster.get(node, "/api/v1/nodes");
            if (routes == null || nodes == null)
            {
                stray.add(node + " did not answer");
                continue;
            }
            for (final JsonNode route : routes)
            {
                if (!"Ready".equals(status(nodes, route.path("node").asText())))
                {
                    stray.add(node + " routes " + route.path("cidr").asText() + " to " + route.path("node").asText() + ", not Ready");
                }
            }
            if (routes.size() != cluster.nodes().size() - 1)
            {
                stray.add(node + " has " + routes.size() + " routes for " + (cluster.nodes().size() - 1) + " other nodes");
            }
        }
        return stray;
    }

    /** ERROR lines every agent logged since {@code since} (epoch ms) that no fault explains. */
    private List<String> unexpectedErrors(final long since)
    {
        final List<String> errors = new ArrayList<>();
        for (final String node : cluster.nodes())
        {
            for (final String line : cluster.docker().logs(cluster.container(node), since / 1000).split("\n"))
            {
                // the level is the second field ("16:07:35.237 ERROR node-1 [thread] logger - message"): a WARN
                // whose message quotes an "ERROR" (Aeron's exceptions do) is not one
                if (ERROR_LINE.matcher(line).find() && !EXPECTED_ERRORS.matcher(line).find())
                {
                    errors.add(node + ": " + line.trim());
                }
            }
        }
        return errors;
    }

    // ------------------------------------------------------------------ helpers

    private String allocator()
    {
        for (final String observer : cluster.nodes())
        {
            final JsonNode nodes = cluster.get(observer, "/api/v1/nodes");
            if (nodes != null)
            {
                for (final JsonNode node : nodes)
                {
                    if (node.path("allocator").asBoolean())
                    {
                        return node.path("name").asText();
                    }
                }
            }
        }
        return cluster.nodes().get(0);
    }

    private Map<String, String> leases()
    {
        final Map<String, String> leases = new HashMap<>();
        for (final String node : cluster.nodes())
        {
            leases.put(node, cidrOf(node));
        }
        return leases;
    }

    /** The node's lease as it says itself. */
    private String cidrOf(final String node)
    {
        final JsonNode self = cluster.get(node, "/api/v1/node");
        return self == null || self.path("cidr").isNull() ? null : self.path("cidr").asText();
    }

    /** Each container's restart count; a node whose container cannot be inspected is left out (the verdict says so). */
    private Map<String, Integer> restartCounts()
    {
        final Map<String, Integer> counts = new HashMap<>();
        for (final String node : cluster.nodes())
        {
            try
            {
                counts.put(node, cluster.docker().state(cluster.container(node)).restartCount());
            }
            catch (final IllegalStateException ex)
            {
                // docker inspect failed: absent
            }
        }
        return counts;
    }

    private boolean running(final String node)
    {
        try
        {
            return cluster.docker().state(cluster.container(node)).running();
        }
        catch (final IllegalStateException ex)
        {
            return false;
        }
    }

    private List<String> survivors(final List<String> victims)
    {
        return cluster.nodes().stream().filter(node -> !victims.contains(node)).toList();
    }

    private static String status(final JsonNode nodes, final String name)
    {
        for (final JsonNode node : nodes)
        {
            if (name.equals(node.path("name").asText()))
            {
                return node.path("status").asText();
            }
        }
        return "absent";
    }

    private void note(final String what)
    {
        progress.accept(what);
    }

    private static void pause(final Duration duration)
    {
        LockSupport.parkNanos(duration.toNanos());
    }
}
