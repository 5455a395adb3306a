package dev.podnet.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * One chaos scenario against a running cluster of node-agent containers, watched throughout:
 * <ol>
 *   <li>every node probes every pod from its pods continuously (ping and UDP, {@value #PROBE_INTERVAL_MS}
 *       ms apart, each logged with its time and result) and the run collects those logs; it also samples
 *       every node's view (nodes, pods, routes) every {@value #SAMPLE_MS} ms;</li>
 *   <li>the fault is injected ({@link Scenario}); the run records when the survivors noticed (a victim
 *       listed not Ready), when their routes to it were withdrawn, when it was healed, when it was Ready
 *       again and when traffic to its pods was restored;</li>
 *   <li>the invariants are judged from the probe log, the samples, the containers' states and logs
 *       ({@link Report#verdicts()}).</li>
 * </ol>
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

    /** One invariant's verdict. */
    public record Verdict(String invariant, boolean held, String detail)
    {
    }

    /**
     * A run's outcome: the timeline, the verdicts, and the figures measured (milliseconds) by name:
     * {@code detected}, {@code withdrawn} (from the fault), {@code ready-again}, {@code restored} (from the
     * heal), probes sent and failed.
     */
    public record Report(Scenario scenario, long startedAt, List<String> victims, List<Event> timeline,
                         List<Verdict> verdicts, Map<String, Long> measured)
    {
        public boolean passed()
        {
            return verdicts.stream().allMatch(Verdict::held);
        }

        /** The timeline (seconds from the start), the figures and the verdicts, as a terminal shows them. */
        public String format()
        {
            final StringBuilder out = new StringBuilder();
            out.append("scenario ").append(scenario.label()).append(" (").append(scenario.description()).append("), victims ")
                .append(String.join(", ", victims)).append('\n');
            out.append("timeline:\n");
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

    /** One probe as a node logged it. */
    record Probe(String observer, long at, String from, String to, String kind, boolean ok, String result)
    {
    }

    private final ChaosCluster cluster;
    private final Consumer<String> progress;
    private final List<Event> timeline = new CopyOnWriteArrayList<>();
    private final List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> apiFailures = new ConcurrentHashMap<>();
    private final long startedAt = System.currentTimeMillis();
    /** Node to the pods it ran at the start, and pod to node. */
    private final Map<String, String> podNode = new ConcurrentHashMap<>();
    private Map<String, String> leasesAtStart = Map.of();
    private volatile boolean sampling;

    /** @param progress gets a line for each step, as it happens */
    public ChaosRun(final ChaosCluster cluster, final Consumer<String> progress)
    {
        this.cluster = cluster;
        this.progress = progress;
    }

    /** Runs {@code scenario} and judges it. Blocks for its duration (about a minute, more for a rolling restart). */
    public Report run(final Scenario scenario)
    {
        requireEnoughNodes(scenario, cluster.nodes().size());
        note("scenario " + scenario.label() + ": " + scenario.description());
        awaitConverged("every node Ready in every node's view, before the fault");
        leasesAtStart = leases();
        final Map<String, Integer> restartsAtStart = restartCounts();
        for (final String node : cluster.nodes())
        {
            startProbing(node);
        }
        sampling = true;
        final Thread sampler = new Thread(this::sample, "podnet-chaos-sampler");
        sampler.setDaemon(true);
        sampler.start();
        pause(Duration.ofSeconds(3));

        final Map<String, Long> measured = new LinkedHashMap<>();
        final List<String> victims = victims(scenario);
        final Map<String, long[]> windows = new HashMap<>(); // node -> [fault, restored] epoch ms
        try
        {
            if (scenario == Scenario.ROLLING_RESTART)
            {
                for (final String node : cluster.nodes())
                {
                    final long fault = event(node + ": SIGTERM (docker stop)");
                    cluster.docker().stop(cluster.container(node), 30);
                    final long healed = event(node + ": started again (docker start)");
                    cluster.docker().start(cluster.container(node));
                    cluster.forget(node);
                    final long ready = awaitReadyEverywhere(node);
                    final long restored = awaitRestored(List.of(node), healed);
                    windows.put(node, new long[] {fault, restored});
                    measured.merge("ready-again", ready - healed, Math::max);
                    measured.merge("restored", restored - healed, Math::max);
                }
            }
            else
            {
                final long fault = inject(scenario, victims);
                final long detected = awaitDetected(victims, fault);
                final long withdrawn = awaitWithdrawn(victims, fault);
                measured.put("detected", detected - fault);
                measured.put("withdrawn", withdrawn - fault);
                pause(Duration.ofSeconds(5)); // traffic to the victims' pods meets ICMP unreachable meanwhile
                final long healed = heal(scenario, victims);
                long ready = 0;
                for (final String victim : victims)
                {
                    ready = Math.max(ready, awaitReadyEverywhere(victim));
                }
                final long restored = awaitRestored(victims, healed);
                measured.put("ready-again", ready - healed);
                measured.put("restored", restored - healed);
                for (final String victim : victims)
                {
                    windows.put(victim, new long[] {fault, restored});
                }
                measured.put("unreachable-window", healed - withdrawn);
            }
            pause(Duration.ofSeconds(3));
        }
        finally
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
            collect();
        }
        final List<Verdict> verdicts = judge(scenario, victims, windows, restartsAtStart, measured);
        final Report report = new Report(scenario, startedAt, victims, List.copyOf(timeline), verdicts, measured);
        note("scenario " + scenario.label() + ": " + (report.passed() ? "all invariants held" : "INVARIANTS VIOLATED"));
        return report;
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

    private List<String> victims(final Scenario scenario)
    {
        final String allocator = allocator();
        final List<String> others = new ArrayList<>(cluster.nodes());
        others.remove(allocator);
        Collections.reverse(others); // the youngest first: the last node
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

    private long inject(final Scenario scenario, final List<String> victims)
    {
        final long at = event((scenario == Scenario.PARTITION ? "partitioned " : "SIGKILL ") + String.join(", ", victims) +
            (scenario == Scenario.KILL_ALLOCATOR ? " (the lease allocator's node)" : ""));
        for (final String victim : victims)
        {
            final DockerCli.Result result = scenario == Scenario.PARTITION ?
                cluster.docker().disconnect(cluster.network(), cluster.container(victim)) :
                cluster.docker().kill(cluster.container(victim));
            if (!result.ok())
            {
                throw new IllegalStateException("cannot inject the fault on " + victim + ": " + result.output().trim());
            }
            cluster.forget(victim);
        }
        return at;
    }

    private long heal(final Scenario scenario, final List<String> victims)
    {
        final long at = event((scenario == Scenario.PARTITION ? "reconnected " : "started again ") + String.join(", ", victims));
        for (final String victim : victims)
        {
            final DockerCli.Result result = scenario == Scenario.PARTITION ?
                cluster.docker().connect(cluster.network(), cluster.container(victim), victim) :
                cluster.docker().start(cluster.container(victim));
            if (!result.ok())
            {
                throw new IllegalStateException("cannot heal " + victim + ": " + result.output().trim());
            }
            cluster.forget(victim);
        }
        return at;
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
    private void collect()
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
                        probe.path("kind").asText(), probe.path("ok").asBoolean(), probe.path("result").asText()));
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
                    violations.add(Instant.now() + " " + observer + " sees " + cidr + " held by " + other + " and " +
                        node.path("name").asText());
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
                    violations.add(Instant.now() + " " + observer + " sees live pods " + other + " and " +
                        pod.path("name").asText() + " both at " + pod.path("ip").asText());
                }
            }
        }
    }

    private long awaitDetected(final List<String> victims, final long fault)
    {
        final long at = awaitTrue(() -> survivors(victims).stream().allMatch(survivor ->
        {
            final JsonNode nodes = cluster.get(survivor, "/api/v1/nodes");
            return nodes != null && victims.stream().allMatch(victim -> !"Ready".equals(status(nodes, victim)));
        }), DETECTION_BOUND.plusSeconds(15), "every survivor to list " + victims + " as not Ready");
        event("detected: every survivor lists " + String.join(", ", victims) + " as not Ready (+" + (at - fault) + " ms)");
        return at;
    }

    private long awaitWithdrawn(final List<String> victims, final long fault)
    {
        final Set<String> cidrs = new TreeSet<>();
        for (final String victim : victims)
        {
            cidrs.add(leasesAtStart.get(victim));
        }
        final long at = awaitTrue(() -> survivors(victims).stream().allMatch(survivor ->
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
        }), DETECTION_BOUND.plusSeconds(15), "every survivor to withdraw its routes to " + cidrs);
        event("routes withdrawn: no survivor routes to " + String.join(", ", cidrs) + " (+" + (at - fault) + " ms)");
        return at;
    }

    private long awaitReadyEverywhere(final String node)
    {
        final long at = awaitTrue(() -> cluster.nodes().stream().allMatch(observer ->
        {
            final JsonNode nodes = cluster.get(observer, "/api/v1/nodes");
            return nodes != null && "Ready".equals(status(nodes, node));
        }), CONVERGE, "every node to list " + node + " as Ready again");
        final String cidr = cidrOf(node);
        event(node + " Ready again in every node's view, lease " + cidr +
            (cidr != null && cidr.equals(leasesAtStart.get(node)) ? " (its own from before)" : " (NOT its lease from before: " +
                leasesAtStart.get(node) + ")"));
        return at;
    }

    /** When every pod reaches every pod again (an all-pairs check passes), after the victims' heal. */
    private long awaitRestored(final List<String> victims, final long healed)
    {
        final String asker = survivors(victims).isEmpty() ? cluster.nodes().get(0) : survivors(victims).get(0);
        final long at = awaitTrue(() ->
        {
            final JsonNode check = cluster.post(asker, "/api/v1/check", "{\"timeoutMs\":1000}");
            return check != null && check.path("failed").isEmpty() && check.path("pairs").asInt() > 0;
        }, RECOVERY_BOUND.plusSeconds(30), "an all-pairs check to pass again");
        event("traffic restored: an all-pairs check from " + asker + " passes (+" + (at - healed) + " ms after the heal)");
        return at;
    }

    private void awaitConverged(final String what)
    {
        awaitTrue(() ->
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
        }, CONVERGE, what);
    }

    // ------------------------------------------------------------------ judging

    private List<Verdict> judge(
        final Scenario scenario, final List<String> victims, final Map<String, long[]> windows,
        final Map<String, Integer> restartsAtStart, final Map<String, Long> measured)
    {
        final List<Verdict> verdicts = new ArrayList<>();
        final List<Probe> all;
        synchronized (probes)
        {
            all = new ArrayList<>(probes);
        }
        measured.put("probes", (long)all.size());
        measured.put("probes-failed", all.stream().filter(probe -> !probe.ok()).count());

        // 1. probes between pods of untouched nodes never fail
        final List<Probe> untouched = all.stream().filter(probe -> untouched(probe, windows)).toList();
        final List<Probe> lost = untouched.stream().filter(probe -> !probe.ok()).toList();
        measured.put("probes-untouched", (long)untouched.size());
        measured.put("probes-untouched-failed", (long)lost.size());
        verdicts.add(new Verdict("probes between pods of untouched nodes never fail", lost.isEmpty() && !untouched.isEmpty(),
            untouched.size() + " probes, " + lost.size() + " failed" + (lost.isEmpty() ? "" : ": " + describe(lost))));
        // 1b. ... and a long-lived TCP connection between them is never reset, never stalls longer than 1 s
        final List<Probe> tcp = untouched.stream().filter(probe -> probe.kind().equals("tcp")).toList();
        final List<Probe> broken = tcp.stream().filter(probe -> !probe.ok()).toList();
        verdicts.add(new Verdict("TCP connections between pods of untouched nodes are never reset and never stall > 1 s",
            broken.isEmpty() && !tcp.isEmpty(), tcp.size() + " probes on long-lived connections, " + broken.size() +
            " reset, stalled or lost" + (broken.isEmpty() ? "" : ": " + describe(broken))));

        if (scenario != Scenario.ROLLING_RESTART)
        {
            // 2. probes to the victims' pods, once routes are withdrawn, are ICMP unreachable, not timeouts
            final long withdrawnAt = eventTime("routes withdrawn");
            final long healedAt = eventTime(scenario == Scenario.PARTITION ? "reconnected" : "started again");
            final List<Probe> toDead = all.stream()
                .filter(probe -> !victims.contains(podNode.get(probe.from())) && !victims.contains(probe.observer()) &&
                    victims.contains(podNode.get(probe.to())) &&
                    probe.at() > withdrawnAt + PROBE_TIMEOUT_MS && probe.at() < healedAt - PROBE_TIMEOUT_MS)
                .toList();
            final long timeouts = toDead.stream().filter(probe -> probe.result().equals("timeout")).count();
            final long unreachable = toDead.stream().filter(probe -> probe.result().endsWith("-unreachable")).count();
            measured.put("probes-to-dead", (long)toDead.size());
            measured.put("probes-to-dead-unreachable", unreachable);
            verdicts.add(new Verdict("probes to a dead node's pods get fast ICMP unreachable, not timeouts",
                !toDead.isEmpty() && timeouts == 0 && unreachable == toDead.size(),
                toDead.size() + " probes while it was gone: " + unreachable + " unreachable, " + timeouts + " timeouts"));
            verdicts.add(new Verdict("routes withdrawn within " + DETECTION_BOUND.toSeconds() + " s of the fault",
                measured.get("withdrawn") <= DETECTION_BOUND.toMillis(), measured.get("withdrawn") + " ms"));
        }
        verdicts.add(new Verdict("traffic to the victims restored within " + RECOVERY_BOUND.toSeconds() + " s of the heal",
            measured.getOrDefault("restored", Long.MAX_VALUE) <= RECOVERY_BOUND.toMillis(), measured.get("restored") + " ms"));

        // 3. leases and addresses
        verdicts.add(new Verdict("no two nodes ever hold one CIDR; no two live pods ever share an IP", violations.isEmpty(),
            violations.isEmpty() ? "checked every " + SAMPLE_MS + " ms on every node" : violations.get(0)));
        final Map<String, String> leasesNow = leases();
        final List<String> moved = new ArrayList<>();
        for (final String victim : victims)
        {
            if (!leasesAtStart.get(victim).equals(leasesNow.get(victim)))
            {
                moved.add(victim + ": " + leasesAtStart.get(victim) + " -> " + leasesNow.get(victim));
            }
        }
        verdicts.add(new Verdict("a restarted node gets its old CIDR", moved.isEmpty(),
            moved.isEmpty() ? victims + " kept " + victims.stream().map(leasesAtStart::get).toList() : String.join("; ", moved)));
        verdicts.add(routesToMembersOnly());

        // 4. nobody dies but the victims; no unexpected ERROR lines
        final Map<String, Integer> restartsNow = restartCounts();
        final List<String> died = new ArrayList<>();
        for (final String node : cluster.nodes())
        {
            // an exit the restart policy answered counts up; a `docker start` resets the count
            final boolean restarted = restartsNow.get(node) > restartsAtStart.get(node);
            final boolean allowed = scenario == Scenario.PARTITION && victims.contains(node);
            if (restarted && !allowed)
            {
                died.add(node + " restarted " + (restartsNow.get(node) - restartsAtStart.get(node)) + " time(s)");
            }
            if (!cluster.docker().state(cluster.container(node)).running())
            {
                died.add(node + " is not running");
            }
        }
        verdicts.add(new Verdict("no agent dies from anything but the run's own faults", died.isEmpty(),
            died.isEmpty() ? "restart counts unchanged" + (scenario == Scenario.PARTITION ? " but the partitioned node's" : "") :
                String.join("; ", died)));
        if (scenario == Scenario.PARTITION)
        {
            final String victim = victims.get(0);
            final int restarts = restartsNow.get(victim) - restartsAtStart.get(victim);
            verdicts.add(new Verdict("the partitioned minority is downed, restarts and rejoins after the heal", restarts >= 1,
                victim + " exited (status 3: removed) and was restarted " + restarts + " time(s); Ready again after the heal"));
            final List<String> majority = survivors(victims);
            final long majorityFailures = majority.stream().mapToLong(node -> apiFailures.getOrDefault(node, new AtomicLong()).get()).sum();
            verdicts.add(new Verdict("the majority never stops serving", majorityFailures == 0,
                "API calls to " + majority + " that failed during the run: " + majorityFailures));
        }
        final List<String> errors = unexpectedErrors();
        verdicts.add(new Verdict("no ERROR log lines but the expected ones", errors.isEmpty(),
            errors.isEmpty() ? "none" : errors.size() + ", first: " + errors.get(0)));
        return verdicts;
    }

    /** Failed probes in short: when (seconds into the run), which pairs, what came back. */
    private String describe(final List<Probe> failed)
    {
        final Map<String, Integer> pairs = new java.util.TreeMap<>();
        for (final Probe probe : failed)
        {
            pairs.merge(probe.from() + "->" + probe.to() + " " + probe.kind() + " " + probe.result(), 1, Integer::sum);
        }
        return String.format("sent %.1f..%.1f s, %s", (failed.get(0).at() - startedAt) / 1000.0,
            (failed.get(failed.size() - 1).at() - startedAt) / 1000.0, pairs);
    }

    /** A probe between two pods whose nodes were not in a fault window (widened by a probe's timeout) when it was sent. */
    private boolean untouched(final Probe probe, final Map<String, long[]> windows)
    {
        for (final String node : new String[] {probe.observer(), podNode.get(probe.from()), podNode.get(probe.to())})
        {
            final long[] window = node == null ? null : windows.get(node);
            if (node == null || window != null && probe.at() > window[0] - PROBE_TIMEOUT_MS - SAMPLE_MS && probe.at() < window[1])
            {
                return false;
            }
        }
        return true;
    }

    private Verdict routesToMembersOnly()
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
        return new Verdict("after convergence every node routes to every other node, and to no node that is gone",
            stray.isEmpty(), stray.isEmpty() ? "checked on every node at the end" : String.join("; ", stray));
    }

    private List<String> unexpectedErrors()
    {
        final List<String> errors = new ArrayList<>();
        for (final String node : cluster.nodes())
        {
            for (final String line : cluster.docker().logs(cluster.container(node), startedAt / 1000).split("\n"))
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

    private Map<String, Integer> restartCounts()
    {
        final Map<String, Integer> counts = new HashMap<>();
        for (final String node : cluster.nodes())
        {
            counts.put(node, cluster.docker().state(cluster.container(node)).restartCount());
        }
        return counts;
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

    private long eventTime(final String prefix)
    {
        for (final Event event : timeline)
        {
            if (event.what().startsWith(prefix))
            {
                return event.at();
            }
        }
        return Long.MAX_VALUE;
    }

    private long event(final String what)
    {
        final long at = System.currentTimeMillis();
        timeline.add(new Event(at, what));
        progress.accept(String.format("%6.1f s  %s", (at - startedAt) / 1000.0, what));
        return at;
    }

    private void note(final String what)
    {
        progress.accept(what);
    }

    private static long awaitTrue(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("waited " + limit.toSeconds() + " s for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        return System.currentTimeMillis();
    }

    private static void pause(final Duration duration)
    {
        LockSupport.parkNanos(duration.toNanos());
    }
}
