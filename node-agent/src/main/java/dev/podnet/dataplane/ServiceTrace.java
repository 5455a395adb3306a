package dev.podnet.dataplane;

import dev.podnet.service.ServiceStage;
import dev.podnet.trace.Headers;
import dev.podnet.trace.Tracer;
import org.agrona.DirectBuffer;

/**
 * How a traced packet's pass through the Service stage is reported: at the stage's boundary, the headers as the
 * stage got them ({@link #before}), then what the stage itself says it did and the headers it left
 * ({@link #after}). A drop the stage's verdict leads to is counted, and so reported, as the stage's
 * ({@link Tracer#enter}). Untraced packets cost a field read.
 */
final class ServiceTrace
{
    static final String COMPONENT = "service";

    private ServiceTrace()
    {
    }

    /** The frame's headers before the stage, and the stage entered; null when the frame is not traced. */
    static String before(final Tracer tracer, final DirectBuffer frame, final int offset, final int length)
    {
        if (!tracer.active())
        {
            return null;
        }
        tracer.enter(COMPONENT);
        return Headers.describe(frame, offset, length);
    }

    /**
     * Reports what the stage did to the traced frame (nothing when it left it alone); a drop its verdict leads to
     * is still the stage's until the caller enters the next one.
     */
    static void after(final Tracer tracer, final ServiceStage services, final String before, final DirectBuffer frame,
        final int offset, final int length)
    {
        if (before == null)
        {
            return;
        }
        final String done = services.describeLast();
        if (done != null)
        {
            tracer.hop(COMPONENT, "translated", done, before, Headers.describe(frame, offset, length));
        }
    }
}
