package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podnet.netem.ImpairmentPatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl netem set|show|clear}: impairments of the links between nodes, as {@code tc qdisc ... netem}
 * sets them on a Linux link, one direction at a time ({@code PUT/GET/DELETE /api/v1/links/{from}/{to}}).
 */
@Command(
    name = "netem",
    mixinStandardHelpOptions = true,
    description = {"Impairs the links between nodes: delay, jitter, loss, duplication, reordering, corruption, a rate, " +
        "a partition, flaps (tc-netem's impairments, applied in the sending node's data plane).",
        "A link is one direction, FROM's frames to TO; --both-ways sets or clears the other direction too."},
    subcommands = {NetemCommand.Set.class, NetemCommand.Show.class, NetemCommand.Clear.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl netem set node-1 node-2 --delay 50ms --jitter 5ms --both-ways",
        "  podnetctl netem set node-1 node-2 --loss 10%          # the delay stays: a set changes only what it names",
        "  podnetctl netem set node-2 node-3 --rate 10mbit --limit 200",
        "  podnetctl netem set node-1 node-3 --partition          # one way: node-3 still reaches node-1",
        "  podnetctl netem show",
        "  podnetctl netem clear node-1 node-2 --both-ways"})
final class NetemCommand extends ResourceVerb
{
    NetemCommand()
    {
        super("set, show or clear");
    }

    static String linkPath(final String from, final String to)
    {
        return "/api/v1/links/" + ApiClient.segment(from) + "/" + ApiClient.segment(to);
    }

    @Command(
        name = "set",
        mixinStandardHelpOptions = true,
        description = {"Changes what the link FROM -> TO does to frames; what is not named stays as it was.",
            "Times as tc writes them (50ms, 1.5s, 200us), shares in percent (10%), rates in tc's units (10mbit, 512kbit, " +
                "100kbps = bytes). 0 or off undoes a setting (--delay 0, --rate 0, --flap off, --no-partition)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  podnetctl netem set node-1 node-2 --delay 100ms --jitter 10ms --distribution normal",
            "  podnetctl netem set node-1 node-2 --gemodel '1% 30% 80%'     # bursty loss (Gilbert-Elliott)",
            "  podnetctl netem set node-1 node-2 --flap 10s/2s              # up 10 s, down 2 s, over and over",
            "  podnetctl netem set node-1 node-2 --loss 5% --seed 42         # the same losses every run"})
    static final class Set extends Verb
    {
        @Parameters(index = "0", paramLabel = "FROM", description = "the sending node")
        String from;

        @Parameters(index = "1", paramLabel = "TO", description = "the receiving node")
        String to;

        @Option(names = "--delay", paramLabel = "TIME", description = "added delay (mean)")
        String delay;

        @Option(names = "--jitter", paramLabel = "TIME", description = "variation of the delay (uniform +/- unless --distribution)")
        String jitter;

        @Option(names = "--delay-correlation", paramLabel = "PCT", description = "how much a delay leans on the one before")
        String delayCorrelation;

        @Option(names = "--distribution", paramLabel = "NAME", description = "uniform, normal, pareto or paretonormal")
        String distribution;

        @Option(names = "--loss", paramLabel = "PCT", description = "random loss")
        String loss;

        @Option(names = "--loss-correlation", paramLabel = "PCT", description = "how much a loss leans on the one before")
        String lossCorrelation;

        @Option(names = "--gemodel", paramLabel = "'P [R [1-H [1-K]]]'",
            description = "Gilbert-Elliott (bursty) loss, in tc's words; replaces --loss, and --loss replaces it")
        String gemodel;

        @Option(names = "--duplicate", paramLabel = "PCT", description = "frames sent twice")
        String duplicate;

        @Option(names = "--duplicate-correlation", paramLabel = "PCT", description = "correlation of duplication")
        String duplicateCorrelation;

        @Option(names = "--reorder", paramLabel = "PCT", description = "frames sent at once, ahead of the delayed ones (needs a delay)")
        String reorder;

        @Option(names = "--reorder-correlation", paramLabel = "PCT", description = "correlation of reordering")
        String reorderCorrelation;

        @Option(names = "--corrupt", paramLabel = "PCT", description = "frames with one bit flipped")
        String corrupt;

        @Option(names = "--corrupt-correlation", paramLabel = "PCT", description = "correlation of corruption")
        String corruptCorrelation;

        @Option(names = "--rate", paramLabel = "RATE", description = "the link's rate (10mbit, 512kbit, 1gbit)")
        String rate;

        @Option(names = "--limit", paramLabel = "FRAMES", description = "frames the link holds at most (default 1000); more are dropped")
        String limit;

        @Option(names = "--partition", negatable = true, description = "nothing crosses (--no-partition: heal)")
        Boolean partition;

        @Option(names = "--flap", paramLabel = "UP/DOWN", description = "up for UP, down for DOWN, over and over (off: stop)")
        String flap;

        @Option(names = "--seed", paramLabel = "N", description = "seed of the link's random decisions")
        String seed;

        @Option(names = "--both-ways", description = "the link TO -> FROM too")
        boolean bothWays;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.JSON);
            final Map<String, String> changes = new LinkedHashMap<>();
            put(changes, "delay", delay);
            put(changes, "jitter", jitter);
            put(changes, "delayCorrelation", delayCorrelation);
            put(changes, "distribution", distribution);
            put(changes, "loss", loss);
            put(changes, "lossCorrelation", lossCorrelation);
            put(changes, "gemodel", gemodel);
            put(changes, "duplicate", duplicate);
            put(changes, "duplicateCorrelation", duplicateCorrelation);
            put(changes, "reorder", reorder);
            put(changes, "reorderCorrelation", reorderCorrelation);
            put(changes, "corrupt", corrupt);
            put(changes, "corruptCorrelation", corruptCorrelation);
            put(changes, "rate", rate);
            put(changes, "limit", limit);
            put(changes, "partition", partition == null ? null : partition.toString());
            put(changes, "flap", flap);
            put(changes, "seed", seed);
            if (changes.isEmpty())
            {
                throw usage("nothing to set: name at least one impairment (--delay, --loss, --rate, --partition, ... see --help)");
            }
            try
            {
                ImpairmentPatch.of(changes);
            }
            catch (final IllegalArgumentException ex)
            {
                throw usage(option(ex.getMessage()));
            }
            final List<JsonNode> answers = new ArrayList<>();
            answers.add(api().put(linkPath(from, to), changes));
            if (bothWays)
            {
                answers.add(api().put(linkPath(to, from), changes));
            }
            for (final JsonNode link : answers)
            {
                print(format, link, answer -> out().println(text(answer, "from") + " -> " + text(answer, "to") + ": " +
                    text(answer, "impairment")));
            }
            return PodnetCtl.EXIT_OK;
        }

        private static void put(final Map<String, String> changes, final String field, final String value)
        {
            if (value != null)
            {
                changes.put(field, value);
            }
        }

        /** The parser's "field 'delayCorrelation': ..." as the option the user typed, "--delay-correlation: ...". */
        private static String option(final String message)
        {
            final java.util.regex.Matcher field = java.util.regex.Pattern.compile("^field '(\\w+)': ").matcher(message);
            if (!field.find())
            {
                return message;
            }
            final String kebab = field.group(1).replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            return "--" + kebab + ": " + message.substring(field.end());
        }
    }

    @Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = {"Shows the impaired links: FROM, TO, the IMPAIRMENT in tc's words, and what it did: frames SENT on, " +
            "LOST, DROPPED (partition, link down, queue full), DUPLICATED, REORDERED, CORRUPTED, and QUEUED now.",
            "With FROM (and TO), only those links."},
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl netem show", "  podnetctl netem show node-1", "  podnetctl netem show -o json"})
    static final class Show extends Verb
    {
        @Parameters(index = "0", arity = "0..1", paramLabel = "FROM", description = "only links from this node")
        String from;

        @Parameters(index = "1", arity = "0..1", paramLabel = "TO", description = "only the link to this node")
        String to;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
        String output;

        @Override
        int run()
        {
            final Output.Format format = format(output, Output.Format.JSON);
            final JsonNode answer;
            if (from != null && to != null)
            {
                answer = api().get(linkPath(from, to));
                print(format, answer, link -> printTable(table(List.of(link))));
                return PodnetCtl.EXIT_OK;
            }
            answer = api().get(from == null ? "/api/v1/links" : "/api/v1/nodes/" + ApiClient.segment(from) + "/links");
            print(format, answer, all ->
            {
                final List<JsonNode> links = new ArrayList<>();
                (all.isArray() ? all : all.path("links")).forEach(links::add);
                printTable(table(links));
                all.path("unanswered").forEach(node ->
                    err().println("warning: node " + text(node, "node") + " did not answer: " + text(node, "error")));
            });
            return PodnetCtl.EXIT_OK;
        }

        static Table table(final List<JsonNode> links)
        {
            final Table table = new Table("FROM", "TO", "IMPAIRMENT", "SENT", "LOST", "DROPPED", "DUPLICATED", "REORDERED",
                "CORRUPTED", "QUEUED");
            for (final JsonNode link : links)
            {
                final JsonNode stats = link.path("stats");
                final long dropped = stats.path("partitioned").asLong() + stats.path("linkDown").asLong() +
                    stats.path("queueFull").asLong();
                table.row(text(link, "from"), text(link, "to"), text(link, "impairment"), text(stats, "sent"), text(stats, "lost"),
                    dropped, text(stats, "duplicated"), text(stats, "reordered"), text(stats, "corrupted"), text(stats, "queued"));
            }
            return table;
        }
    }

    @Command(
        name = "clear",
        mixinStandardHelpOptions = true,
        description = "Removes every impairment of the link FROM -> TO; frames it held go on at once.",
        footerHeading = "%nExamples:%n",
        footer = {"  podnetctl netem clear node-1 node-2", "  podnetctl netem clear node-1 node-2 --both-ways"})
    static final class Clear extends Verb
    {
        @Parameters(index = "0", paramLabel = "FROM", description = "the sending node")
        String from;

        @Parameters(index = "1", paramLabel = "TO", description = "the receiving node")
        String to;

        @Option(names = "--both-ways", description = "the link TO -> FROM too")
        boolean bothWays;

        @Override
        int run()
        {
            clear(from, to);
            if (bothWays)
            {
                clear(to, from);
            }
            return PodnetCtl.EXIT_OK;
        }

        private void clear(final String sender, final String receiver)
        {
            final ApiClient.Reply reply = api().send("DELETE", linkPath(sender, receiver), null, ApiClient.QUICK);
            if (reply.status() == 404 && reply.detail().startsWith("nothing is set"))
            {
                out().println(sender + " -> " + receiver + ": nothing was set");
                return;
            }
            ApiClient.require(reply);
            out().println(sender + " -> " + receiver + ": cleared");
        }
    }
}
