package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.MacAddress;
import dev.podnet.tap.Namespaces;
import dev.podnet.tap.RealPodSupport;
import dev.podnet.tap.TapDevice;
import dev.podnet.tap.TapException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Real pods of one node: Linux network namespaces whose {@code eth0} is a TAP device on the node's
 * bridge, so the kernel's own ping, curl or iperf3 in the namespace use podnet's network.
 * <p>
 * Attaching ({@link #attach}), on the caller's thread (an API thread; never the data plane's), in order:
 * <ol>
 *   <li>the namespace: a path is joined; a name is used, or created (then with IPv6 off) and owned;</li>
 *   <li>a TAP device named after the pod (its first 15 characters), non-blocking;</li>
 *   <li>the data plane takes it as the pod's port, with the node's next free address (one command);</li>
 *   <li>the device moves into the namespace and is configured there: name ({@code eth0} or the CNI
 *       runtime's), the pod's MAC, the pod MTU, address/prefix, up, {@code lo} up, default route via the
 *       node's gateway;</li>
 *   <li>for a namespace by name, {@code /etc/netns/NAME/resolv.conf}: the cluster DNS as the kubelet gives a
 *       pod of namespace {@code default} (what {@code ip netns exec NAME} shows its programs as
 *       {@code /etc/resolv.conf}), unless the namespace has one already; a failure to write it is logged,
 *       not fatal.</li>
 * </ol>
 * A step that fails undoes the ones before it. Deleting the pod (any path: API, CLI, CNI) closes the TAP
 * device once the data plane let go of it (the device disappears with its descriptor) and deletes the
 * namespace when this node created it, and the {@code resolv.conf} it wrote. When the node stops, {@link #close()} does the same for every
 * real pod.
 * <p>
 * A crash leaves no TAP device (the kernel removes them with the process) but may leave namespaces the
 * agent created, and {@code resolv.conf} files: their names (paths) are written to
 * {@code java.io.tmpdir/podnet-netns-NODE-PID} as they are made, and the next agent of the node deletes
 * those of processes that are gone.
 */
public final class RealPods implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RealPods.class);
    private static final Duration STEP = Duration.ofSeconds(10);
    private static final String DEFAULT_IFNAME = "eth0";

    /** Where {@code ip netns exec} finds files to show a namespace's programs instead of {@code /etc}'s. */
    static final Path ETC_NETNS = Path.of("/etc/netns");
    /** Writers and removers of files under {@link #ETC_NETNS}, so that one's empty directory goes while no other fills it. */
    private static final Object ETC_NETNS_LOCK = new Object();

    /** {@code resolvConf}: the file this node wrote, null when none; {@code madeDirectory}: its directory too. */
    private record Attached(TapDevice tap, Namespaces.Ref netns, Path resolvConf, boolean madeDirectory)
    {
    }

    private final DataPlaneProxy proxy;
    private final NodeConfig config;
    private final Map<String, Attached> attached = new ConcurrentHashMap<>();
    private final Path ledger;

    RealPods(final DataPlaneProxy proxy, final NodeConfig config)
    {
        this.proxy = proxy;
        this.config = config;
        this.ledger = ledgerDirectory().resolve(ledgerPrefix(config.nodeName()) + ProcessHandle.current().pid());
    }

    /** Whether this node can attach real pods, and why not. */
    public RealPodSupport support()
    {
        return RealPodSupport.get();
    }

    /**
     * Attaches real pod {@code name} in namespace {@code netns} (a name, created when missing; or a path)
     * as interface {@code ifname} (null: {@code eth0}).
     *
     * @throws DataPlaneException UNAVAILABLE when this node cannot attach real pods (the reason says why),
     *                            INVALID for a bad name or a namespace that does not exist, CONFLICT when
     *                            the pod exists, UNAVAILABLE when the system refused a step (its message)
     */
    public PodInfo attach(final String name, final String netns, final String ifname)
    {
        final RealPodSupport support = support();
        if (!support.available())
        {
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE,
                "node " + config.nodeName() + " cannot attach real pods: " + support.reason());
        }
        if (!NodeConfig.isDnsLabel(name))
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "pod name '" + name + "' is not a DNS-1123 label");
        }
        final String device = ifname == null ? DEFAULT_IFNAME : ifname;
        final String problem = TapDevice.nameProblem(device);
        if (problem != null)
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "interface name '" + device + "' " + problem);
        }
        if (attached.containsKey(name))
        {
            throw new DataPlaneException(DataPlaneException.Kind.CONFLICT, "pod '" + name + "' already exists on node " +
                config.nodeName());
        }
        final Namespaces.Ref ref;
        try
        {
            ref = Namespaces.open(netns);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, ex.getMessage());
        }
        catch (final TapException ex)
        {
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, ex.getMessage());
        }
        if (ref.created())
        {
            record(ref.label());
        }
        TapDevice tap = null;
        PodInfo pod = null;
        try
        {
            tap = TapDevice.open(name.length() > TapDevice.MAX_NAME_LENGTH ? name.substring(0, TapDevice.MAX_NAME_LENGTH) : name);
            pod = await(proxy.attachTap(name, tap, ref.label()), "attach pod " + name + " to the bridge");
            final int gateway = config.podCidr().address(1);
            Namespaces.attach(tap, ref, new Namespaces.Interface(device, MacAddress.format(pod.mac()),
                Ipv4Address.format(pod.ip()), config.podCidr().prefixLength(), config.pod().mtu(), Ipv4Address.format(gateway)));
            final Path directory = ETC_NETNS.resolve(ref.label());
            final boolean madeDirectory = ref.named() && !Files.exists(directory);
            final Path resolvConf = ref.named() ? writeResolvConf(name, directory, madeDirectory) : null;
            attached.put(name, new Attached(tap, ref, resolvConf, madeDirectory && resolvConf != null));
            LOG.info("real pod {} attached: {} in network namespace {} ({}), {}/{} via {}{}", name, device, ref.label(),
                ref.created() ? "created" : "existing", Ipv4Address.format(pod.ip()), config.podCidr().prefixLength(),
                Ipv4Address.format(gateway), resolvConf == null ? "" : ", cluster DNS in " + resolvConf);
            return pod;
        }
        catch (final RuntimeException ex)
        {
            if (pod != null)
            {
                proxy.deletePod(name).orTimeout(STEP.toSeconds(), TimeUnit.SECONDS).exceptionally(ignored -> null).join();
            }
            if (tap != null)
            {
                tap.close();
            }
            removeNamespace(ref);
            if (ex instanceof TapException)
            {
                // "File exists": the namespace has an interface of that name, or a default route, already
                throw new DataPlaneException(ex.getMessage().contains("File exists") ? DataPlaneException.Kind.CONFLICT :
                    DataPlaneException.Kind.UNAVAILABLE, ex.getMessage());
            }
            throw ex;
        }
    }

    /** Where pod {@code name} lives, when it is a real pod of this node. */
    public Namespaces.Ref netns(final String name)
    {
        final Attached pod = attached.get(name);
        return pod == null ? null : pod.netns();
    }

    /** After the data plane let go of {@code tap}: closes it and deletes the pod's namespace when it was made for it. */
    void released(final String name, final TapDevice tap)
    {
        tap.close();
        final Attached pod = attached.remove(name);
        if (pod != null)
        {
            if (pod.resolvConf() != null)
            {
                removeResolvConf(pod.resolvConf(), pod.madeDirectory());
            }
            removeNamespace(pod.netns());
            LOG.info("real pod {} detached from network namespace {}", name, pod.netns().label());
        }
    }

    /** The node stopped: every TAP device closes, every namespace this node made goes. */
    @Override
    public void close()
    {
        for (final String name : List.copyOf(attached.keySet()))
        {
            final Attached pod = attached.get(name);
            if (pod != null)
            {
                released(name, pod.tap());
            }
        }
        try
        {
            Files.deleteIfExists(ledger);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot remove {}: {}", ledger, ex.toString());
        }
    }

    private void removeNamespace(final Namespaces.Ref ref)
    {
        if (!ref.created())
        {
            return;
        }
        try
        {
            Namespaces.delete(ref);
            forget(ref.label());
        }
        catch (final TapException ex)
        {
            LOG.warn("node {}: {}", config.nodeName(), ex.getMessage());
        }
    }

    /** The kubelet's resolv.conf for a pod of namespace default, in {@code directory}; null when one is there or on failure. */
    private Path writeResolvConf(final String pod, final Path directory, final boolean madeDirectory)
    {
        final Path file = directory.resolve("resolv.conf");
        if (Files.exists(file))
        {
            LOG.info("real pod {}: {} exists, left as it is", pod, file);
            return null;
        }
        final ServiceSettings services = config.services();
        final String text = "# podnet: real pod " + pod + " of node " + config.nodeName() + ", namespace default\n" +
            dev.podnet.dns.ResolvConf.forPod(services.dnsIp(), PodSpec.DEFAULT_NAMESPACE, services.clusterDomain()).render();
        synchronized (ETC_NETNS_LOCK)
        {
            return writeResolvConf(pod, directory, madeDirectory, file, text);
        }
    }

    private Path writeResolvConf(final String pod, final Path directory, final boolean madeDirectory, final Path file, final String text)
    {
        try
        {
            record(file.toString());
            if (madeDirectory)
            {
                record(directory + "/");
            }
            Files.createDirectories(directory);
            Files.writeString(file, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE);
            return file;
        }
        catch (final IOException ex)
        {
            forget(file.toString());
            forget(directory + "/");
            LOG.warn("real pod {}: cannot write {} ({}): its programs use the machine's /etc/resolv.conf", pod, file, ex.toString());
            return null;
        }
    }

    private void removeResolvConf(final Path file, final boolean madeDirectory)
    {
        try
        {
            deleteResolvConf(file, madeDirectory);
            forget(file.toString());
            forget(file.getParent() + "/");
        }
        catch (final IOException ex)
        {
            LOG.warn("node {}: cannot remove {}: {}", config.nodeName(), file, ex.toString());
        }
    }

    /**
     * Deletes {@code file} and, when asked and it is empty then, its directory; then {@code /etc/netns} itself
     * when nothing is left in it (as on a machine that never had real pods).
     */
    private static void deleteResolvConf(final Path file, final boolean directoryToo) throws IOException
    {
        synchronized (ETC_NETNS_LOCK)
        {
            Files.deleteIfExists(file);
            if (directoryToo)
            {
                deleteIfEmpty(file.getParent());
            }
            deleteIfEmpty(ETC_NETNS);
        }
    }

    private static void deleteIfEmpty(final Path directory) throws IOException
    {
        try
        {
            Files.deleteIfExists(directory);
        }
        catch (final java.nio.file.DirectoryNotEmptyException ex)
        {
            // someone else's files are there: the directory stays
        }
    }

    // ---------------------------------------------------------------- what a crashed agent left behind

    private static Path ledgerDirectory()
    {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static String ledgerPrefix(final String node)
    {
        return "podnet-netns-" + node + "-";
    }

    private synchronized void record(final String namespace)
    {
        try
        {
            Files.writeString(ledger, namespace + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot note namespace {} in {}: a crash would leave it behind ({})", namespace, ledger, ex.toString());
        }
    }

    private synchronized void forget(final String namespace)
    {
        try
        {
            if (Files.exists(ledger))
            {
                final List<String> left = new ArrayList<>(Files.readAllLines(ledger, StandardCharsets.UTF_8));
                left.remove(namespace);
                if (left.stream().allMatch(String::isBlank))
                {
                    Files.delete(ledger);
                }
                else
                {
                    Files.write(ledger, left, StandardCharsets.UTF_8);
                }
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot update {}: {}", ledger, ex.toString());
        }
    }

    /**
     * Deletes the namespaces that earlier, now dead, agents of node {@code node} created and did not
     * delete (they crashed or were killed): their TAP devices went with them, the namespaces did not.
     */
    static void cleanUpAfterCrash(final String node)
    {
        final String prefix = ledgerPrefix(node);
        final List<Path> ledgers;
        try (var files = Files.list(ledgerDirectory()))
        {
            ledgers = files.filter(file -> file.getFileName().toString().startsWith(prefix)).toList();
        }
        catch (final IOException ex)
        {
            return;
        }
        for (final Path file : ledgers)
        {
            final long pid;
            try
            {
                pid = Long.parseLong(file.getFileName().toString().substring(prefix.length()));
            }
            catch (final NumberFormatException ex)
            {
                continue;
            }
            if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            {
                continue;
            }
            try
            {
                for (final String namespace : Files.readAllLines(file, StandardCharsets.UTF_8))
                {
                    if (namespace.startsWith("/") && namespace.trim().endsWith("/"))
                    {
                        // /etc/netns/NAME/, which it made: gone when nothing else is in it
                        synchronized (ETC_NETNS_LOCK)
                        {
                            deleteIfEmpty(Path.of(namespace.trim()));
                            deleteIfEmpty(ETC_NETNS);
                        }
                    }
                    else if (namespace.startsWith("/"))
                    {
                        // a resolv.conf it wrote
                        deleteResolvConf(Path.of(namespace.trim()), false);
                        LOG.info("node {}: deleted {}, left behind by its previous agent (pid {})", node, namespace.trim(), pid);
                    }
                    else if (!namespace.isBlank())
                    {
                        Namespaces.deleteNamed(namespace.trim());
                        LOG.info("node {}: deleted network namespace {}, left behind by its previous agent (pid {})",
                            node, namespace.trim(), pid);
                    }
                }
                Files.deleteIfExists(file);
            }
            catch (final IOException | TapException ex)
            {
                LOG.warn("node {}: cannot clean up after its previous agent (pid {}): {}", node, pid, ex.getMessage());
            }
        }
    }

    private static <T> T await(final CompletableFuture<T> future, final String what)
    {
        try
        {
            return future.get(STEP.toSeconds(), TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new IllegalStateException(what + ": " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, what + ": the data plane did not answer within " +
                STEP.toSeconds() + " s");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new DataPlaneException(DataPlaneException.Kind.UNAVAILABLE, what + ": interrupted");
        }
    }
}
