package dev.podnet.dataplane;

import java.util.concurrent.locks.LockSupport;

/**
 * How a duty-cycle thread sleeps once it has been idle for a while: until one of its inputs has
 * something for it, another thread {@link #wakeup()}s it, or the time is up, whichever comes first. A
 * long wait then costs nothing in latency for what can wake it, and only timers wait for its end.
 * <p>
 * {@link #await} is called by the duty-cycle thread only; {@link #wakeup} by any thread, at any time (a
 * wakeup while the thread is not waiting ends its next wait at once).
 */
public interface IdleWait
{
    /** Blocks for up to {@code nanos}, less when woken. */
    void await(long nanos);

    /** Ends the current or next {@link #await} at once. Any thread. */
    void wakeup();

    /** Parking: only {@link #wakeup} and the time end a wait (the inputs are polled, they cannot wake it). */
    static IdleWait parking()
    {
        return new IdleWait()
        {
            private volatile Thread waiter;

            @Override
            public void await(final long nanos)
            {
                waiter = Thread.currentThread();
                LockSupport.parkNanos(nanos);
            }

            @Override
            public void wakeup()
            {
                final Thread thread = waiter;
                if (thread != null)
                {
                    LockSupport.unpark(thread);
                }
            }
        };
    }
}
