package dev.podnet.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.chaos.ChaosRun.Event;
import dev.podnet.chaos.ChaosRun.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Chaos on the links between nodes rather than on the nodes: impairments (netem, {@code /api/v1/links}) on the
 * two directions between two nodes A and B, while every pod probes every pod, then judged.
 * <ol>
 *   <li>every node probes every pod ({@value #PROBE_INTERVAL_MS} ms apart, ping, UDP echo and a line on a
 *       long-lived TCP connection, each with its result) for a baseline of {@value #BASELINE_SECONDS} s;</li>
 *   <li>the impairment is set for a window ({@link Scenario}), during which every node's view (nodes, routes and
 *       their frame counters) is sampled;</li>
 *   <li>it is cleared (the heal), and the run waits until an all-pairs check passes;</li>
 *   <li>the invariants are judged from the probes, the samples and the links' own counters.</li>
 * </ol>
 * What every scenario must keep: probes between pods whose path does not cross A↔B never fail; the control plane
 * is not the data plane, so membership does not change (every node stays Ready, no route is withdrawn); traffic
 * is whole again soon after the heal. Each scenario adds its own (see {@link #judge}). Runs against any cluster
 * whose agents it can reach ({@link Agents}): Compose containers ({@code podnetctl chaos slow-link}) or agents in
 * one JVM (tests).
 */
public final class LinkChaos
{
    public static final int PROBE_INTERVAL_MS = 250;
    public static final int PROBE_TIMEOUT_MS = 1_000;
    static final int BASELINE_SECONDS = 3;
    static final int SAMPLE_MS = 500;
    /** The slow link's delay each way, and its jitter (uniform ±). */
    static final int SLOW_DELAY_MS = 100;
    static final int SLOW_JITTER_MS = 10;
    /** The lossy link's loss, one way (A → B). */
    static final double LOSS = 0.2;
    /** From the heal to an all-pairs check passing. */
    public static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);

    /** How the run reaches the agents: a call answered 2xx as JSON (an empty object for no body), else null. */
    public interface Agents
    {
        List<String> nodes();

        JsonNode call(String node, String method, String path, String body);
    }

    public enum Scenario
    {
        SLOW_LINK("slow-link", "delay " + SLOW_DELAY_MS + " ms ± " + SLOW_JITTER_MS + " ms each way between two nodes"),
        LOSSY_LINK("lossy-link", "lose " + Math.round(LOSS * 100) + " % of the frames from one node to another"),
        ONE_WAY_PARTITION("one-way-partition", "drop every frame from one node to another, none the other way");

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

        /** By its label; null when it is none of these. */
        public static Scenario find(final String label)
        {
            return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst().orElse(null);
        }
    }

    public record Report(Scenario scenario, String a, String b, long startedAt, List<Event> timeline, List<Verdict> verdicts,
                         Map<String, Long> measured)
    {
        public boolean passed()
        {
            return verdicts.stream().allMatch(Verdict::held);
        }

        public String format()
        {
            final StringBuilder out = new StringBuilder();
            out.append("scenario ").append(scenario.label()).append(" (").append(scenario.description()).append("), link ")
                .append(a).append(" <-> ").append(b).append('\n').append("timeline:\n");
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
    record Probe(long at, String from, String to, String kind, boolean ok, String result, long rttUs)
    {
    }

    private final Agents agents;
    private final Consumer<String> progress;
    private final Duration window;
    private final List<Event> timeline = new CopyOnWriteArrayList<>();
    private final List<Probe> probes = new ArrayList<>();
    private final Map<String, Long> lastSeq = new HashMap<>();
    private final Map<String, String> podNode = new HashMap<>();
    private final List<String> membershipChanges = new CopyOnWriteArrayList<>();
    private final long startedAt = System.currentTimeMillis();
    private volatile boolean sampling;

    /**
     * @param window   how long the impairment stays (15 s from the CLI)
     * @param progress gets a line for each step, as it happens
     */
    public LinkChaos(final Agents agents, final Duration window, final Consumer<String> progress)
    {
        this.agents = agents;
        this.window = window;
        this.progress = progress;
    }

    public static void requireEnoughNodes(final int nodes)
    {
        if (nodes < 3)
        {
            throw new IllegalArgumentException("link scenarios need at least 3 nodes, so that some pairs do not cross the " +
                "impaired link (this cluster has " + nodes + ")");
        }
    }

    /** Runs {@code scenario} on the link between the first two nodes and judges it. */
    public Report run(final Scenario scenario)
    {
        final List<String> nodes = agents.nodes();
        requireEnoughNodes(nodes.size());
        final String a = nodes.get(0);
        final String b = nodes.get(1);
        progress.accept("scenario " + scenario.label() + ": " + scenario.description() + " (" + a + " <-> " + b + ")");
        awaitConverged();
        for (final String node : nodes)
        {
            final JsonNode started = agents.call(node, "POST", "/api/v1/nodes/" + node + "/probes",
                "{\"intervalMs\":" + PROBE_INTERVAL_MS + ",\"timeoutMs\":" + PROBE_TIMEOUT_MS + "}");
            lastSeq.put(node, started == null ? 0 : started.path("next").asLong(0));
        }
        sampling = true;
        final Thread sampler = new Thread(this::sample, "podnet-link-chaos-sampler");
        sampler.setDaemon(true);
        sampler.start();
        final Map<String, Long> measured = new LinkedHashMap<>();
        long fault;
        long healed;
        Map<String, Long> countersAtFault;
        Map<String, Long> countersAtHeal;
        JsonNode linkAtHeal;
        try
        {
            pause(Duration.ofSeconds(BASELINE_SECONDS));
            fault = inject(scenario, a, b);
            pause(Duration.ofSeconds(1));
            countersAtFault = counters(a, b);
            pause(window.minusSeconds(1));
            countersAtHeal = counters(a, b);
            linkAtHeal = agents.call(a, "GET", "/api/v1/links/" + a + "/" + b, null);
            healed = heal(a, b);
            final long restored = awaitTrue(() ->
            {
                final JsonNode check = agents.call(nodes.get(2), "POST", "/api/v1/check", "{\"timeoutMs\":1000}");
                return check != null && check.path("failed").isEmpty() && check.path("pairs").asInt() > 0;
            }, RECOVERY_BOUND.plusSeconds(30), "an all-pairs check to pass after the heal");
            event("traffic restored: an all-pairs check passes (+" + (restored - healed) + " ms after the heal)");
            measured.put("restored", restored - healed);
            pause(Duration.ofSeconds(2));
        }
        finally
        {
            sampling = false;
            joinQuietly(sampler);
            collect();
            for (final String node : nodes)
            {
                agents.call(node, "DELETE", "/api/v1/nodes/" + node + "/probes", null);
            }
            agents.call(a, "DELETE", "/api/v1/links/" + a + "/" + b, null);
            agents.call(b, "DELETE", "/api/v1/links/" + b + "/" + a, null);
        }
        final List<Verdict> verdicts = judge(scenario, a, b, fault, healed, countersAtFault, countersAtHeal, linkAtHeal, measured);
        final Report report = new Report(scenario, a, b, startedAt, List.copyOf(timeline), verdicts, measured);
        progress.accept("scenario " + scenario.label() + ": " + (report.passed() ? "all invariants held" : "INVARIANTS VIOLATED"));
        return report;
    }

    private long inject(final Scenario scenario, final String a, final String b)
    {
        final long at;
        switch (scenario)
        {
            case SLOW_LINK:
                at = event("slow link: " + a + " <-> " + b + " delay " + SLOW_DELAY_MS + "ms jitter " + SLOW_JITTER_MS + "ms");
                put(a, b, "{\"delay\":\"" + SLOW_DELAY_MS + "ms\",\"jitter\":\"" + SLOW_JITTER_MS + "ms\"}");
                put(b, a, "{\"delay\":\"" + SLOW_DELAY_MS + "ms\",\"jitter\":\"" + SLOW_JITTER_MS + "ms\"}");
                break;
            case LOSSY_LINK:
                at = event("lossy link: " + a + " -> " + b + " loss " + Math.round(LOSS * 100) + "%");
                put(a, b, "{\"loss\":\"" + LOSS * 100 + "%\",\"seed\":7}");
                break;
            default:
                at = event("one-way partition: nothing from " + a + " to " + b + "; " + b + " -> " + a + " untouched");
                put(a, b, "{\"partition\":true}");
                break;
        }
        return at;
    }

    private void put(final String from, final String to, final String body)
    {
        if (agents.call(from, "PUT", "/api/v1/links/" + from + "/" + to, body) == null)
        {
            throw new IllegalStateException("cannot impair the link " + from + " -> " + to + " (" + body + ")");
        }
    }

    private long heal(final String a, final String b)
    {
        final long at = event("healed: impairments of " + a + " <-> " + b + " cleared");
        agents.call(a, "DELETE", "/api/v1/links/" + a + "/" + b, null);
        agents.call(b, "DELETE", "/api/v1/links/" + b + "/" + a, null);
        return at;
    }

    /** The tunnel counters of the impaired pair: "a>b out", "a<b in", "b>a out", "b<a in". */
    private Map<String, Long> counters(final String a, final String b)
    {
        final Map<String, Long> counters = new HashMap<>();
        for (final String[] side : new String[][] {{a, b}, {b, a}})
        {
            final JsonNode routes = agents.call(side[0], "GET", "/api/v1/nodes/" + side[0] + "/routes", null);
            if (routes == null)
            {
                continue;
            }
            for (final JsonNode route : routes)
            {
                if (route.path("node").asText().equals(side[1]))
                {
                    counters.put(side[0] + ">" + side[1] + " out", route.path("framesOut").asLong());
                    counters.put(side[0] + "<" + side[1] + " in", route.path("framesIn").asLong());
                }
            }
        }
        return counters;
    }

    private void sample()
    {
        while (sampling)
        {
            collect();
            for (final String observer : agents.nodes())
            {
                final JsonNode nodes = agents.call(observer, "GET", "/api/v1/nodes", null);
                final JsonNode routes = agents.call(observer, "GET", "/api/v1/nodes/" + observer + "/routes", null);
                if (nodes == null || routes == null)
                {
                    membershipChanges.add(observer + " did not answer at " + (System.currentTimeMillis() - startedAt) + " ms");
                    continue;
                }
                nodes.forEach(node ->
                {
                    if (!"Ready".equals(node.path("status").asText()))
                    {
                        membershipChanges.add(observer + " saw " + node.path("name").asText() + " " + node.path("status").asText());
                    }
                });
                if (routes.size() != agents.nodes().size() - 1)
                {
                    membershipChanges.add(observer + " had " + routes.size() + " routes");
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS));
        }
    }

    private synchronized void collect()
    {
        for (final String node : agents.nodes())
        {
            while (true)
            {
                final long after = lastSeq.getOrDefault(node, 0L);
                final JsonNode page = agents.call(node, "GET", "/api/v1/nodes/" + node + "/probes?after=" + after + "&limit=5000", null);
                if (page == null)
                {
                    break;
                }
                final JsonNode list = page.path("probes");
                for (final JsonNode probe : list)
                {
                    probes.add(new Probe(probe.path("at").asLong(), probe.path("from").asText(), probe.path("to").asText(),
                        probe.path("kind").asText(), probe.path("ok").asBoolean(), probe.path("result").asText(),
                        probe.path("rttUs").asLong()));
                }
                lastSeq.put(node, page.path("next").asLong(after));
                if (list.size() < 5000)
                {
                    break;
                }
            }
        }
    }

    private void awaitConverged()
    {
        awaitTrue(() ->
        {
            for (final String observer : agents.nodes())
            {
                final JsonNode nodes = agents.call(observer, "GET", "/api/v1/nodes", null);
                if (nodes == null || nodes.size() != agents.nodes().size())
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
            final JsonNode pods = agents.call(agents.nodes().get(0), "GET", "/api/v1/pods", null);
            if (pods == null || pods.isEmpty())
            {
                return false;
            }
            podNode.clear();
            pods.forEach(pod -> podNode.put(pod.path("name").asText(), pod.path("node").asText()));
            return true;
        }, Duration.ofSeconds(120), "every node Ready in every node's view");
    }

    // ------------------------------------------------------------------ judging

    /** Whether a probe's way crosses the link between a and b (either direction: a probe goes there and back). */
    private boolean crosses(final Probe probe, final String a, final String b)
    {
        final String from = podNode.get(probe.from());
        final String to = podNode.get(probe.to());
        return (a.equals(from) && b.equals(to)) || (b.equals(from) && a.equals(to));
    }

    private List<Verdict> judge(
        final Scenario scenario, final String a, final String b, final long fault, final long healed,
        final Map<String, Long> atFault, final Map<String, Long> atHeal, final JsonNode link, final Map<String, Long> measured)
    {
        final List<Verdict> verdicts = new ArrayList<>();
        final List<Probe> all;
        synchronized (this)
        {
            all = new ArrayList<>(probes);
        }
        measured.put("probes", (long)all.size());
        // a probe sent within a timeout of the fault or the heal may straddle it: judged by neither side
        final List<Probe> during = all.stream().filter(p -> p.at() > fault + PROBE_TIMEOUT_MS && p.at() < healed - PROBE_TIMEOUT_MS)
            .toList();
        final List<Probe> untouched = all.stream().filter(p -> !crosses(p, a, b)).toList();
        final List<Probe> untouchedFailed = untouched.stream().filter(p -> !p.ok()).toList();
        verdicts.add(new Verdict("probes whose way does not cross " + a + " <-> " + b + " never fail",
            !untouched.isEmpty() && untouchedFailed.isEmpty(),
            untouched.size() + " probes, " + untouchedFailed.size() + " failed" + (untouchedFailed.isEmpty() ? "" :
                ", first " + untouchedFailed.get(0))));
        verdicts.add(new Verdict("the control plane is not the data plane: every node stays Ready and keeps its routes",
            membershipChanges.isEmpty(), membershipChanges.isEmpty() ? "sampled every " + SAMPLE_MS + " ms on every node" :
                membershipChanges.size() + " changes, first: " + membershipChanges.get(0)));
        verdicts.add(new Verdict("traffic whole again within " + RECOVERY_BOUND.toSeconds() + " s of the heal",
            measured.getOrDefault("restored", Long.MAX_VALUE) <= RECOVERY_BOUND.toMillis(), measured.get("restored") + " ms"));

        final List<Probe> across = during.stream().filter(p -> crosses(p, a, b)).toList();
        final long failed = across.stream().filter(p -> !p.ok()).count();
        measured.put("probes-across", (long)across.size());
        measured.put("probes-across-failed", failed);
        switch (scenario)
        {
            case SLOW_LINK:
            {
                final long floorUs = 2L * (SLOW_DELAY_MS - SLOW_JITTER_MS) * 1000;
                final List<Probe> pings = across.stream().filter(p -> p.ok() && p.kind().equals("ping")).toList();
                final long fastest = pings.stream().mapToLong(Probe::rttUs).min().orElse(0);
                final long[] sorted = pings.stream().mapToLong(Probe::rttUs).sorted().toArray();
                final long median = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
                measured.put("rtt-across-min-us", fastest);
                measured.put("rtt-across-median-us", median);
                verdicts.add(new Verdict("probes across the slow link still succeed (" + 2 * SLOW_DELAY_MS + " ms is below the " +
                    PROBE_TIMEOUT_MS + " ms probe timeout)", !across.isEmpty() && failed == 0, across.size() + " probes, " +
                    failed + " failed"));
                verdicts.add(new Verdict("no ping across it comes back faster than both delays (" + floorUs / 1000 + " ms)",
                    !pings.isEmpty() && fastest >= floorUs, pings.size() + " pings, fastest " + fastest / 1000.0 + " ms, median " +
                        median / 1000.0 + " ms"));
                break;
            }
            case LOSSY_LINK:
            {
                // a datagram probe (ping, UDP) crosses a -> b once (the request, or the answer): it fails as often as
                // the link loses; TCP retransmits what was lost, so its probes may stall but its connections survive
                final List<Probe> datagrams = across.stream().filter(p -> !p.kind().equals("tcp")).toList();
                final long datagramsFailed = datagrams.stream().filter(p -> !p.ok()).count();
                final double share = datagrams.isEmpty() ? 0 : datagramsFailed / (double)datagrams.size();
                final long notTimeouts = datagrams.stream().filter(p -> !p.ok() && !p.result().equals("timeout")).count();
                // a probe answered late (stalled) or not within its timeout waits on retransmissions; any other
                // failure is the connection lost (reset, timed out, unreachable)
                final List<Probe> tcpBroken = across.stream().filter(p -> p.kind().equals("tcp") && !p.ok() &&
                    !p.result().equals("stalled") && !p.result().equals("timeout")).toList();
                measured.put("loss-across-permille", Math.round(share * 1000));
                verdicts.add(new Verdict("ping and UDP probes across the lossy link fail about as often as it loses (" +
                    Math.round(LOSS * 100) + " % ± 8 %)", datagrams.size() >= 100 && Math.abs(share - LOSS) <= 0.08,
                    datagrams.size() + " probes, " + datagramsFailed + " failed (" + Math.round(share * 1000) / 10.0 + " %)"));
                verdicts.add(new Verdict("lost ping and UDP probes time out: a lossy link says nothing", notTimeouts == 0,
                    notTimeouts + " failed otherwise"));
                verdicts.add(new Verdict("TCP connections across it are never reset: retransmissions carry them over the loss",
                    tcpBroken.isEmpty(), tcpBroken.isEmpty() ? "no TCP probe across failed but late" :
                        tcpBroken.size() + " failed, first " + tcpBroken.get(0)));
                final long lost = link == null ? -1 : link.path("stats").path("lost").asLong(-1);
                verdicts.add(new Verdict("the link counts what it lost", lost > 0, a + " -> " + b + " lost " + lost + " frames"));
                break;
            }
            default:
            {
                final long sentOn = delta(atFault, atHeal, a + ">" + b + " out");
                final long arrivedAtB = delta(atFault, atHeal, b + "<" + a + " in");
                final long arrivedAtA = delta(atFault, atHeal, a + "<" + b + " in");
                measured.put("frames-a-to-b", arrivedAtB);
                measured.put("frames-b-to-a", arrivedAtA);
                verdicts.add(new Verdict("nothing crosses " + a + " -> " + b, sentOn == 0 && arrivedAtB == 0,
                    a + " sent " + sentOn + " frames into the tunnel to " + b + ", " + b + " got " + arrivedAtB));
                verdicts.add(new Verdict("the other direction, " + b + " -> " + a + ", still passes", arrivedAtA > 0,
                    a + " got " + arrivedAtA + " frames from " + b));
                verdicts.add(new Verdict("probes across it fail both ways (a request or its answer crosses " + a + " -> " + b + ")",
                    !across.isEmpty() && failed == across.size(), across.size() + " probes, " + failed + " failed"));
                final long partitioned = link == null ? -1 : link.path("stats").path("partitioned").asLong(-1);
                verdicts.add(new Verdict("the link counts what it dropped", partitioned > 0,
                    a + " -> " + b + " dropped " + partitioned + " frames"));
                break;
            }
        }
        return verdicts;
    }

    private static long delta(final Map<String, Long> before, final Map<String, Long> after, final String key)
    {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    private long event(final String what)
    {
        final long at = System.currentTimeMillis();
        timeline.add(new Event(at, what));
        progress.accept(String.format("%6.1f s  %s", (at - startedAt) / 1000.0, what));
        return at;
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

    private static void joinQuietly(final Thread thread)
    {
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
