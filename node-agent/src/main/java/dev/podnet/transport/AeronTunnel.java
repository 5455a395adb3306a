package dev.podnet.transport;

import dev.podnet.dataplane.IdleWait;
import dev.podnet.dataplane.Overlay;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.trace.Tracer;
import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.RegistrationException;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.aeron.protocol.DataHeaderFlyweight;
import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The tunnel between node agents: TunnelFrame Protobuf messages over Aeron UDP, the VXLAN of podnet.
 * <p>
 * Each agent embeds its own Aeron media driver (its own directory, so several agents share a host or
 * a JVM) in {@link ThreadingMode#INVOKER} mode: the driver's conductor, sender and receiver, and the
 * Aeron client's conductor, all run inside the data plane's duty cycle. No extra threads, no
 * hand-off between threads per frame, and an idle agent costs what its one idle strategy costs.
 * <ul>
 *   <li>one subscription on the tunnel port receives from every peer;</li>
 *   <li>one exclusive publication per peer node sends to it; added asynchronously, and a peer whose
 *       host does not resolve (yet) is retried with exponential back-off (100 ms to 5 s);</li>
 *   <li>send never waits: back-pressure and not-connected are return codes the router counts;</li>
 *   <li>a publication nothing was sent through for a while is closed: the tunnel goes quiet (below);</li>
 *   <li>receive decodes each message with the allocation-free {@link TunnelFrameCodec}; a message
 *       Aeron had to fragment (larger than one datagram), a malformed one or one of another network
 *       is counted and dropped;</li>
 *   <li>a message is accepted only from the underlay address of the node it names as its source: the
 *       IPv4 address of the image it arrived on (Aeron's {@code sourceIdentity}, taken once when the image
 *       appears; the sending port is ephemeral and not compared) must be the address the peer's host
 *       resolves to. Hosts are resolved off the duty cycle, when a peer is added, every
 *       {@value #RESOLVE_INTERVAL_MS} ms, and at most once a second when a message comes from elsewhere
 *       (a container restarted with a new address is believed again within about a second). Others are
 *       counted as {@code tunnel-unknown-source} and dropped. This is not authentication: a host on the
 *       path can forge its source address, as it can for VXLAN.</li>
 * </ul>
 * <b>Quiet tunnel.</b> Aeron sends a heartbeat per publication every 100 ms (not configurable) and each wakes the
 * receiving data plane: kept open to every peer, an idle mesh of N agents does O(N²) work. So a peer's publication,
 * once connected, is closed after {@link TunnelConfig#peerIdleMs} (the agent's {@code PODNET_TUNNEL_IDLE_MS}, 30 s; 0:
 * never) without a frame sent to it; the peer is then {@code idle}, a healthy state (its route stays, and the peer's
 * image here goes when its own publication goes idle). The next frame to it adds the publication again, and until it is
 * connected that frame and the ones after it wait, encoded, in order, in a hold pool made once at start:
 * {@value #HOLD_SLOTS} slots of one Aeron MTU for all peers, at most {@value #HOLD_SLOTS_PER_PEER} for one peer, so a
 * peer that is dead or slow to come back takes its share and never the room the others need; a slot is free as soon as
 * its frame went, and one peer's shut window does not hold back another's frames. Frames beyond a peer's share
 * ({@code tunnel-hold-full}, {@link #QUEUE_FULL}; {@link #window} of a waking peer is the room left in its share, so pod
 * TCP holds back instead) or held longer than {@link #HOLD_LIMIT_NANOS} ({@code tunnel-hold-expired}) are counted and
 * dropped. A peer that did not come back within that limit stops holding: it is {@code connecting}, and frames to it are
 * not connected, as to any such peer. Holding, sending and freeing are array and list operations on the duty cycle: no
 * allocation, no lock.
 * <p>
 * Idle, the data plane waits in this tunnel's {@link TunnelWait}: a datagram on any of the driver's
 * sockets ends the wait. What the driver does on its own (heartbeats every 100 ms per publication,
 * status messages, here every {@value #STATUS_MESSAGE_INTERVAL_MS} ms instead of 200 ms) counts as work
 * only within {@value #ACTIVE_MS} ms of traffic (a frame sent or received): it keeps a flow-controlled
 * sender prompt, and between idle nodes it does not restart the data plane's back-off.
 * <p>
 * Shared memory per agent: the driver's cnc file (about 11 MB: Aeron's minimum buffers, a 1 MiB counters
 * buffer) plus 3 terms per publication and per image: with 128 KiB terms, a 10-node mesh needs about
 * 11 + 18 × 0.375 = 18 MB of a container's default 64 MiB {@code /dev/shm}, all of it resident. Sparse
 * files are off, so running out is a clean error at start instead of a SIGBUS later.
 */
public final class AeronTunnel implements Overlay
{
    /** 'PN'. */
    public static final int STREAM_ID = 0x504E;
    /** Free /dev/shm below which the driver warns at each new publication. */
    static final long LOW_STORAGE_WARNING_BYTES = 16L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(AeronTunnel.class);
    private static final int FRAGMENT_LIMIT = 64;
    /**
     * Driver duty cycles run per data-plane duty cycle at most, while they find work. An INVOKER-mode driver's
     * sender sends one datagram per publication per duty cycle, and its receiver reads one per transport: invoked
     * once per data-plane cycle, the tunnel would carry one frame per cycle each way, whatever the window. 64
     * rather than 16: pod TCP 1.7 times and 2-fragment pod UDP 1.3 times faster, idle CPU unchanged (BENCHMARKS.md).
     */
    static final int DRIVER_CYCLES = 64;
    private static final long PEER_CHECK_INTERVAL_NANOS = 10_000_000L;
    private static final long FIRST_RETRY_NANOS = 100_000_000L;
    private static final long MAX_RETRY_NANOS = 5_000_000_000L;
    static final long RESOLVE_INTERVAL_MS = 5_000;
    private static final long RESOLVE_INTERVAL_NANOS = RESOLVE_INTERVAL_MS * 1_000_000L;
    private static final long RESOLVE_AGAIN_NANOS = 1_000_000_000L;
    /** How long after a frame the driver's own work still counts as work. */
    static final long ACTIVE_MS = 100;
    private static final long ACTIVE_NANOS = ACTIVE_MS * 1_000_000L;
    /**
     * An image's status message when nothing changes (Aeron's default is 200 ms): a peer's publication counts
     * as connected while one arrives every 5 s; a moving window sends its own at once.
     */
    static final long STATUS_MESSAGE_INTERVAL_MS = 1_000;
    /** At most one driver error line a second ({@link DriverErrors}): a partitioned node's failed sends are thousands. */
    private static final long DRIVER_ERROR_LOG_INTERVAL_NANOS = 1_000_000_000L;
    /** Frames the tunnel holds, for all peers together, while idle peers' publications come back. */
    static final int HOLD_SLOTS = 64;
    /**
     * Frames the tunnel holds for one peer at most: a quarter of the slots, so that a dead or slow peer (its publication
     * never connects, or its window stays shut) takes its share and no more, and four peers woken at once by a burst to
     * all of them (a Service's endpoints, a broadcast) each still get a full share.
     */
    static final int HOLD_SLOTS_PER_PEER = HOLD_SLOTS / 4;
    /**
     * How long a held frame waits for its peer's publication to connect before it is dropped: 3 s, as long as Linux holds
     * a packet for an unresolved neighbour (3 solicitations a second apart). A publication comes back in a round trip
     * and ~100 ms here when one peer wakes; when every peer wakes at once (an all-pairs check after a quiet spell: each
     * wake writes 3 terms of zeros at either end) some took longer than the 1 s first chosen, at 20 nodes on two cores.
     */
    static final long HOLD_LIMIT_NANOS = 3_000_000_000L;

    private static final class Peer
    {
        final int address;
        final String host;
        final int port;
        long registrationId = Aeron.NULL_VALUE;
        ExclusivePublication publication;
        String problem;
        long nextAttemptAt;
        long retryNanos = FIRST_RETRY_NANOS;
        long framesSent;
        long framesReceived;
        /** When a frame was last sent (or held) for this peer, or its publication added: the idle clock. */
        long lastSendAt;
        /** The publication was closed for idleness; the route stays. The next frame adds it again. */
        boolean idle;
        /** Frames go to the hold queue until the publication is connected and this peer's held frames are out. */
        boolean waking;
        /** This peer's frames in the hold pool, at most {@link #HOLD_SLOTS_PER_PEER}. */
        int held;
        /** This peer's first and last held slot (-1: none): its held frames, oldest first, linked by {@code holdNext}. */
        int holdFirst = -1;
        int holdLast = -1;
        /** The host's IPv4 address as last resolved (0: not yet, or it did not resolve); written by the resolver. */
        volatile int underlayAddress;
        volatile boolean resolving;
        long nextResolveAt;

        Peer(final int address, final String host, final int port)
        {
            this.address = address;
            this.host = host;
            this.port = port;
        }
    }

    private final TunnelConfig config;
    private final int localAddress;
    private final String aeronDir;
    private final DropCounters drops;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final Subscription subscription;
    private final Int2ObjectHashMap<Peer> peers = new Int2ObjectHashMap<>();
    /** The IPv4 source address of each image on the subscription, by session id (0: not IPv4). */
    private final Int2IntHashMap imageSources = new Int2IntHashMap(0);
    /** Resolves peers' hosts off the duty cycle; its one thread exists only while there is something to resolve. */
    private final ThreadPoolExecutor resolver;
    private final TunnelFrameCodec.Decoder decoder;
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer receiveBuffer;
    private final FragmentHandler onFragment = this::onFragment;
    private final TunnelWait wait = new TunnelWait();
    /**
     * The hold pool: {@value #HOLD_SLOTS} slots of one encoded TunnelFrame each, shared by the waking peers, at most
     * {@value #HOLD_SLOTS_PER_PEER} per peer. Free slots are a stack ({@code freeSlots}); a peer's held slots are a list
     * in order of arrival ({@code holdNext}, from {@code Peer.holdFirst}), so a slot sent or dropped is free at once,
     * whatever other peers' frames wait: no peer waits behind another's.
     */
    private final UnsafeBuffer holdBuffer;
    private final int holdSlotLength;
    private final int[] holdNext = new int[HOLD_SLOTS];
    private final int[] holdLength = new int[HOLD_SLOTS];
    private final long[] holdAt = new long[HOLD_SLOTS];
    private final int[] freeSlots = new int[HOLD_SLOTS];
    private int freeCount;
    private int heldFrames;
    private final long peerIdleNanos;
    private Receiver receiver;
    private long now;
    private long lastTrafficAt;
    private Tracer tracer = new Tracer("");
    private long nextPeerCheckAt;

    private AeronTunnel(
        final TunnelConfig config, final String nodeName, final int localAddress, final DropCounters drops)
    {
        this.config = config;
        this.localAddress = localAddress;
        this.drops = drops;
        if (config.aeronDir() == null)
        {
            final List<Path> stale = TunnelConfig.removeStaleAeronDirectories(nodeName);
            if (!stale.isEmpty())
            {
                LOG.info("node {}: removed {} driver directories that killed earlier lives of it left behind: {}", nodeName,
                    stale.size(), stale);
            }
        }
        this.aeronDir = config.resolveAeronDir(nodeName);
        this.decoder = new TunnelFrameCodec.Decoder(config.maxFrameLength());
        this.sendBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(config.aeronMtu()), 64));
        this.receiveBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(config.maxFrameLength()), 64));
        this.holdSlotLength = align(config.aeronMtu());
        this.holdBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(holdSlotLength * HOLD_SLOTS, 64));
        for (int slot = HOLD_SLOTS - 1; slot >= 0; slot--)
        {
            freeSlots[freeCount++] = slot;
        }
        this.peerIdleNanos = TimeUnit.MILLISECONDS.toNanos(config.peerIdleMs());

        final MediaDriver.Context driverContext = wait.configure(new MediaDriver.Context())
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .termBufferSparseFile(false)
            .publicationTermBufferLength(config.termLength())
            .ipcTermBufferLength(64 * 1024)
            .initialWindowLength(Math.min(128 * 1024, config.termLength() / 2))
            .counterValuesBufferLength(1024 * 1024)
            // Aeron warns below 160 MB free by default, more than a container's whole /dev/shm (64-128 MiB)
            // although a node needs ~15 MB: warn when a few more peers would no longer fit
            .lowStorageWarningThreshold(LOW_STORAGE_WARNING_BYTES)
            .mtuLength(config.aeronMtu())
            .statusMessageTimeoutNs(TimeUnit.MILLISECONDS.toNanos(STATUS_MESSAGE_INTERVAL_MS))
            // the executor only resolves peer host names, off the duty cycle, when a tunnel is added; polled every
            // 1 ms by default it costs ~0.01 core per idle agent, every 10 ms ~0.0015: it sleeps 100 ms between looks
            .asyncExecutorIdleStrategy(new SleepingMillisIdleStrategy(100))
            .errorHandler(new DriverErrors(line -> LOG.warn("tunnel media driver of node {}: {}", nodeName, line), System::nanoTime,
                DRIVER_ERROR_LOG_INTERVAL_NANOS));
        MediaDriver launched = null;
        Aeron client = null;
        try
        {
            launched = MediaDriver.launch(driverContext);
            this.driverInvoker = launched.sharedAgentInvoker();
            client = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(aeronDir)
                .driverAgentInvoker(driverInvoker)
                .useConductorAgentInvoker(true)
                .clientName("podnet-" + nodeName)
                .errorHandler(ex -> LOG.warn("tunnel of node {}: {}", nodeName, ex.toString())));
            this.clientInvoker = client.conductorAgentInvoker();
            final String channel = new ChannelUriStringBuilder()
                .media("udp")
                .endpoint(config.bindAddress() + ":" + config.port())
                .build();
            this.subscription = client.addSubscription(channel, STREAM_ID, this::onImageAvailable, this::onImageUnavailable);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(client, launched, wait);
            throw new IllegalStateException("cannot start the tunnel of node " + nodeName + " on " +
                config.bindAddress() + ":" + config.port() + " (PODNET_TUNNEL_PORT): " + ex.getMessage(), ex);
        }
        this.driver = launched;
        this.aeron = client;
        this.resolver = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task ->
        {
            final Thread thread = new Thread(task, "podnet-tunnel-resolver-" + nodeName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts the tunnel of a node.
     *
     * @param localAddress the node's own tunnel address (its CIDR's network address), written in every frame
     */
    public static AeronTunnel launch(
        final TunnelConfig config, final String nodeName, final int localAddress, final DropCounters drops)
    {
        final AeronTunnel tunnel = new AeronTunnel(config, nodeName, localAddress, drops);
        LOG.info("node {} tunnel listening on udp {}:{} (network {}, Aeron MTU {}, pod MTU {}, dir {})",
            nodeName, config.bindAddress(), config.port(), config.networkId(), config.aeronMtu(), config.innerMtu(), tunnel.aeronDir);
        return tunnel;
    }

    private static int align(final int value)
    {
        return (value + 63) & ~63;
    }

    public String aeronDir()
    {
        return aeronDir;
    }

    @Override
    public int innerMtu()
    {
        return config.innerMtu();
    }

    @Override
    public int doWork(final long nowNanos, final Receiver receiver)
    {
        this.now = nowNanos;
        final int driverWork = invokeDriver(driverInvoker) + clientInvoker.invoke();
        int work = 0;
        if (nowNanos >= nextPeerCheckAt)
        {
            nextPeerCheckAt = nowNanos + PEER_CHECK_INTERVAL_NANOS;
            work += checkPeers(nowNanos);
        }
        if (heldFrames > 0)
        {
            lastTrafficAt = nowNanos; // frames waiting for a publication to come back: the driver's work is work
            work += drainHeld(nowNanos);
        }
        this.receiver = receiver;
        final int fragments = subscription.poll(onFragment, FRAGMENT_LIMIT);
        if (fragments > 0)
        {
            lastTrafficAt = nowNanos;
        }
        work += fragments;
        return nowNanos - lastTrafficAt < ACTIVE_NANOS ? work + driverWork : work;
    }

    @Override
    public IdleWait idleWait()
    {
        return wait;
    }

    /** Runs the driver's duty cycle while it finds work, {@value #DRIVER_CYCLES} times at most. */
    public static int invokeDriver(final org.agrona.concurrent.AgentInvoker invoker)
    {
        int work = 0;
        for (int i = 0; i < DRIVER_CYCLES; i++)
        {
            final int done = invoker.invoke();
            work += done;
            if (done == 0)
            {
                break;
            }
        }
        return work;
    }

    private int checkPeers(final long nowNanos)
    {
        int work = 0;
        for (final Peer peer : peers.values())
        {
            if (nowNanos >= peer.nextResolveAt)
            {
                resolve(peer, nowNanos);
            }
            if (peer.publication != null)
            {
                // only a connected publication goes idle: "idle" is healthy, a peer that never answered stays "connecting"
                if (peerIdleNanos > 0 && peer.held == 0 && nowNanos - peer.lastSendAt >= peerIdleNanos &&
                    peer.publication.isConnected())
                {
                    work++;
                    goIdle(peer);
                }
                continue;
            }
            if (peer.idle)
            {
                continue;
            }
            if (peer.registrationId == Aeron.NULL_VALUE)
            {
                if (nowNanos >= peer.nextAttemptAt)
                {
                    work++;
                    final String channel = new ChannelUriStringBuilder()
                        .media("udp")
                        .endpoint(peer.host + ":" + peer.port)
                        .mtu(config.aeronMtu())
                        .termLength(config.termLength())
                        .build();
                    try
                    {
                        peer.registrationId = aeron.asyncAddExclusivePublication(channel, STREAM_ID);
                    }
                    catch (final RuntimeException ex)
                    {
                        retryLater(peer, ex, nowNanos);
                    }
                }
                continue;
            }
            try
            {
                final ExclusivePublication publication = aeron.getExclusivePublication(peer.registrationId);
                if (publication != null)
                {
                    work++;
                    peer.publication = publication;
                    peer.problem = null;
                    peer.retryNanos = FIRST_RETRY_NANOS;
                    peer.lastSendAt = nowNanos;
                    if (peer.waking)
                    {
                        LOG.debug("tunnel to {} ({}:{}) added again after idling", Ipv4Address.format(peer.address), peer.host,
                            peer.port);
                    }
                    else
                    {
                        LOG.info("tunnel to {} ({}:{}) added", Ipv4Address.format(peer.address), peer.host, peer.port);
                    }
                }
            }
            catch (final RegistrationException ex)
            {
                work++;
                retryLater(peer, ex, nowNanos);
            }
        }
        return work;
    }

    /** Resolves the peer's host on the resolver thread (one look-up in flight per peer). */
    private void resolve(final Peer peer, final long nowNanos)
    {
        peer.nextResolveAt = nowNanos + RESOLVE_INTERVAL_NANOS;
        if (peer.resolving)
        {
            return;
        }
        peer.resolving = true;
        resolver.execute(() ->
        {
            try
            {
                final InetAddress address = InetAddress.getByName(peer.host);
                peer.underlayAddress = address instanceof Inet4Address ? ipv4(address.getAddress()) : 0;
            }
            catch (final UnknownHostException ex)
            {
                peer.underlayAddress = 0;
            }
            finally
            {
                peer.resolving = false;
            }
        });
    }

    private void onImageAvailable(final Image image)
    {
        imageSources.put(image.sessionId(), sourceAddress(image.sourceIdentity()));
    }

    private void onImageUnavailable(final Image image)
    {
        imageSources.remove(image.sessionId());
    }

    /** The IPv4 address of an image's {@code sourceIdentity} ({@code 10.0.0.2:40123}); 0 when it is not one. */
    static int sourceAddress(final String sourceIdentity)
    {
        if (sourceIdentity == null)
        {
            return 0;
        }
        final int colon = sourceIdentity.lastIndexOf(':');
        final String host = colon < 0 ? sourceIdentity : sourceIdentity.substring(0, colon);
        try
        {
            return Ipv4Address.parse(host);
        }
        catch (final IllegalArgumentException ex)
        {
            return 0;
        }
    }

    private static int ipv4(final byte[] bytes)
    {
        return (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF);
    }

    private void retryLater(final Peer peer, final RuntimeException ex, final long nowNanos)
    {
        final String problem = rootMessage(ex);
        if (!problem.equals(peer.problem))
        {
            LOG.warn("tunnel to {} ({}:{}) not ready, retrying: {}", Ipv4Address.format(peer.address), peer.host, peer.port, problem);
        }
        peer.problem = problem;
        peer.registrationId = Aeron.NULL_VALUE;
        peer.nextAttemptAt = nowNanos + peer.retryNanos;
        peer.retryNanos = Math.min(MAX_RETRY_NANOS, peer.retryNanos * 2);
    }

    private static String rootMessage(final Throwable ex)
    {
        Throwable cause = ex;
        while (cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        final String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    @Override
    public int send(final int peerAddress, final DirectBuffer frame, final int offset, final int length)
    {
        final Peer peer = peers.get(peerAddress);
        if (peer == null)
        {
            return NO_PEER;
        }
        if (peer.waking && peer.held == 0 && peer.publication != null && peer.publication.isConnected())
        {
            peer.waking = false; // back, and nothing held before this frame
        }
        if (peer.idle || peer.waking)
        {
            return hold(peer, frame, offset, length);
        }
        final ExclusivePublication publication = peer.publication;
        if (publication == null)
        {
            return NOT_CONNECTED;
        }
        peer.lastSendAt = now;
        final int traceId = tracer.current();
        final int encoded = encode(frame, offset, length, publication.maxPayloadLength(), traceId);
        if (encoded < 0)
        {
            return TOO_LARGE;
        }
        if (traceId != 0)
        {
            tracer.enter("tunnel");
        }
        long result = publication.offer(sendBuffer, 0, encoded);
        if (result == Publication.ADMIN_ACTION)
        {
            result = publication.offer(sendBuffer, 0, encoded); // the term rotated under the offer: retry once, at once
        }
        lastTrafficAt = now;
        if (result > 0)
        {
            peer.framesSent++;
            if (traceId != 0)
            {
                tracer.hop("tunnel", "encapsulated", "a TunnelFrame (network " + config.networkId() + ", " + encoded +
                    " bytes) to the node at " + Ipv4Address.format(peer.address) + ", underlay " + peer.host + ":" + peer.port +
                    (peer.underlayAddress != 0 ? " (" + Ipv4Address.format(peer.underlayAddress) + ")" : "") +
                    (traceCarried ? ", trace id carried" : ", trace id NOT carried: the frame leaves no room for it, " +
                        "the other node cannot report it"));
            }
            return SENT;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            return BACK_PRESSURED;
        }
        return NOT_CONNECTED;
    }

    /** Whether the last {@link #encode} kept the trace id. */
    private boolean traceCarried;

    /** Encodes a frame into {@link #sendBuffer}; its length, or -1 when it exceeds {@code maxPayload}. */
    private int encode(final DirectBuffer frame, final int offset, final int length, final int maxPayload, final int traceId)
    {
        int encoded = TunnelFrameCodec.encode(
            sendBuffer, 0, sendBuffer.capacity(), config.networkId(), localAddress, frame, offset, length, traceId);
        traceCarried = traceId != 0;
        if (traceId != 0 && (encoded < 0 || encoded > maxPayload))
        {
            // a traced frame within 5 bytes of the pod MTU: it goes, its mark does not
            encoded = TunnelFrameCodec.encode(sendBuffer, 0, sendBuffer.capacity(), config.networkId(), localAddress, frame, offset, length);
            traceCarried = false;
        }
        return encoded < 0 || encoded > maxPayload ? -1 : encoded;
    }

    /** Closes an idle peer's publication: no heartbeats to it, no status messages from it. The route stays. */
    private void goIdle(final Peer peer)
    {
        peer.publication.close();
        peer.publication = null;
        peer.registrationId = Aeron.NULL_VALUE;
        peer.idle = true;
        peer.waking = false;
        LOG.debug("tunnel to {} ({}:{}) idle: its publication closed", Ipv4Address.format(peer.address), peer.host, peer.port);
    }

    /**
     * A frame for an idle or waking peer: encoded into the hold pool (the publication is added again if it went idle);
     * {@link #QUEUE_FULL} when the peer holds its share already or the pool is full (counted).
     */
    private int hold(final Peer peer, final DirectBuffer frame, final int offset, final int length)
    {
        peer.lastSendAt = now;
        if (peer.idle)
        {
            peer.idle = false;
            peer.waking = true;
            peer.nextAttemptAt = 0;
            nextPeerCheckAt = 0; // add the publication on this very duty cycle
        }
        final int traceId = tracer.current();
        final int encoded = encode(frame, offset, length, config.aeronMtu() - DataHeaderFlyweight.HEADER_LENGTH, traceId);
        if (encoded < 0)
        {
            return TOO_LARGE;
        }
        if (peer.held >= HOLD_SLOTS_PER_PEER || freeCount == 0)
        {
            drops.increment(DropReason.TUNNEL_HOLD_FULL);
            return QUEUE_FULL;
        }
        final int slot = freeSlots[--freeCount];
        holdBuffer.putBytes(slot * holdSlotLength, sendBuffer, 0, encoded);
        holdLength[slot] = encoded;
        holdAt[slot] = now;
        holdNext[slot] = -1;
        if (peer.holdLast < 0)
        {
            peer.holdFirst = slot;
        }
        else
        {
            holdNext[peer.holdLast] = slot;
        }
        peer.holdLast = slot;
        peer.held++;
        heldFrames++;
        lastTrafficAt = now;
        if (traceId != 0)
        {
            tracer.hop("tunnel", "held", "a TunnelFrame (" + encoded + " bytes) for the node at " + Ipv4Address.format(peer.address) +
                ": its tunnel was idle, held until it is connected again (at most " + HOLD_LIMIT_NANOS / 1_000_000 + " ms)");
        }
        return SENT;
    }

    /**
     * Offers each peer's held frames, oldest first, once its publication is connected; drops (counted) those held
     * longer than {@link #HOLD_LIMIT_NANOS}. A peer whose window is shut keeps the rest for later; the others go on.
     */
    private int drainHeld(final long nowNanos)
    {
        int work = 0;
        for (final Peer peer : peers.values())
        {
            if (peer.held > 0)
            {
                work += drainHeld(peer, nowNanos);
            }
        }
        return work;
    }

    private int drainHeld(final Peer peer, final long nowNanos)
    {
        int work = 0;
        final ExclusivePublication publication = peer.publication;
        while (peer.holdFirst >= 0)
        {
            final int slot = peer.holdFirst;
            if (publication == null || !publication.isConnected())
            {
                if (nowNanos - holdAt[slot] <= HOLD_LIMIT_NANOS)
                {
                    break; // held in order of arrival: the rest are younger
                }
                releaseFirst(peer);
                drops.increment(DropReason.TUNNEL_HOLD_EXPIRED);
                if (peer.held == 0)
                {
                    peer.waking = false; // it did not come back: what follows is not connected, as for any such peer
                }
                continue;
            }
            long result = publication.offer(holdBuffer, slot * holdSlotLength, holdLength[slot]);
            if (result == Publication.ADMIN_ACTION)
            {
                result = publication.offer(holdBuffer, slot * holdSlotLength, holdLength[slot]);
            }
            if (result > 0)
            {
                work++;
                peer.framesSent++;
                releaseFirst(peer);
            }
            else if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
            {
                break; // the rest waits for this peer's window, in order
            }
            else
            {
                releaseFirst(peer);
                drops.increment(DropReason.TUNNEL_NOT_CONNECTED);
            }
        }
        return work;
    }

    /**
     * Frees a peer's oldest held slot (sent or dropped); the peer stops waking once its last held frame went out on a
     * connected publication.
     */
    private void releaseFirst(final Peer peer)
    {
        final int slot = peer.holdFirst;
        peer.holdFirst = holdNext[slot];
        if (peer.holdFirst < 0)
        {
            peer.holdLast = -1;
        }
        freeSlots[freeCount++] = slot;
        heldFrames--;
        if (--peer.held == 0 && peer.publication != null && peer.publication.isConnected())
        {
            peer.waking = false;
        }
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final byte flags = header.flags();
        if ((flags & FrameDescriptor.UNFRAGMENTED) != FrameDescriptor.UNFRAGMENTED)
        {
            // larger than one datagram: Aeron split it; count the message once, at its first fragment
            if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0)
            {
                drops.increment(DropReason.TUNNEL_FRAME_TOO_LARGE);
            }
            return;
        }
        switch (decoder.decode(buffer, offset, length))
        {
            case NONE:
                break;
            case TRUNCATED:
                drops.increment(DropReason.TUNNEL_TRUNCATED);
                return;
            case MISSING_FRAME:
                drops.increment(DropReason.TUNNEL_MISSING_FRAME);
                return;
            case FRAME_TOO_LARGE:
                drops.increment(DropReason.TUNNEL_FRAME_TOO_LARGE);
                return;
            default:
                drops.increment(DropReason.TUNNEL_MALFORMED);
                return;
        }
        tracer.current(decoder.traceId(), "tunnel");
        try
        {
            accept(buffer, header);
        }
        finally
        {
            tracer.current(0);
        }
    }

    /** A well-formed tunnel message: checked (network, source), then its frame goes to the receiver. */
    private void accept(final DirectBuffer buffer, final Header header)
    {
        final int frameLength = decoder.frameLength();
        if (tracer.active())
        {
            tracer.hop("tunnel", "received", "a TunnelFrame (network " + decoder.networkId() + ") from the node at " +
                Ipv4Address.format(decoder.sourceNode()) + ", underlay " + Ipv4Address.format(imageSources.get(header.sessionId())) +
                ": decapsulated", buffer, decoder.frameOffset(), frameLength);
        }
        if (decoder.networkId() != config.networkId())
        {
            drops.increment(DropReason.WRONG_NETWORK);
            return;
        }
        final Peer peer = peers.get(decoder.sourceNode());
        if (peer != null)
        {
            final int source = imageSources.get(header.sessionId());
            if (source == 0 || source != peer.underlayAddress)
            {
                drops.increment(DropReason.TUNNEL_UNKNOWN_SOURCE);
                if (now - peer.nextResolveAt + RESOLVE_INTERVAL_NANOS >= RESOLVE_AGAIN_NANOS)
                {
                    resolve(peer, now); // perhaps the peer's address changed: look again, at most once a second
                }
                return;
            }
            peer.framesReceived++;
        }
        receiveBuffer.putBytes(0, buffer, decoder.frameOffset(), frameLength);
        receiver.onTunnelFrame(decoder.sourceNode(), receiveBuffer, 0, frameLength, now);
    }

    @Override
    public long window(final int peerAddress)
    {
        final Peer peer = peers.get(peerAddress);
        if (peer != null && (peer.idle || peer.waking))
        {
            // what the hold pool takes for it: the router and pod TCP must send to an idle peer for it to come back
            return Math.min(HOLD_SLOTS_PER_PEER - peer.held, freeCount) * (long)(config.aeronMtu() - DataHeaderFlyweight.HEADER_LENGTH);
        }
        if (peer == null || peer.publication == null || !peer.publication.isConnected())
        {
            return 0;
        }
        return Math.max(0, peer.publication.availableWindow());
    }

    @Override
    public void addPeer(final int peerAddress, final String host, final int port)
    {
        removePeer(peerAddress);
        final Peer peer = new Peer(peerAddress, host, port);
        peers.put(peerAddress, peer);
        resolve(peer, now);
        nextPeerCheckAt = 0;
    }

    @Override
    public void removePeer(final int peerAddress)
    {
        final Peer peer = peers.remove(peerAddress);
        if (peer != null)
        {
            while (peer.holdFirst >= 0)
            {
                releaseFirst(peer);
                drops.increment(DropReason.TUNNEL_NOT_CONNECTED);
            }
            if (peer.publication != null)
            {
                peer.publication.close();
            }
            else if (peer.registrationId != Aeron.NULL_VALUE)
            {
                aeron.asyncRemovePublication(peer.registrationId);
            }
        }
    }

    @Override
    public String peerState(final int peerAddress)
    {
        final Peer peer = peers.get(peerAddress);
        if (peer == null)
        {
            return "none";
        }
        if (peer.idle)
        {
            return "idle";
        }
        if (peer.publication != null)
        {
            return peer.publication.isConnected() ? "connected" : "connecting";
        }
        return peer.problem == null ? "connecting" : "resolving (" + peer.problem + ")";
    }

    @Override
    public long framesSent(final int peerAddress)
    {
        final Peer peer = peers.get(peerAddress);
        return peer == null ? 0 : peer.framesSent;
    }

    @Override
    public long framesReceived(final int peerAddress)
    {
        final Peer peer = peers.get(peerAddress);
        return peer == null ? 0 : peer.framesReceived;
    }

    /** One of the driver's system counters (bytes received, heartbeats received, ...), readable from any thread: for tests. */
    long driverCounter(final io.aeron.driver.status.SystemCounterDescriptor counter)
    {
        return aeron.countersReader().getCounterValue(counter.id());
    }

    @Override
    public void tracer(final Tracer tracer)
    {
        this.tracer = tracer;
    }

    @Override
    public void close()
    {
        resolver.shutdownNow();
        CloseHelper.quietCloseAll(aeron, driver, wait);
    }
}
