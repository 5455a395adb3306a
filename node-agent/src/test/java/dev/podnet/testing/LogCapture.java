package dev.podnet.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every log event of this JVM while it is open (at the levels the configuration enables, as an agent
 * would write them), with their stack traces: for tests of what must, or must never, be logged.
 */
public final class LogCapture implements AutoCloseable
{
    private final Logger root = (Logger)LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture()
    {
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
    }

    /** Each event as one text: level, logger, the formatted message and its stack trace, if any. */
    public List<String> lines()
    {
        final List<String> lines = new ArrayList<>();
        synchronized (appender)
        {
            for (final ILoggingEvent event : new ArrayList<>(appender.list))
            {
                final String trace = event.getThrowableProxy() == null ? "" :
                    "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
                lines.add(event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage() + trace);
            }
        }
        return lines;
    }

    /** Whether a line holds {@code text}. */
    public boolean contains(final String text)
    {
        return lines().stream().anyMatch(line -> line.contains(text));
    }

    @Override
    public void close()
    {
        root.detachAppender(appender);
        appender.stop();
    }
}
