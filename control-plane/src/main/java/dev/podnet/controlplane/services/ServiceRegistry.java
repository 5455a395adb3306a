package dev.podnet.controlplane.services;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import dev.podnet.controlplane.Cidrs;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The cluster's one writer of namespaces and Services, as the API server is in Kubernetes: a cluster
 * singleton that validates what may only be judged against everything else (a name taken, an address
 * in use, an immutable field) and allocates ClusterIPs and node ports.
 * <p>
 * Guarantees, and how (the lease allocator's design):
 * <ul>
 *   <li><b>No address twice.</b> Namespaces and Services live in Distributed Data (keys
 *       {@code namespaces} and {@code services}), written only here with write-majority; a new
 *       singleton after a failover first reads both with read-majority and serves nobody before. A
 *       Service is confirmed to its client only once its write reached a majority.</li>
 *   <li><b>Kubernetes' allocation.</b> A ClusterIP is the one asked for if it is free and in the
 *       Service CIDR, else a free one at random; the CIDR's first address is reserved (the
 *       {@code kubernetes} Service's) and the tenth is {@code kube-system/kube-dns}'s. Node ports come
 *       from 30000-32767 the same way. {@code spec.clusterIP} cannot change once given (422, as
 *       Kubernetes: "field is immutable").</li>
 *   <li><b>Built in.</b> Namespaces {@code default}, {@code kube-system}, {@code kube-public} and
 *       {@code kube-node-lease} always exist and cannot be deleted; {@code kube-system/kube-dns} is the
 *       cluster DNS Service (answered by every node's data plane for its own pods).</li>
 *   <li><b>Refusals, not crashes.</b> Every refusal is a reply with an HTTP-like status and a reason
 *       that names the field.</li>
 * </ul>
 * Per Service the state is one {@link ServiceInfo} (a few hundred bytes replicated).
 */
public final class ServiceRegistry extends AbstractBehavior<ServiceRegistry.Command>
{
    public static final Key<LWWMap<String, ServiceMessage>> NAMESPACES = LWWMapKey.create("namespaces");
    public static final Key<LWWMap<String, ServiceMessage>> SERVICES = LWWMapKey.create("services");
    public static final String DNS_NAMESPACE = "kube-system";
    public static final String DNS_SERVICE = "kube-dns";

    public interface Command
    {
    }

    /** Create or update a Service. */
    public record ApplyService(ServiceInfo service, ActorRef<RegistryReply> replyTo) implements Command, ServiceMessage
    {
    }

    public record DeleteService(String namespace, String name, ActorRef<RegistryReply> replyTo) implements Command, ServiceMessage
    {
    }

    /** Create a namespace or change its labels. */
    public record ApplyNamespace(NamespaceInfo namespace, ActorRef<RegistryReply> replyTo) implements Command, ServiceMessage
    {
    }

    /** Delete a namespace and its Services (its pods are the nodes' to delete). */
    public record DeleteNamespace(String name, ActorRef<RegistryReply> replyTo) implements Command, ServiceMessage
    {
    }

    /**
     * The answer.
     *
     * @param outcome   {@code created}, {@code configured}, {@code unchanged} or {@code deleted}; null when refused
     * @param status    0 when done, else 400, 403, 404, 409, 422 or 503
     * @param error     why it was refused, or null
     * @param service   the Service as stored, when the request was about one
     * @param namespace the namespace as stored, when the request was about one
     */
    public record RegistryReply(String outcome, int status, String error, ServiceInfo service, NamespaceInfo namespace)
        implements ServiceMessage
    {
        public boolean ok()
        {
            return status == 0;
        }

        static RegistryReply refused(final int status, final String error)
        {
            return new RegistryReply(null, status, error, null, null);
        }
    }

    private record Loaded(Key<LWWMap<String, ServiceMessage>> key, Replicator.GetResponse<LWWMap<String, ServiceMessage>> response)
        implements Command
    {
    }

    private record Written(Replicator.UpdateResponse<LWWMap<String, ServiceMessage>> response, RegistryReply reply,
        ActorRef<RegistryReply> replyTo) implements Command
    {
    }

    private static final Duration MAJORITY_TIMEOUT = Duration.ofSeconds(3);
    private static final int RANDOM_TRIES = 64;

    private final ServiceRegistrySettings settings;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, ServiceMessage>> replicator;
    private final StashBuffer<Command> stash;
    private final SelfUniqueAddress self;
    private final Random random = new SecureRandom();
    private final int network;
    private final int size;
    private LWWMap<String, ServiceMessage> namespaces;
    private LWWMap<String, ServiceMessage> services;

    private ServiceRegistry(
        final ActorContext<Command> context,
        final ServiceRegistrySettings settings,
        final ReplicatorMessageAdapter<Command, LWWMap<String, ServiceMessage>> replicator,
        final StashBuffer<Command> stash)
    {
        super(context);
        this.settings = settings;
        this.replicator = replicator;
        this.stash = stash;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        this.network = Cidrs.network(settings.serviceCidr());
        this.size = 1 << (32 - Cidrs.prefix(settings.serviceCidr()));
        load(NAMESPACES);
        load(SERVICES);
    }

    public static Behavior<Command> create(final ServiceRegistrySettings settings)
    {
        return Behaviors.withStash(1000, stash -> Behaviors.setup(context ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, ServiceMessage>> replicator) ->
                    new ServiceRegistry(context, settings, replicator, stash))));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessage(Loaded.class, this::onLoaded)
            .onMessage(Written.class, this::onWritten)
            .onMessage(ApplyService.class, this::onApplyService)
            .onMessage(DeleteService.class, this::onDeleteService)
            .onMessage(ApplyNamespace.class, this::onApplyNamespace)
            .onMessage(DeleteNamespace.class, this::onDeleteNamespace)
            .build();
    }

    private boolean loaded()
    {
        return namespaces != null && services != null;
    }

    private void load(final Key<LWWMap<String, ServiceMessage>> key)
    {
        replicator.askGet(
            replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(MAJORITY_TIMEOUT), replyTo),
            response -> new Loaded(key, response));
    }

    private Behavior<Command> onLoaded(final Loaded loaded)
    {
        final LWWMap<String, ServiceMessage> value;
        if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, ServiceMessage>> success)
        {
            value = success.get(loaded.key());
        }
        else if (loaded.response() instanceof Replicator.NotFound)
        {
            value = LWWMap.create();
        }
        else
        {
            getContext().getLog().warn("service registry: cannot read {} from a majority yet ({}), retrying", loaded.key().id(),
                loaded.response().getClass().getSimpleName());
            load(loaded.key());
            return this;
        }
        if (loaded.key().equals(NAMESPACES))
        {
            namespaces = value;
        }
        else
        {
            services = value;
        }
        if (!loaded())
        {
            return this;
        }
        getContext().getLog().info("service registry serving from {}: {} namespaces, {} Services in {}",
            getContext().getSystem().address(), namespaces.getEntries().size(), services.getEntries().size(), settings.serviceCidr());
        ensureBuiltIns();
        return stash.unstashAll(this);
    }

    /** The namespaces and the DNS Service every cluster has. */
    private void ensureBuiltIns()
    {
        final long now = System.currentTimeMillis();
        for (final String name : NamespaceInfo.BUILT_IN)
        {
            if (!namespaces.contains(name))
            {
                write(NAMESPACES, name, new NamespaceInfo(name, Map.of(), now), null, null);
            }
        }
        final String dnsKey = DNS_NAMESPACE + "/" + DNS_SERVICE;
        if (!services.contains(dnsKey))
        {
            final ServiceInfo dns = new ServiceInfo(DNS_NAMESPACE, DNS_SERVICE, Map.of("k8s-app", "kube-dns",
                "kubernetes.io/name", "CoreDNS"), Map.of(), ServiceInfo.CLUSTER_IP, settings.dnsIp(),
                List.of(new ServicePortInfo("dns", "UDP", 53, 53, "", 0), new ServicePortInfo("dns-tcp", "TCP", 53, 53, "", 0)),
                ServiceInfo.AFFINITY_NONE, 0, now, now);
            write(SERVICES, dnsKey, dns, null, null);
        }
    }

    private Behavior<Command> onApplyService(final ApplyService apply)
    {
        if (!loaded())
        {
            stash.stash(apply);
            return this;
        }
        final ServiceInfo wanted = apply.service();
        if (!namespaces.contains(wanted.namespace()))
        {
            apply.replyTo().tell(RegistryReply.refused(404, "namespaces \"" + wanted.namespace() + "\" not found"));
            return this;
        }
        final ServiceInfo existing = (ServiceInfo)services.get(wanted.key()).getOrElse(() -> null);
        final String clusterIp;
        if (existing != null)
        {
            if (!wanted.clusterIp().isEmpty() && !wanted.clusterIp().equals(existing.clusterIp()))
            {
                apply.replyTo().tell(RegistryReply.refused(422, "Service \"" + wanted.name() + "\" is invalid: spec.clusterIP: " +
                    "Invalid value: \"" + wanted.clusterIp() + "\": field is immutable (it is " + existing.clusterIp() + ")"));
                return this;
            }
            clusterIp = existing.clusterIp();
        }
        else if (wanted.headless())
        {
            clusterIp = ServiceInfo.NONE;
        }
        else
        {
            final String refused = wanted.clusterIp().isEmpty() ? null : requestedIpProblem(wanted.clusterIp());
            if (refused != null)
            {
                apply.replyTo().tell(RegistryReply.refused(422, "Service \"" + wanted.name() + "\" is invalid: spec.clusterIP: " +
                    "Invalid value: \"" + wanted.clusterIp() + "\": " + refused));
                return this;
            }
            clusterIp = wanted.clusterIp().isEmpty() ? freeIp() : wanted.clusterIp();
            if (clusterIp == null)
            {
                apply.replyTo().tell(RegistryReply.refused(503, "no free ClusterIP left in " + settings.serviceCidr()));
                return this;
            }
        }
        if (ServiceInfo.NODE_PORT.equals(wanted.type()) && ServiceInfo.NONE.equals(clusterIp))
        {
            apply.replyTo().tell(RegistryReply.refused(422, "Service \"" + wanted.name() + "\" is invalid: spec.clusterIP: " +
                "Invalid value: \"None\": may not be set to 'None' for NodePort services"));
            return this;
        }
        final List<ServicePortInfo> ports = new ArrayList<>();
        final Set<Integer> taken = nodePortsInUse(wanted.key());
        for (int i = 0; i < wanted.ports().size(); i++)
        {
            final ServicePortInfo port = wanted.ports().get(i);
            if (!ServiceInfo.NODE_PORT.equals(wanted.type()))
            {
                ports.add(port.withNodePort(0));
                continue;
            }
            int nodePort = port.nodePort();
            if (nodePort == 0 && existing != null)
            {
                nodePort = existingNodePort(existing, port);
            }
            if (nodePort != 0)
            {
                if (nodePort < settings.nodePortFirst() || nodePort > settings.nodePortLast())
                {
                    apply.replyTo().tell(RegistryReply.refused(422, "Service \"" + wanted.name() + "\" is invalid: spec.ports[" + i +
                        "].nodePort: Invalid value: " + nodePort + ": provided port is not in the valid range. The range of valid ports is " +
                        settings.nodePortFirst() + "-" + settings.nodePortLast()));
                    return this;
                }
                if (!taken.add(nodePort))
                {
                    apply.replyTo().tell(RegistryReply.refused(422, "Service \"" + wanted.name() + "\" is invalid: spec.ports[" + i +
                        "].nodePort: Invalid value: " + nodePort + ": provided port is already allocated"));
                    return this;
                }
            }
            else
            {
                nodePort = freeNodePort(taken);
                if (nodePort == 0)
                {
                    apply.replyTo().tell(RegistryReply.refused(503, "no free node port left in " + settings.nodePortFirst() + "-" +
                        settings.nodePortLast()));
                    return this;
                }
                taken.add(nodePort);
            }
            ports.add(port.withNodePort(nodePort));
        }
        final long now = System.currentTimeMillis();
        final ServiceInfo candidate = wanted.stored(clusterIp, ports, existing == null ? now : existing.createdAt(), now);
        if (existing != null && existing.sameSpec(candidate))
        {
            apply.replyTo().tell(new RegistryReply("unchanged", 0, null, existing, null));
            return this;
        }
        write(SERVICES, candidate.key(), candidate, new RegistryReply(existing == null ? "created" : "configured", 0, null, candidate,
            null), apply.replyTo());
        return this;
    }

    private static int existingNodePort(final ServiceInfo existing, final ServicePortInfo port)
    {
        for (final ServicePortInfo old : existing.ports())
        {
            if (old.port() == port.port() && old.protocol().equals(port.protocol()))
            {
                return old.nodePort();
            }
        }
        return 0;
    }

    private Behavior<Command> onDeleteService(final DeleteService delete)
    {
        if (!loaded())
        {
            stash.stash(delete);
            return this;
        }
        final String key = delete.namespace() + "/" + delete.name();
        final ServiceInfo existing = (ServiceInfo)services.get(key).getOrElse(() -> null);
        if (existing == null)
        {
            delete.replyTo().tell(RegistryReply.refused(404, "services \"" + delete.name() + "\" not found in namespace " +
                delete.namespace()));
            return this;
        }
        if (DNS_NAMESPACE.equals(delete.namespace()) && DNS_SERVICE.equals(delete.name()))
        {
            delete.replyTo().tell(RegistryReply.refused(403, "services \"kube-dns\" is the cluster DNS Service: every node answers it, " +
                "it cannot be deleted"));
            return this;
        }
        write(SERVICES, key, null, new RegistryReply("deleted", 0, null, existing, null), delete.replyTo());
        return this;
    }

    private Behavior<Command> onApplyNamespace(final ApplyNamespace apply)
    {
        if (!loaded())
        {
            stash.stash(apply);
            return this;
        }
        final NamespaceInfo existing = (NamespaceInfo)namespaces.get(apply.namespace().name()).getOrElse(() -> null);
        if (existing != null && existing.labels().equals(apply.namespace().labels()))
        {
            apply.replyTo().tell(new RegistryReply("unchanged", 0, null, null, existing));
            return this;
        }
        final NamespaceInfo stored = new NamespaceInfo(apply.namespace().name(), apply.namespace().labels(),
            existing == null ? System.currentTimeMillis() : existing.createdAt());
        write(NAMESPACES, stored.name(), stored, new RegistryReply(existing == null ? "created" : "configured", 0, null, null, stored),
            apply.replyTo());
        return this;
    }

    private Behavior<Command> onDeleteNamespace(final DeleteNamespace delete)
    {
        if (!loaded())
        {
            stash.stash(delete);
            return this;
        }
        final NamespaceInfo existing = (NamespaceInfo)namespaces.get(delete.name()).getOrElse(() -> null);
        if (existing == null)
        {
            delete.replyTo().tell(RegistryReply.refused(404, "namespaces \"" + delete.name() + "\" not found"));
            return this;
        }
        if (NamespaceInfo.BUILT_IN.contains(delete.name()))
        {
            delete.replyTo().tell(RegistryReply.refused(403, "namespaces \"" + delete.name() + "\" is forbidden: this namespace may " +
                "not be deleted"));
            return this;
        }
        for (final Map.Entry<String, ServiceMessage> entry : services.getEntries().entrySet())
        {
            if (((ServiceInfo)entry.getValue()).namespace().equals(delete.name()))
            {
                write(SERVICES, entry.getKey(), null, null, null);
            }
        }
        write(NAMESPACES, delete.name(), null, new RegistryReply("deleted", 0, null, null, existing), delete.replyTo());
        return this;
    }

    /** Puts ({@code value} non-null) or removes an entry, here at once and to a majority; replies once it is there. */
    private void write(final Key<LWWMap<String, ServiceMessage>> key, final String entry, final ServiceMessage value,
        final RegistryReply reply, final ActorRef<RegistryReply> replyTo)
    {
        if (key.equals(NAMESPACES))
        {
            namespaces = value == null ? namespaces.remove(self, entry) : namespaces.put(self, entry, value);
        }
        else
        {
            services = value == null ? services.remove(self, entry) : services.put(self, entry, value);
        }
        replicator.askUpdate(
            askReplyTo -> new Replicator.Update<>(key, LWWMap.create(), new Replicator.WriteMajority(MAJORITY_TIMEOUT), askReplyTo,
                map -> value == null ? map.remove(self, entry) : map.put(self, entry, value)),
            response -> new Written(response, reply, replyTo));
    }

    private Behavior<Command> onWritten(final Written written)
    {
        if (written.replyTo() == null)
        {
            return this;
        }
        if (written.response() instanceof Replicator.UpdateSuccess)
        {
            written.replyTo().tell(written.reply());
        }
        else
        {
            written.replyTo().tell(RegistryReply.refused(503, "the change could not be written to a majority of nodes in time; " +
                "it may still spread: retry"));
        }
        return this;
    }

    // ---------------------------------------------------------------- allocation

    private Set<Integer> ipsInUse()
    {
        final Set<Integer> used = new HashSet<>();
        used.add(network + 1);
        used.add(Cidrs.address(settings.dnsIp()));
        for (final ServiceMessage value : services.getEntries().values())
        {
            final ServiceInfo service = (ServiceInfo)value;
            if (!service.clusterIp().isEmpty() && !service.headless())
            {
                used.add(Cidrs.address(service.clusterIp()));
            }
        }
        return used;
    }

    /** Why a ClusterIP asked for cannot be had, or null. */
    private String requestedIpProblem(final String ip)
    {
        final int address;
        try
        {
            address = Cidrs.address(ip);
        }
        catch (final IllegalArgumentException ex)
        {
            return "must be a valid IP address, (e.g. 10.9.8.7) or 'None'";
        }
        final int offset = address - network;
        if (offset <= 0 || offset >= size - 1)
        {
            return "provided IP is not in the valid range. The range of valid IPs is " + settings.serviceCidr();
        }
        return ipsInUse().contains(address) ? "provided IP is already allocated" : null;
    }

    /** A free ClusterIP at random (Kubernetes' allocator picks at random too), or null when none is left. */
    private String freeIp()
    {
        final Set<Integer> used = ipsInUse();
        for (int i = 0; i < RANDOM_TRIES; i++)
        {
            final int candidate = network + 1 + random.nextInt(size - 2);
            if (!used.contains(candidate))
            {
                return Cidrs.format(candidate);
            }
        }
        for (int offset = 1; offset < size - 1; offset++)
        {
            if (!used.contains(network + offset))
            {
                return Cidrs.format(network + offset);
            }
        }
        return null;
    }

    private Set<Integer> nodePortsInUse(final String except)
    {
        final Set<Integer> used = new HashSet<>();
        for (final Map.Entry<String, ServiceMessage> entry : services.getEntries().entrySet())
        {
            if (!entry.getKey().equals(except))
            {
                for (final ServicePortInfo port : ((ServiceInfo)entry.getValue()).ports())
                {
                    if (port.nodePort() != 0)
                    {
                        used.add(port.nodePort());
                    }
                }
            }
        }
        return used;
    }

    private int freeNodePort(final Set<Integer> used)
    {
        final int count = settings.nodePortLast() - settings.nodePortFirst() + 1;
        for (int i = 0; i < RANDOM_TRIES; i++)
        {
            final int candidate = settings.nodePortFirst() + random.nextInt(count);
            if (!used.contains(candidate))
            {
                return candidate;
            }
        }
        for (int port = settings.nodePortFirst(); port <= settings.nodePortLast(); port++)
        {
            if (!used.contains(port))
            {
                return port;
            }
        }
        return 0;
    }
}
