package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.agrona.concurrent.CachedNanoClock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/**
 * A node data plane driven by the test thread with a clock the test controls: no thread, no sleep,
 * and timers (ARP, ping timeouts, FDB ageing) that fire exactly when simulated time says so.
 * <p>
 * Whenever a duty cycle finds nothing to do, simulated time moves on by one millisecond; with a
 * {@link #busyStep(Duration)}, a busy duty cycle also moves it on (a bulk TCP transfer never leaves the data plane
 * idle, and its timers must still run).
 */
public final class ManualNode
{
    static final long STEP_NANOS = 1_000_000L;

    public final CachedNanoClock clock = new CachedNanoClock();
    public final NodeDataPlane dataPlane;
    public final DataPlaneProxy proxy;
    private long busyStepNanos;

    public ManualNode(final NodeConfig config)
    {
        clock.update(1_000_000_000L);
        this.dataPlane = new NodeDataPlane(config, clock);
        this.proxy = new DataPlaneProxy(dataPlane);
    }

    public static ManualNode withCidr(final String cidr)
    {
        return new ManualNode(NodeConfig.defaults("node-a", Ipv4Cidr.parse(cidr)));
    }

    /** Let simulated time move on by {@code step} after every busy duty cycle too. */
    public ManualNode busyStep(final Duration step)
    {
        this.busyStepNanos = step.toNanos();
        return this;
    }

    public long now()
    {
        return clock.nanoTime();
    }

    /** Runs duty cycles until the future is done; at most {@code limit} of simulated time. */
    public <T> T await(final CompletableFuture<T> future, final Duration limit)
    {
        runUntil(future::isDone, limit);
        try
        {
            return future.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new AssertionError(ex.getCause());
        }
    }

    public <T> T await(final CompletableFuture<T> future)
    {
        return await(future, Duration.ofSeconds(60));
    }

    public void runUntil(final BooleanSupplier condition, final Duration limit)
    {
        final long deadline = now() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (now() > deadline)
            {
                fail("condition not met within " + limit + " of simulated time");
            }
            if (dataPlane.doWork() == 0)
            {
                clock.advance(STEP_NANOS);
            }
            else if (busyStepNanos > 0)
            {
                clock.advance(busyStepNanos);
            }
        }
    }

    /** Lets simulated time pass, running the data plane all along. */
    public void advance(final Duration duration)
    {
        final long until = now() + duration.toNanos();
        runUntil(() -> now() >= until, duration.plusSeconds(1));
    }

    public PodInfo createPod(final String name)
    {
        return await(proxy.createPod(name));
    }

    public static int ip(final String text)
    {
        return Ipv4Address.parse(text);
    }
}
