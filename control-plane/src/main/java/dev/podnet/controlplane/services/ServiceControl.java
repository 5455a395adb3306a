package dev.podnet.controlplane.services;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The Service objects of one node's control plane, as the rest of the agent sees them: requests to
 * the service registry (a cluster singleton, wherever it runs), the endpoints controller started
 * alongside it, and this node's watch. Plain Java methods; no Akka type leaks out but the replies.
 */
public final class ServiceControl
{
    /** Bound for a registry request: a majority write takes up to 3 s, a failover more. */
    public static final Duration ASK_TIMEOUT = Duration.ofSeconds(8);

    private final ActorSystem<?> system;
    private final ActorRef<ServiceRegistry.Command> registry;
    private volatile ServiceView view = ServiceView.EMPTY;

    private ServiceControl(final ActorSystem<?> system, final ServiceRegistrySettings settings, final Consumer<ServiceView> listener)
    {
        this.system = system;
        final ClusterSingleton singletons = ClusterSingleton.get(system);
        this.registry = singletons.init(SingletonActor.of(ServiceRegistry.create(settings), "service-registry"));
        singletons.init(SingletonActor.of(EndpointsController.create(), "endpoints-controller"));
        system.systemActorOf(ServiceWatcher.create(next ->
        {
            view = next;
            listener.accept(next);
        }), "service-watcher", Props.empty());
    }

    /**
     * Starts the Service objects on {@code system} (a node's control-plane actor system).
     *
     * @param listener gets every new view (on an actor thread: hand it over, do not block)
     */
    public static ServiceControl start(final ActorSystem<?> system, final ServiceRegistrySettings settings,
        final Consumer<ServiceView> listener)
    {
        return new ServiceControl(system, settings, listener);
    }

    /** The last view this node received. */
    public ServiceView view()
    {
        return view;
    }

    public CompletionStage<ServiceRegistry.RegistryReply> applyService(final ServiceInfo service)
    {
        return AskPattern.ask(registry, replyTo -> new ServiceRegistry.ApplyService(service, replyTo), ASK_TIMEOUT, system.scheduler());
    }

    public CompletionStage<ServiceRegistry.RegistryReply> deleteService(final String namespace, final String name)
    {
        return AskPattern.ask(registry, replyTo -> new ServiceRegistry.DeleteService(namespace, name, replyTo), ASK_TIMEOUT,
            system.scheduler());
    }

    public CompletionStage<ServiceRegistry.RegistryReply> applyNamespace(final NamespaceInfo namespace)
    {
        return AskPattern.ask(registry, replyTo -> new ServiceRegistry.ApplyNamespace(namespace, replyTo), ASK_TIMEOUT,
            system.scheduler());
    }

    public CompletionStage<ServiceRegistry.RegistryReply> deleteNamespace(final String name)
    {
        return AskPattern.ask(registry, replyTo -> new ServiceRegistry.DeleteNamespace(name, replyTo), ASK_TIMEOUT, system.scheduler());
    }
}
