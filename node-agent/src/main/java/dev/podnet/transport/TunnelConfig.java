package dev.podnet.transport;

import io.aeron.CommonContext;
import io.aeron.protocol.DataHeaderFlyweight;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a node's tunnel is set up, and the pod MTU that follows from it.
 * <p>
 * The MTU arithmetic (docs/MTU.md), flannel-style: everything the tunnel adds is taken from the
 * underlay MTU so a full-size pod frame travels in one unfragmented UDP datagram:
 * <pre>
 *   underlay MTU                       1500
 *   - outer IPv4 header                 -20
 *   - outer UDP header                   -8
 *   = Aeron MTU (rounded down to x32)  1472   (Aeron requires a multiple of 32)
 *   - Aeron data header                 -32
 *   = one Aeron message                1440
 *   - Protobuf envelope                 -13   (TunnelFrame: network_id, source_node, frame tag+length)
 *   = inner Ethernet frame             1427
 *   - inner Ethernet header             -14
 *   = pod MTU                          1413
 * </pre>
 *
 * @param networkId   the cluster network's id (VXLAN's VNI): frames of other networks are dropped
 * @param bindAddress the local address the tunnel listens on
 * @param port        the tunnel's UDP port (8472 by default, as the Linux VXLAN port flannel uses)
 * @param underlayMtu the MTU of the network between nodes
 * @param aeronDir    the embedded media driver's directory (unique per agent; {@code null} picks one)
 * @param termLength  Aeron term length per publication and image: each takes 3 terms of shared memory
 * @param peerIdleMs  a peer's publication is closed after this long without a frame sent to it (the peer is then
 *                    "idle": no heartbeats either way); the next frame to it adds it again; 0: never
 */
public record TunnelConfig(
    int networkId, String bindAddress, int port, int underlayMtu, String aeronDir, int termLength, long peerIdleMs)
{
    /**
     * How long a peer's publication stays without a frame sent to it before it is closed: 30 s, long enough that a
     * conversation's pauses (a probe every few seconds, a TCP keepalive) seldom pay the ~1 ms of bringing it back, short
     * enough that an idle mesh goes quiet soon after start (the agent's {@code PODNET_TUNNEL_IDLE_MS}).
     */
    public static final long DEFAULT_PEER_IDLE_MS = 30_000;
    /** The shortest idle time but 0 (never): a publication takes a few milliseconds to connect again. */
    public static final long MIN_PEER_IDLE_MS = 100;
    /** The longest idle time: an hour (longer is as good as never: say 0). */
    public static final long MAX_PEER_IDLE_MS = 3_600_000;
    /**
     * The idle time of a configuration made without one ({@link #defaults}: tests and the in-JVM benchmarks; an agent
     * always gives its {@code PODNET_TUNNEL_IDLE_MS}): {@value #DEFAULT_PEER_IDLE_MS} ms, or the system property
     * {@code podnet.tunnel.peerIdleMs}, which runs a whole test suite with a tiny idle time to find what still takes
     * only {@code connected} for a healthy tunnel.
     */
    static final long IN_JVM_PEER_IDLE_MS = Long.getLong("podnet.tunnel.peerIdleMs", DEFAULT_PEER_IDLE_MS);

    public static final int DEFAULT_PORT = 8472;
    public static final int DEFAULT_UNDERLAY_MTU = 1500;
    /**
     * 128 KiB terms: 3 × 128 KiB of shared memory per peer and direction, every page of it resident (sparse files are
     * off), a 64 KiB flow-control window. A 10-node mesh takes 7 MB of it per agent besides the driver's 11 MB, a
     * 50-node mesh 37 MB (256 KiB terms took twice that); a window of 64 KiB keeps up with a pod's bursts on loopback.
     */
    public static final int DEFAULT_TERM_LENGTH = 128 * 1024;
    /** What follows {@code podnet-<node>-} in a directory {@link #resolveAeronDir} picked: the pid, a random suffix. */
    private static final Pattern LIFE = Pattern.compile("(\\d{1,10})-[0-9a-f]{1,8}");
    /** A driver whose heartbeat is older than this is no more (an idle agent's driver beats every few ms). */
    private static final long STALE_DRIVER_MS = 10_000;
    public static final int DEFAULT_NETWORK_ID = 1;
    public static final int OUTER_IP_UDP = 20 + 8;
    public static final int ENVELOPE = TunnelFrameCodec.MAX_ENVELOPE_LENGTH_16K;
    public static final int INNER_ETHERNET = 14;

    public TunnelConfig
    {
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("tunnel port " + port + " outside 1..65535");
        }
        if (underlayMtu < 1280 || underlayMtu > 9216)
        {
            throw new IllegalArgumentException("underlay MTU " + underlayMtu + " outside 1280..9216");
        }
        if (termLength < 64 * 1024 || termLength > 64 * 1024 * 1024 || Integer.bitCount(termLength) != 1)
        {
            throw new IllegalArgumentException("tunnel term length " + termLength + " must be a power of two in 64 KiB..64 MiB");
        }
        if (bindAddress == null || bindAddress.isBlank())
        {
            throw new IllegalArgumentException("tunnel bind address is required");
        }
        if (peerIdleMs < 0)
        {
            throw new IllegalArgumentException("tunnel peer idle time " + peerIdleMs + " ms is negative (0: never idle)");
        }
    }

    public TunnelConfig(
        final int networkId, final String bindAddress, final int port, final int underlayMtu, final String aeronDir, final int termLength)
    {
        this(networkId, bindAddress, port, underlayMtu, aeronDir, termLength, IN_JVM_PEER_IDLE_MS);
    }

    /** A peer's publication closes after {@code peerIdleMs} without a frame sent to it; 0: never. */
    public TunnelConfig withPeerIdleMs(final long peerIdleMs)
    {
        return new TunnelConfig(networkId, bindAddress, port, underlayMtu, aeronDir, termLength, peerIdleMs);
    }

    public static TunnelConfig defaults(final int port)
    {
        return new TunnelConfig(DEFAULT_NETWORK_ID, "0.0.0.0", port, DEFAULT_UNDERLAY_MTU, null, DEFAULT_TERM_LENGTH);
    }

    public TunnelConfig withBindAddress(final String bindAddress)
    {
        return new TunnelConfig(networkId, bindAddress, port, underlayMtu, aeronDir, termLength, peerIdleMs);
    }

    public TunnelConfig withNetworkId(final int networkId)
    {
        return new TunnelConfig(networkId, bindAddress, port, underlayMtu, aeronDir, termLength, peerIdleMs);
    }

    public TunnelConfig withUnderlayMtu(final int underlayMtu)
    {
        return new TunnelConfig(networkId, bindAddress, port, underlayMtu, aeronDir, termLength, peerIdleMs);
    }

    /** UDP payload per datagram (Aeron's {@code mtu}): underlay MTU less outer IP and UDP, rounded down to a multiple of 32. */
    public int aeronMtu()
    {
        return (underlayMtu - OUTER_IP_UDP) & ~31;
    }

    /** The largest inner Ethernet frame one Aeron message carries. */
    public int maxFrameLength()
    {
        return aeronMtu() - DataHeaderFlyweight.HEADER_LENGTH - ENVELOPE;
    }

    /** The pod MTU: the largest IPv4 packet a pod may send through the tunnel unfragmented. */
    public int innerMtu()
    {
        return maxFrameLength() - INNER_ETHERNET;
    }

    /** The driver directory to use: the configured one, or a fresh one under /dev/shm (or the temp dir). */
    public String resolveAeronDir(final String nodeName)
    {
        if (aeronDir != null)
        {
            return aeronDir;
        }
        final File shm = new File("/dev/shm");
        final String base = shm.isDirectory() && shm.canWrite() ? shm.getPath() : System.getProperty("java.io.tmpdir");
        return base + File.separator + aeronDirPrefix(nodeName, ProcessHandle.current().pid()) +
            Integer.toHexString(ThreadLocalRandom.current().nextInt());
    }

    /**
     * Removes what the agent process {@code pid} of node {@code nodeName} left of the driver directories
     * {@link #resolveAeronDir} picked for it: an agent that stopped cleanly left nothing, one that was
     * killed or halted left its directory (for a supervisor after the process ended, or for the process
     * itself just before it halts).
     */
    public static void removeAeronDirectories(final String nodeName, final long pid)
    {
        final String prefix = aeronDirPrefix(nodeName, pid);
        removeDirectories(dir -> dir.getFileName().toString().startsWith(prefix));
    }

    /**
     * Removes the driver directories earlier lives of node {@code nodeName} left behind when they were killed
     * ({@code kill -9}, the OOM killer, a chaos run's {@code docker kill}): each holds about 12 MB of /dev/shm,
     * and a container's is 64-128 MiB. A directory is stale when its process is gone, or, when it names this very
     * process (a restarted container often gives its agent the same pid), when its driver no longer beats.
     *
     * @return the directories removed
     */
    public static List<Path> removeStaleAeronDirectories(final String nodeName)
    {
        final String prefix = "podnet-" + nodeName + "-";
        final long self = ProcessHandle.current().pid();
        return removeDirectories(dir ->
        {
            final String name = dir.getFileName().toString();
            final Matcher life = LIFE.matcher(name.startsWith(prefix) ? name.substring(prefix.length()) : "");
            if (!life.matches())
            {
                return false;
            }
            final long pid = Long.parseLong(life.group(1));
            return pid == self ?
                !CommonContext.isDriverActive(dir.toFile(), STALE_DRIVER_MS, message -> { }) :
                ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true);
        });
    }

    /** Removes the directories under /dev/shm and the temp dir that {@code doomed} picks; returns them. */
    private static List<Path> removeDirectories(final Predicate<Path> doomed)
    {
        final List<Path> removed = new ArrayList<>();
        for (final String base : List.of("/dev/shm", System.getProperty("java.io.tmpdir")))
        {
            final Path dir = Path.of(base);
            if (!Files.isDirectory(dir))
            {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir))
            {
                for (final Path aeronDir : entries.toList())
                {
                    try
                    {
                        if (doomed.test(aeronDir))
                        {
                            deleteTree(aeronDir);
                            removed.add(aeronDir);
                        }
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        // not ours to remove (or half-written): it stays
                    }
                }
            }
            catch (final IOException ex)
            {
                // not ours to list: what is there stays
            }
        }
        return removed;
    }

    private static String aeronDirPrefix(final String nodeName, final long pid)
    {
        return "podnet-" + nodeName + "-" + pid + "-";
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> tree = Files.walk(root))
        {
            for (final Path path : tree.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
