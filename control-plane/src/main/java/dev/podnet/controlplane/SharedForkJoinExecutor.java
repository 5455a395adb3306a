package dev.podnet.controlplane;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A dispatcher executor that every actor system of a JVM shares: one fork-join pool for the default, internal and
 * remote dispatchers of all the node agents a pack runs ({@code podnet pack}), instead of a pool of up to eight
 * threads per dispatcher per agent (~300 threads for ten agents, each parking and waking on its own).
 * <p>
 * Named in a dispatcher's configuration: {@code executor = "dev.podnet.controlplane.SharedForkJoinExecutor"}.
 * An actor system that terminates shuts down its view of the pool only; the pool's threads are daemons and go
 * when idle.
 */
public final class SharedForkJoinExecutor extends ExecutorServiceConfigurator
{
    /** What a dispatcher's configuration names as its {@code executor}. */
    public static final String CLASS_NAME = SharedForkJoinExecutor.class.getName();

    private static final ForkJoinPool POOL = new ForkJoinPool(
        Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
        new ForkJoinPool.ForkJoinWorkerThreadFactory()
        {
            private final AtomicInteger count = new AtomicInteger();

            @Override
            public ForkJoinWorkerThread newThread(final ForkJoinPool pool)
            {
                final ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                thread.setName("podnet-akka-shared-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }
        },
        null,
        true);

    public SharedForkJoinExecutor(final Config config, final DispatcherPrerequisites prerequisites)
    {
        super(config, prerequisites);
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(final String id, final ThreadFactory threadFactory)
    {
        return View::new;
    }

    /** One dispatcher's use of the shared pool: its shutdown ends the use, not the pool. */
    private static final class View extends AbstractExecutorService
    {
        private volatile boolean shutdown;

        @Override
        public void execute(final Runnable command)
        {
            POOL.execute(command);
        }

        @Override
        public void shutdown()
        {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow()
        {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown()
        {
            return shutdown;
        }

        @Override
        public boolean isTerminated()
        {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(final long timeout, final TimeUnit unit)
        {
            return shutdown;
        }
    }
}
