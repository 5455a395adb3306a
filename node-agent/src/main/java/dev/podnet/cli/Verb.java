package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every podnetctl verb shares: its output streams (the command line's, so tests capture them),
 * the API client for the chosen server, and the checks that turn a bad argument into a usage error
 * (exit 2) before anything is sent.
 */
abstract class Verb implements Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private ApiClient client;

    @Override
    public final Integer call()
    {
        final int code = run();
        out().flush();
        err().flush();
        return code;
    }

    /** Runs the verb: returns the exit code, or throws {@link CtlException} / a usage error. */
    abstract int run();

    final PrintWriter out()
    {
        return spec.commandLine().getOut();
    }

    final PrintWriter err()
    {
        return spec.commandLine().getErr();
    }

    final PodnetCtl root()
    {
        return (PodnetCtl)spec.root().userObject();
    }

    final ApiClient api()
    {
        if (client == null)
        {
            client = root().client(spec.commandLine());
        }
        return client;
    }

    /** {@code /api/v1/namespaces/NS/pods/POD}: the pod {@code pod} of the namespace {@code -n} names. */
    final String podPath(final String pod)
    {
        return namespacePath() + "/pods/" + ApiClient.segment(pod);
    }

    /** {@code /api/v1/namespaces/NS} of {@code -n} (default). */
    final String namespacePath()
    {
        return "/api/v1/namespaces/" + ApiClient.segment(root().namespace());
    }

    /** The format {@code -o} names, when this verb offers it: a usage error otherwise (see {@link Output.Format#parse}). */
    final Output.Format format(final String output, final Output.Format... offered)
    {
        return Output.Format.parse(spec.commandLine(), output, offered);
    }

    /** Prints JSON the way {@code -o json} does: indented, as the API sent it. */
    final void printJson(final JsonNode json)
    {
        out().println(Output.pretty(json));
    }

    /** A table on stdout; for an empty list, kubectl's "No resources found." on stderr (stdout stays empty for scripts). */
    final void printTable(final Table table)
    {
        if (table.isEmpty())
        {
            err().println("No resources found.");
            return;
        }
        table.print(out());
    }

    /**
     * The API's answer as it came for {@code -o json}, else in the verb's own text form: one place decides
     * it, so that {@code -o json} means "exactly what the API said" for every verb that offers it.
     */
    final void print(final Output.Format format, final JsonNode answer, final Consumer<JsonNode> asText)
    {
        if (format == Output.Format.JSON)
        {
            printJson(answer);
        }
        else
        {
            asText.accept(answer);
        }
    }

    /**
     * {@code GET path}, printed as JSON or as the table {@code table} makes of the answer. Callers parse
     * {@code -o} before calling, so a bad format is a usage error that sends nothing.
     */
    final int show(final Output.Format format, final String path, final Function<JsonNode, Table> table)
    {
        print(format, api().get(path), answer -> printTable(table.apply(answer)));
        return PodnetCtl.EXIT_OK;
    }

    final CommandLine.ParameterException usage(final String message)
    {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** A usage error unless {@code value} lies in {@code min..max}, naming the option. */
    final void requireRange(final String option, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw usage(option + " must be " + (max == Long.MAX_VALUE ? "at least " + min : min + ".." + max) + ": " + value);
        }
    }

    /** Seconds as given on the command line ({@code -W 0.5}) in milliseconds; a usage error below {@code minMs}. */
    final int millis(final String option, final double seconds, final int minMs)
    {
        final double ms = seconds * 1000.0;
        if (Double.isNaN(ms) || ms < minMs || ms > Integer.MAX_VALUE)
        {
            throw usage(option + " must be " + (minMs == 0 ? "0 or more" : "more than 0") + " seconds: " + seconds);
        }
        return Math.max(minMs, (int)Math.round(ms));
    }

    /**
     * An option that was given goes into the request body under {@code key}, once it is known to lie in
     * {@code min..max}; one left out stays out, so that the API's default applies.
     */
    final void putInRange(final Map<String, Object> body, final String key, final String option, final Integer value,
        final long min, final long max)
    {
        if (value != null)
        {
            requireRange(option, value, min, max);
            body.put(key, value);
        }
    }

    /** A seconds option that was given goes into the request body as milliseconds ({@link #millis}); one left out stays out. */
    final void putMillis(final Map<String, Object> body, final String key, final String option, final Double seconds, final int minMs)
    {
        if (seconds != null)
        {
            body.put(key, millis(option, seconds, minMs));
        }
    }
}
