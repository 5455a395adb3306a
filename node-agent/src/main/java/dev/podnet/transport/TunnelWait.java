package dev.podnet.transport;

import dev.podnet.dataplane.IdleWait;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.media.ReceiveChannelEndpoint;
import io.aeron.driver.media.SendChannelEndpoint;
import io.aeron.driver.media.UdpChannelTransport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The data plane's idle wait on a node with a tunnel: blocks in a {@link Selector} of its own on the
 * embedded media driver's UDP sockets, so that a datagram for the node (a frame, or a peer's status
 * message) ends the wait at once, as does a command ({@link #wakeup()}). An idle node then wakes for
 * what arrives and for its timers, not on a clock.
 * <p>
 * The sockets are the driver's: the endpoint suppliers it is given ({@link #configure}) build Aeron's own
 * endpoints and note them, and each wait registers those whose socket is open (for reading, in this
 * selector too: a channel may be registered with several). The driver alone reads them: this selector
 * only learns that something is there. A closed socket leaves the selector by itself. Everything here
 * runs on the data plane's thread (INVOKER mode), but {@link #wakeup()}.
 * <p>
 * A selector counts in milliseconds: a wait shorter than {@value #SELECT_FROM_NANOS} ns (the first steps of the
 * back-off after a burst) parks; a longer one selects for at least a millisecond, so that what arrives meanwhile ends
 * it. A park of half a millisecond that a datagram could not end cost TCP through the tunnel a window per park: the
 * status message that reopened the window (or the ACK that let TCP go on) waited for the park to end.
 */
final class TunnelWait implements IdleWait, AutoCloseable
{
    private static final long NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);
    /** Waits from this long on select (ended by a datagram), shorter ones park. */
    static final long SELECT_FROM_NANOS = 100_000;

    private final Selector selector;
    private final List<UdpChannelTransport> endpoints = new ArrayList<>();
    /**
     * Whether an endpoint was noted since a wait last registered every socket: with dozens of peers, looking at each
     * endpoint on every wait was several percent of an idle data plane's time.
     */
    private boolean endpointsChanged;
    private final Consumer<SelectionKey> ready = key -> { };
    private volatile Thread waiter;

    TunnelWait()
    {
        try
        {
            selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open a selector for the tunnel's idle wait: " + ex.getMessage(), ex);
        }
    }

    /** Makes the driver build its UDP endpoints through this wait, which notes them. */
    MediaDriver.Context configure(final MediaDriver.Context context)
    {
        return context
            .receiveChannelEndpointSupplier((channel, dispatcher, status, driver) ->
                noted(new ReceiveChannelEndpoint(channel, dispatcher, status, driver)))
            .sendChannelEndpointSupplier((channel, status, driver) -> noted(new SendChannelEndpoint(channel, status, driver)));
    }

    private <T extends UdpChannelTransport> T noted(final T endpoint)
    {
        endpoints.add(endpoint);
        endpointsChanged = true;
        return endpoint;
    }

    @Override
    public void await(final long nanos)
    {
        waiter = Thread.currentThread();
        if (nanos < SELECT_FROM_NANOS)
        {
            LockSupport.parkNanos(nanos);
            return;
        }
        registerSockets();
        try
        {
            selector.select(ready, Math.max(1, nanos / NANOS_PER_MILLI));
        }
        catch (final IOException ex)
        {
            LockSupport.parkNanos(nanos); // the selector failed: wait as a parked thread would
        }
    }

    @Override
    public void wakeup()
    {
        selector.wakeup();
        final Thread thread = waiter;
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Registers the sockets the driver opened since the last wait; forgets the endpoints it closed (a closed socket has
     * left the selector by itself). Does nothing unless an endpoint was noted since every socket was last registered.
     */
    private void registerSockets()
    {
        if (!endpointsChanged)
        {
            return;
        }
        boolean allOpen = true;
        for (int i = endpoints.size() - 1; i >= 0; i--)
        {
            final DatagramChannel socket = endpoints.get(i).receiveDatagramChannel();
            if (socket == null)
            {
                allOpen = false;
                continue; // not open yet: looked at again on the next wait
            }
            if (!socket.isOpen())
            {
                endpoints.remove(i);
                continue;
            }
            if (socket.keyFor(selector) == null)
            {
                try
                {
                    socket.register(selector, SelectionKey.OP_READ);
                }
                catch (final ClosedChannelException ex)
                {
                    endpoints.remove(i);
                }
            }
        }
        endpointsChanged = !allOpen;
    }

    /** Sockets registered now, for tests. */
    int registeredSockets()
    {
        return selector.keys().size();
    }

    @Override
    public void close()
    {
        try
        {
            selector.close();
        }
        catch (final IOException ex)
        {
            // nothing to release that the close did not
        }
    }
}
