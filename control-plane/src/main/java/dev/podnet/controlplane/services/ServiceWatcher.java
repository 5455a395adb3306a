package dev.podnet.controlplane.services;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One node's watch on the Service objects: subscribes to the replicated {@code namespaces},
 * {@code services} and {@code service-endpoints} and hands every new {@link ServiceView} to the sync
 * layer (on an actor thread: it must hand over, not block), as kube-proxy and CoreDNS watch the API
 * server.
 */
public final class ServiceWatcher extends AbstractBehavior<ServiceWatcher.Command>
{
    public interface Command
    {
    }

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, ServiceMessage>> response) implements Command
    {
    }

    private final Consumer<ServiceView> listener;
    private Map<String, NamespaceInfo> namespaces = Map.of();
    private Map<String, ServiceInfo> services = Map.of();
    private Map<String, ServiceEndpointsInfo> endpoints = Map.of();

    private ServiceWatcher(final ActorContext<Command> context, final Consumer<ServiceView> listener,
        final ReplicatorMessageAdapter<Command, LWWMap<String, ServiceMessage>> replicator)
    {
        super(context);
        this.listener = listener;
        replicator.subscribe(ServiceRegistry.NAMESPACES, Changed::new);
        replicator.subscribe(ServiceRegistry.SERVICES, Changed::new);
        replicator.subscribe(EndpointsController.SERVICE_ENDPOINTS, Changed::new);
    }

    public static Behavior<Command> create(final Consumer<ServiceView> listener)
    {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
            (ReplicatorMessageAdapter<Command, LWWMap<String, ServiceMessage>> replicator) ->
                new ServiceWatcher(context, listener, replicator)));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder().onMessage(Changed.class, this::onChanged).build();
    }

    private Behavior<Command> onChanged(final Changed changed)
    {
        if (!(changed.response() instanceof Replicator.Changed<LWWMap<String, ServiceMessage>> value))
        {
            return this;
        }
        final Key<LWWMap<String, ServiceMessage>> key = value.key();
        final Map<String, ServiceMessage> entries = value.get(key).getEntries();
        if (key.equals(ServiceRegistry.NAMESPACES))
        {
            final Map<String, NamespaceInfo> updated = new TreeMap<>();
            entries.forEach((name, namespace) -> updated.put(name, (NamespaceInfo)namespace));
            namespaces = updated;
        }
        else if (key.equals(ServiceRegistry.SERVICES))
        {
            final Map<String, ServiceInfo> updated = new TreeMap<>();
            entries.forEach((name, service) -> updated.put(name, (ServiceInfo)service));
            services = updated;
        }
        else
        {
            final Map<String, ServiceEndpointsInfo> updated = new TreeMap<>();
            entries.forEach((name, each) -> updated.put(name, (ServiceEndpointsInfo)each));
            endpoints = updated;
        }
        listener.accept(new ServiceView(namespaces, services, endpoints));
        return this;
    }
}
