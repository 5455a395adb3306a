package dev.podnet.agent.bench;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.Discard;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.pod.UdpFloodResult;
import dev.podnet.transport.TunnelConfig;
import dev.podnet.transport.TunnelFrameCodec;
import io.aeron.protocol.DataHeaderFlyweight;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The overlay benchmark: two node agents in two JVMs (this one, node A, and a child, node B), and the
 * same two JVMs talking plain Aeron, measured one after the other with the same idle strategy.
 * <p>
 * In this order, so that nothing measured runs beside anything else measured:
 * <ol>
 *   <li>idle CPU of each JVM, nodes connected, no traffic, after both JVMs have settled;</li>
 *   <li>pod ping a-1 to b-1: round trips of 56-byte echo requests, paced, after a warm-up;</li>
 *   <li>raw Aeron ping-pong with the tunnel message such a ping makes (98-byte frame + envelope),
 *       same count, pacing and warm-up; the raw endpoints exist only for this step and step 5;</li>
 *   <li>pod UDP throughput a-1 to b-1's discard service, 1400-byte payloads (two IPv4 fragments with
 *       a 1500-byte underlay, whose pod MTU is 1413; one packet with jumbo frames), then the largest
 *       payload that fits one packet (pod MTU - 28);</li>
 *   <li>pod TCP throughput: one connection from a-1 to b-1's TCP discard service kept full ({@code tcp-perf}),
 *       counted as the bytes b-1 acknowledged, segments of the MSS the pod MTU gives (less 12 bytes of
 *       timestamps);</li>
 *   <li>raw Aeron throughput, 1400-byte messages offered as fast as the publication takes them.</li>
 * </ol>
 * Both nodes' tunnels and both raw endpoints use one underlay MTU, so the Aeron MTU is the same for
 * pod and raw traffic; the pod MTU follows from it ({@link TunnelConfig#innerMtu()}).
 * Receivers count (B's discard service, B's raw endpoint); delivered rates are what arrived divided
 * by how long the sender sent. CPU is each process's CPU time (all threads, JIT and GC included)
 * divided by wall time.
 */
public final class OverlayBenchmark
{
    /** The main class the child JVM runs ({@code podnet bench-peer}). */
    public static final String MAIN_CLASS = "dev.podnet.agent.PodnetMain";
    public static final int PING_PAYLOAD = PingRequest.DEFAULT_SIZE;
    public static final int FLOOD_PAYLOAD = 1400;
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What to measure and for how long.
     *
     * @param idleMode     idle strategy of both nodes and both raw endpoints
     * @param underlayMtu  the underlay MTU of both nodes' tunnels and both raw endpoints (1280..9216)
     * @param pings        round trips measured, pod and raw each
     * @param warmupPings  round trips before those, not counted
     * @param pingInterval time between two probes
     * @param flood        how long each throughput run sends
     * @param idle         how long idle CPU is measured
     * @param settle       pause before the idle measurement, so start-up JIT and GC are over
     */
    public record Settings(
        IdleMode idleMode, int underlayMtu, int pings, int warmupPings, Duration pingInterval, Duration flood, Duration idle,
        Duration settle)
    {
    }

    /** CPU used by each JVM during a measurement, in cores (CPU seconds per second); NaN when unknown. */
    public record CpuUse(double parentCores, double childCores)
    {
    }

    /**
     * One round-trip measurement.
     *
     * @param what          what was measured
     * @param messageLength bytes of the Aeron message each probe makes
     * @param latency       the round trips
     * @param cpu           CPU of both JVMs while measuring
     * @param parentDrops   node A's drop counters that rose meanwhile (empty for raw Aeron)
     * @param childDrops    node B's drop counters that rose meanwhile (empty for raw Aeron)
     */
    public record RoundTrips(
        String what, int messageLength, LatencySummary latency, CpuUse cpu, Map<String, Long> parentDrops, Map<String, Long> childDrops)
    {
    }

    /**
     * One throughput measurement.
     *
     * @param what           what was sent
     * @param size           payload bytes per datagram or message
     * @param fragments      what one datagram or message becomes on the way: IPv4 packets (pod UDP, each one
     *                       tunnel message in one Aeron frame) or Aeron frames (raw Aeron); 1 is unfragmented
     * @param offered        datagrams or messages the sender got rid of
     * @param delivered      datagrams or messages the receiver counted
     * @param deliveredBytes payload bytes the receiver counted
     * @param durationNanos  how long the sender sent
     * @param cpu            CPU of both JVMs while sending
     * @param parentDrops    node A's drop counters that rose meanwhile (empty for raw Aeron)
     * @param childDrops     node B's drop counters that rose meanwhile
     */
    public record Throughput(
        String what, int size, int fragments, long offered, long delivered, long deliveredBytes, long durationNanos, CpuUse cpu,
        Map<String, Long> parentDrops, Map<String, Long> childDrops)
    {
        public double deliveredPerSecond()
        {
            return delivered * 1e9 / durationNanos;
        }

        public double offeredPerSecond()
        {
            return offered * 1e9 / durationNanos;
        }

        /** Payload megabytes (10^6 bytes) delivered per second. */
        public double megabytesPerSecond()
        {
            return deliveredBytes * 1e3 / durationNanos;
        }
    }

    /**
     * Everything one run measured.
     *
     * @param podMtu        the pods' MTU: what the tunnel carries ({@code tunnelMtu}), at most 9000
     * @param tunnelMtu     the largest IPv4 packet the tunnel carries in one message ({@link TunnelConfig#innerMtu()})
     * @param aeronMtu      the tunnel's (and the raw endpoints') Aeron MTU
     * @param maxRawPayload the largest message raw Aeron sends in one frame
     * @param parentPid     this JVM
     * @param childPid      node B's JVM
     * @param childCommand  how node B's JVM was started
     * @param idle          idle CPU
     * @param podPing       pod ping a-1 to b-1
     * @param rawPing       raw Aeron ping-pong
     * @param podFlood      pod UDP, 1400-byte payloads
     * @param podFloodMtu   pod UDP, the largest unfragmented payload
     * @param podTcp        pod TCP, one connection
     * @param podTcpRetransmits segments pod TCP sent again
     * @param rawFlood      raw Aeron, 1400-byte messages
     */
    public record Report(
        Settings settings, int podMtu, int tunnelMtu, int aeronMtu, int maxRawPayload, long parentPid, long childPid,
        List<String> childCommand, CpuUse idle,
        RoundTrips podPing, RoundTrips rawPing, Throughput podFlood, Throughput podFloodMtu, Throughput podTcp,
        long podTcpRetransmits, Throughput rawFlood)
    {
    }

    private final Settings settings;
    private final PrintWriter progress;
    private final PrintStream childLog;
    private BenchNode nodeA;
    private PeerProcess nodeB;

    private OverlayBenchmark(final Settings settings, final PrintWriter progress, final PrintStream childLog)
    {
        this.settings = settings;
        this.progress = progress;
        this.childLog = childLog;
    }

    /**
     * Runs the benchmark: progress lines go to {@code progress}, the child JVM's log lines to
     * {@code childLog}. A {@link BenchException} when something could not be measured.
     */
    public static Report run(final Settings settings, final PrintWriter progress, final PrintStream childLog)
    {
        return new OverlayBenchmark(settings, progress, childLog).run();
    }

    /** The command that starts the child JVM: this JVM's java and class path. */
    public static List<String> childCommand(
        final IdleMode idleMode, final int underlayMtu, final int tunnelPort, final int peerTunnelPort)
    {
        final List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + "/bin/java");
        command.addAll(List.of(
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"),
            MAIN_CLASS, "bench-peer",
            "--idle-mode", idleMode.settingName(),
            "--underlay-mtu", Integer.toString(underlayMtu),
            "--tunnel-port", Integer.toString(tunnelPort),
            "--peer-tunnel-port", Integer.toString(peerTunnelPort)));
        return command;
    }

    private Report run()
    {
        final int portA = LoopbackPorts.freeUdpPort();
        final int portB = otherFreePort(portA);
        final List<String> command = childCommand(settings.idleMode(), settings.underlayMtu(), portB, portA);
        say("starting node-a here (tunnel 127.0.0.1:%d) and node-b in a second JVM (tunnel 127.0.0.1:%d), idle mode %s, " +
            "underlay MTU %d...", portA, portB, settings.idleMode().settingName(), settings.underlayMtu());
        try (BenchNode a = BenchNode.start(BenchSide.A, portA, portB, settings.idleMode(), settings.underlayMtu());
             PeerProcess b = PeerProcess.start(command, "[node-b] ", childLog))
        {
            nodeA = a;
            nodeB = b;
            final String ready = b.awaitLine(Duration.ofSeconds(60), "'ready'");
            if (!ready.equals("ready"))
            {
                throw new BenchException("the peer JVM said '" + ready + "' (expected: ready)");
            }
            final long connectStart = System.nanoTime();
            awaitCondition(() -> a.tunnelConnected() && b.request("connected", PEER_TIMEOUT).equals("connected yes"),
                CONNECT_TIMEOUT, "the tunnels between node-a and node-b connected");
            checkReachable();
            say("tunnels connected in %.1f s; a-1 %s reaches b-1 %s", (System.nanoTime() - connectStart) / 1e9,
                Ipv4Address.format(BenchSide.A.podIp()), Ipv4Address.format(BenchSide.B.podIp()));

            if (!settings.settle().isZero())
            {
                say("letting both JVMs settle for %d s...", settings.settle().toSeconds());
                sleep(settings.settle());
            }
            say("measuring idle CPU for %d s...", settings.idle().toSeconds());
            final CpuUse idle = measureCpu(() -> sleep(settings.idle()));

            final RoundTrips podPing = podPing();
            final RoundTrips rawPing = rawPing();
            final Throughput podFlood = podFlood(FLOOD_PAYLOAD);
            final Throughput podFloodMtu = podFlood(a.podMtu() - 20 - 8);
            final long[] retransmits = new long[1];
            final Throughput podTcp = podTcp(retransmits);
            final Throughput rawFlood = rawFlood(FLOOD_PAYLOAD);
            final TunnelConfig tunnel = a.tunnelConfig();
            return new Report(settings, a.podMtu(), tunnel.innerMtu(), tunnel.aeronMtu(), maxRawPayload(tunnel),
                ProcessHandle.current().pid(), b.pid(), b.command(), idle, podPing, rawPing, podFlood, podFloodMtu, podTcp,
                retransmits[0], rawFlood);
        }
        finally
        {
            nodeA = null;
            nodeB = null;
        }
    }

    private void checkReachable()
    {
        final PingRequest probe = new PingRequest(BenchSide.B.podIp(), 3, Duration.ofMillis(100), PING_PAYLOAD, false, PING_TIMEOUT, 64);
        final PingResult result = BenchNode.await(nodeA.proxy().ping(BenchSide.A.podName(), probe), Duration.ofSeconds(10), "ping a-1 -> b-1");
        if (result.received() == 0)
        {
            throw new BenchException("a-1 cannot reach b-1 over the tunnel: " +
                (result.errors().isEmpty() ? "no reply" : result.errors().get(0).type()) + "; node-a drops " + nodeA.proxy().drops());
        }
    }

    // ---------------------------------------------------------------- round trips

    private RoundTrips podPing()
    {
        final long intervalNanos = settings.pingInterval().toNanos();
        say("pod ping a-1 -> b-1: %d warm-up + %d pings of %d bytes, %.1f ms apart...",
            settings.warmupPings(), settings.pings(), PING_PAYLOAD, intervalNanos / 1e6);
        if (settings.warmupPings() > 0)
        {
            pingFromPod(settings.warmupPings());
        }
        final Map<String, Long> dropsABefore = nodeA.proxy().drops();
        final Map<String, Long> dropsBBefore = childDrops();
        final PingResult[] result = new PingResult[1];
        final CpuUse cpu = measureCpu(() -> result[0] = pingFromPod(settings.pings()));
        final long[] rtts = result[0].replies().stream().mapToLong(PingResult.Reply::rttNanos).toArray();
        return new RoundTrips("pod ping a-1 -> b-1", pingMessageLength(), LatencySummary.of(rtts, result[0].errors().size()), cpu,
            rise(dropsABefore, nodeA.proxy().drops()), rise(dropsBBefore, childDrops()));
    }

    private PingResult pingFromPod(final int count)
    {
        final PingRequest request = new PingRequest(
            BenchSide.B.podIp(), count, settings.pingInterval(), PING_PAYLOAD, false, PING_TIMEOUT, 64);
        return BenchNode.await(nodeA.proxy().ping(BenchSide.A.podName(), request), pingsTimeout(count), "ping a-1 -> b-1");
    }

    /** The tunnel message a pod's 56-byte ping makes: Ethernet + IPv4 + ICMP + payload, in the Protobuf envelope. */
    public static int pingMessageLength()
    {
        final int frame = TunnelConfig.INNER_ETHERNET + 20 + 8 + PING_PAYLOAD;
        return frame + TunnelFrameCodec.envelopeLength(frame);
    }

    private RoundTrips rawPing()
    {
        final int size = pingMessageLength();
        final long intervalNanos = settings.pingInterval().toNanos();
        say("raw Aeron ping-pong: %d warm-up + %d pings of %d bytes, %.1f ms apart...",
            settings.warmupPings(), settings.pings(), size, intervalNanos / 1e6);
        final RoundTrips result;
        try (RawAeronEndpoint raw = startRaw())
        {
            if (settings.warmupPings() > 0)
            {
                BenchNode.await(raw.pingPong(settings.warmupPings(), intervalNanos, size, PING_TIMEOUT.toNanos()),
                    pingsTimeout(settings.warmupPings()), "raw ping-pong warm-up");
            }
            final LatencySummary[] latency = new LatencySummary[1];
            final CpuUse cpu = measureCpu(() -> latency[0] = BenchNode.await(
                raw.pingPong(settings.pings(), intervalNanos, size, PING_TIMEOUT.toNanos()), pingsTimeout(settings.pings()),
                "raw ping-pong"));
            result = new RoundTrips("raw Aeron ping-pong", size, latency[0], cpu, Map.of(), Map.of());
        }
        stopRaw();
        return result;
    }

    private Duration pingsTimeout(final int count)
    {
        return settings.pingInterval().multipliedBy(count).plus(PING_TIMEOUT).plusSeconds(30);
    }

    // ---------------------------------------------------------------- throughput

    /**
     * The IPv4 packets a UDP datagram of {@code payload} bytes leaves a pod in: one when it fits the
     * MTU, else fragments of at most {@code mtu - 20} bytes (a multiple of 8) of the UDP header and payload.
     */
    public static int ipv4Fragments(final int payload, final int mtu)
    {
        final int udp = 8 + payload;
        if (20 + udp <= mtu)
        {
            return 1;
        }
        final int perFragment = (mtu - 20) & ~7;
        return (udp + perFragment - 1) / perFragment;
    }

    /** The Aeron frames one message of {@code size} bytes takes with {@code maxPayload} bytes per frame. */
    public static int aeronFrames(final int size, final int maxPayload)
    {
        return (size + maxPayload - 1) / maxPayload;
    }

    /** The largest message one Aeron frame carries with {@code tunnel}'s MTU. */
    public static int maxRawPayload(final TunnelConfig tunnel)
    {
        return tunnel.aeronMtu() - DataHeaderFlyweight.HEADER_LENGTH;
    }

    private Throughput podFlood(final int size)
    {
        final int fragments = ipv4Fragments(size, nodeA.podMtu());
        say("pod UDP a-1 -> b-1:%d, %d-byte payloads (%s) for %d s...", Discard.PORT, size,
            fragments == 1 ? "one packet each, pod MTU " + nodeA.podMtu() :
                fragments + " IPv4 fragments each: the packet exceeds the pod MTU " + nodeA.podMtu(),
            settings.flood().toSeconds());
        final Map<String, Long> dropsABefore = nodeA.proxy().drops();
        final Map<String, Long> dropsBBefore = childDrops();
        final long[] before = discardCount();
        final UdpFloodResult[] sent = new UdpFloodResult[1];
        final CpuUse cpu = measureCpu(() -> sent[0] = BenchNode.await(
            nodeA.proxy().udpFlood(BenchSide.A.podName(), BenchSide.B.podIp(), Discard.PORT, size, settings.flood()),
            settings.flood().plusSeconds(30), "UDP flood a-1 -> b-1"));
        final long[] after = awaitSteady(this::discardCount);
        return new Throughput("pod UDP", size, fragments, sent[0].datagrams(), after[0] - before[0], after[1] - before[1],
            sent[0].durationNanos(), cpu, rise(dropsABefore, nodeA.proxy().drops()), rise(dropsBBefore, childDrops()));
    }

    /** One TCP connection a-1 to b-1's discard service, kept full for the flood duration. */
    private Throughput podTcp(final long[] retransmits)
    {
        final int mss = tcpMss(nodeA.podMtu());
        say("pod TCP a-1 -> b-1:%d, one connection kept full (MSS %d) for %d s...", Discard.PORT, mss,
            settings.flood().toSeconds());
        final Map<String, Long> dropsABefore = nodeA.proxy().drops();
        final Map<String, Long> dropsBBefore = childDrops();
        final TcpPerfResult[] sent = new TcpPerfResult[1];
        final CpuUse cpu = measureCpu(() -> sent[0] = BenchNode.await(
            nodeA.proxy().tcpPerf(BenchSide.A.podName(), BenchSide.B.podIp(), Discard.PORT, 1, settings.flood(),
                Duration.ofMillis(500), CONNECT_TIMEOUT),
            settings.flood().plusSeconds(60), "TCP a-1 -> b-1"));
        if (!sent[0].ok())
        {
            throw new BenchException("pod TCP a-1 -> b-1 failed: " + sent[0].error());
        }
        retransmits[0] = sent[0].retransmits();
        final long segments = (sent[0].bytes() + mss - 1) / mss;
        return new Throughput("pod TCP", mss, 1, segments, segments, sent[0].bytes(), sent[0].durationNanos(), cpu,
            rise(dropsABefore, nodeA.proxy().drops()), rise(dropsBBefore, childDrops()));
    }

    /** Data bytes of a full TCP segment with timestamps at a pod MTU: MTU - 20 (IPv4) - 20 (TCP) - 12 (timestamps). */
    public static int tcpMss(final int podMtu)
    {
        return podMtu - 40 - 12;
    }

    private long[] discardCount()
    {
        final String answer = nodeB.request("stats " + BenchSide.B.podName(), PEER_TIMEOUT);
        final String[] words = answer.split(" ");
        if (words.length != 3 || !words[0].equals("discard"))
        {
            throw new BenchException("the peer JVM answered '" + answer + "' (expected: discard DATAGRAMS BYTES)");
        }
        return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
    }

    private Map<String, Long> childDrops()
    {
        final String answer = nodeB.request("drops", PEER_TIMEOUT);
        final Map<String, Long> drops = new LinkedHashMap<>();
        final String[] words = answer.split(" ");
        if (!words[0].equals("drops"))
        {
            throw new BenchException("the peer JVM answered '" + answer + "' (expected: drops [REASON=COUNT ...])");
        }
        for (int i = 1; i < words.length; i++)
        {
            final int eq = words[i].indexOf('=');
            drops.put(words[i].substring(0, eq), Long.parseLong(words[i].substring(eq + 1)));
        }
        return drops;
    }

    private Throughput rawFlood(final int size)
    {
        final int frames = aeronFrames(size, maxRawPayload(nodeA.tunnelConfig()));
        say("raw Aeron, %d-byte messages (%s) as fast as the publication takes them, for %d s...", size,
            frames == 1 ? "one frame each" : frames + " frames each", settings.flood().toSeconds());
        final Throughput result;
        try (RawAeronEndpoint raw = startRaw())
        {
            final long before = rawCount();
            final FloodResult[] sent = new FloodResult[1];
            final CpuUse cpu = measureCpu(() -> sent[0] = BenchNode.await(
                raw.flood(size, settings.flood().toNanos()), settings.flood().plusSeconds(30), "raw Aeron flood"));
            final long delivered = awaitSteady(() -> new long[] {rawCount()})[0] - before;
            result = new Throughput("raw Aeron", size, frames, sent[0].offered(), delivered, delivered * size,
                sent[0].durationNanos(), cpu, Map.of(), Map.of());
        }
        stopRaw();
        return result;
    }

    private long rawCount()
    {
        final String answer = nodeB.request("raw-count", PEER_TIMEOUT);
        try
        {
            return Long.parseLong(answer);
        }
        catch (final NumberFormatException ex)
        {
            throw new BenchException("the peer JVM answered '" + answer + "' (expected: the number of messages)");
        }
    }

    // ---------------------------------------------------------------- raw endpoints

    /** Starts the raw endpoints on both sides, on fresh ports, and waits until both are connected. */
    private RawAeronEndpoint startRaw()
    {
        final int portA = LoopbackPorts.freeUdpPort();
        final int portB = otherFreePort(portA);
        final String started = nodeB.request("raw-start " + portB + " " + portA, PEER_TIMEOUT); // with the peer's --underlay-mtu
        if (!started.equals("raw-started"))
        {
            throw new BenchException("the peer JVM answered '" + started + "' (expected: raw-started)");
        }
        final RawAeronEndpoint raw = RawAeronEndpoint.start(
            BenchSide.A.nodeName(), portA, portB, settings.idleMode(), settings.underlayMtu());
        try
        {
            awaitCondition(() -> raw.isConnected() && nodeB.request("raw-connected", PEER_TIMEOUT).equals("raw-connected yes"),
                CONNECT_TIMEOUT, "the raw Aeron endpoints connected");
            return raw;
        }
        catch (final RuntimeException ex)
        {
            raw.close();
            throw ex;
        }
    }

    /** Stops the peer's raw endpoint (after a failure there is no need: the peer JVM is stopped anyway). */
    private void stopRaw()
    {
        final String stopped = nodeB.request("raw-stop", PEER_TIMEOUT);
        if (!stopped.equals("raw-stopped"))
        {
            throw new BenchException("the peer JVM answered '" + stopped + "' (expected: raw-stopped)");
        }
    }

    // ---------------------------------------------------------------- helpers

    private CpuUse measureCpu(final Runnable measurement)
    {
        final ProcessHandle child = nodeB.handle();
        final long parentBefore = cpuNanos(ProcessHandle.current());
        final long childBefore = cpuNanos(child);
        final long start = System.nanoTime();
        measurement.run();
        final long wall = System.nanoTime() - start;
        final long parentAfter = cpuNanos(ProcessHandle.current());
        final long childAfter = cpuNanos(child);
        return new CpuUse(cores(parentBefore, parentAfter, wall), cores(childBefore, childAfter, wall));
    }

    private static double cores(final long before, final long after, final long wallNanos)
    {
        return before < 0 || after < 0 ? Double.NaN : (double)(after - before) / wallNanos;
    }

    /** CPU time of a process, all threads, in nanoseconds (-1 when the platform does not say). */
    static long cpuNanos(final ProcessHandle process)
    {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Reads {@code counter} until two reads 200 ms apart agree (at most 10 s): what was in flight has arrived. */
    private static long[] awaitSteady(final Supplier<long[]> counter)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long[] last = counter.get();
        while (System.nanoTime() < deadline)
        {
            sleep(Duration.ofMillis(200));
            final long[] now = counter.get();
            if (now[0] == last[0])
            {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static Map<String, Long> rise(final Map<String, Long> before, final Map<String, Long> after)
    {
        final Map<String, Long> rise = new LinkedHashMap<>();
        after.forEach((reason, count) ->
        {
            final long delta = count - before.getOrDefault(reason, 0L);
            if (delta != 0)
            {
                rise.put(reason, delta);
            }
        });
        return rise;
    }

    private static int otherFreePort(final int taken)
    {
        int port = LoopbackPorts.freeUdpPort();
        while (port == taken)
        {
            port = LoopbackPorts.freeUdpPort();
        }
        return port;
    }

    private static void awaitCondition(final Supplier<Boolean> condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.get())
        {
            if (System.nanoTime() > deadline)
            {
                throw new BenchException("not within " + limit.toSeconds() + " s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static void sleep(final Duration duration)
    {
        try
        {
            Thread.sleep(duration.toMillis());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", ex);
        }
    }

    private void say(final String format, final Object... args)
    {
        progress.printf(format + "%n", args);
        progress.flush();
    }
}
