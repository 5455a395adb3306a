package dev.podnet.cli;

import dev.podnet.chaos.ChaosCluster;
import dev.podnet.chaos.ChaosRun;
import dev.podnet.chaos.ChaosSoak;
import dev.podnet.chaos.DockerCli;
import dev.podnet.chaos.LinkChaos;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code podnetctl chaos SCENARIO}: one of the chaos scenarios the tests run ({@link ChaosRun.Scenario}),
 * against a Compose cluster on this machine: faults through the {@code docker} command line, the
 * agents watched through their APIs at their container addresses. Shows progress, then the timeline
 * and the invariants' verdicts. {@code podnetctl chaos soak --minutes N}: faults drawn at random from
 * the five, back to back, judged after each heal, and the totals ({@link ChaosSoak}). The link scenarios
 * ({@link LinkChaos}) impair tunnels through the agents' APIs instead of docker faults.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {"Runs a chaos scenario against a docker compose cluster and judges what must hold.",
        "While every pod probes every pod (ping and UDP, 4 a second), it injects the fault, prints a timeline (fault, " +
            "detected, routes withdrawn, healed, Ready again, traffic restored) and the verdict of each invariant: " +
            "every step happened, untouched pairs never fail, a dead node's pods answer ICMP unreachable, no CIDR or IP " +
            "held twice, a restarted node gets its lease back, nobody else dies, no unexpected ERROR lines. Exit code 1 " +
            "when one is violated.",
        "soak: for --minutes, faults drawn at random from the five scenarios, back to back, with the probes running " +
            "throughout and every invariant judged after each heal; then the totals: faults injected, probes, failures " +
            "between untouched pods, duplicate CIDRs or IPs ever seen, agent restarts no fault caused (the last three " +
            "must be 0). Needs 5 nodes.",
        "Needs the docker command line with access to the engine, and a host that reaches the containers' " +
            "addresses (Linux; not Docker Desktop).",
        "Scenarios: kill-one, kill-allocator, kill-two, partition, rolling-restart; or soak.",
        "Link scenarios (impairments on the tunnels between the first two nodes, podnetctl netem): slow-link, lossy-link, " +
            "one-way-partition; judged: untouched pairs never fail, membership does not change, traffic is whole again " +
            "after the heal, and each scenario's own (RTT across the slow link, loss across the lossy one, the other " +
            "direction of a one-way partition passes)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  docker compose -f compose/docker-compose.yml up -d --scale node=2      # 5 nodes",
        "  podnetctl chaos kill-one",
        "  podnetctl chaos partition --project compose",
        "  podnetctl chaos soak --minutes 10",
        "  podnetctl chaos one-way-partition"})
final class ChaosCommand extends Verb
{
    static final String SOAK = "soak";
    /** A day: longer is not a soak but an outage of the machine. */
    static final int MAX_MINUTES = 24 * 60;

    @Parameters(index = "0", paramLabel = "SCENARIO",
        description = "kill-one, kill-allocator, kill-two, partition, rolling-restart, slow-link, lossy-link or " +
            "one-way-partition; or soak")
    String scenario;

    @Option(names = {"-p", "--project"}, paramLabel = "NAME",
        description = "the Compose project (default: compose, the name `docker compose -f compose/docker-compose.yml` gives it)")
    String project = "compose";

    @Option(names = "--minutes", paramLabel = "N", description = "soak only: how long to draw faults, 1.." + MAX_MINUTES +
        " (default 10); the last fault runs to its end")
    Integer minutes;

    @Option(names = "--seed", paramLabel = "SEED", description = "soak only: the draw's seed, to run a sequence of faults " +
        "again (default: a new one, printed)")
    Long seed;

    @Override
    int run()
    {
        final boolean soak = SOAK.equals(scenario);
        final LinkChaos.Scenario link = LinkChaos.Scenario.find(scenario);
        ChaosRun.Scenario chosen = null;
        if (soak)
        {
            requireRange("--minutes", minutes == null ? 10 : minutes, 1, MAX_MINUTES);
        }
        else
        {
            if (link == null)
            {
                try
                {
                    chosen = ChaosRun.Scenario.of(scenario);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw usage("unknown scenario '" + scenario + "' (one of " + Stream.concat(
                        Arrays.stream(ChaosRun.Scenario.values()).map(ChaosRun.Scenario::label),
                        Arrays.stream(LinkChaos.Scenario.values()).map(LinkChaos.Scenario::label))
                        .collect(Collectors.joining(", ")) + "; or " + SOAK + ")");
                }
            }
            if (minutes != null || seed != null)
            {
                throw usage((minutes != null ? "--minutes" : "--seed") + " is for chaos soak only");
            }
        }
        final ChaosCluster cluster = cluster();
        if (link != null)
        {
            return runLinkScenario(cluster, link);
        }
        try
        {
            if (soak)
            {
                ChaosSoak.requireEnoughNodes(cluster.nodes().size());
            }
            else
            {
                ChaosRun.requireEnoughNodes(chosen, cluster.nodes().size());
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage() + "; add nodes with: docker compose -f compose/docker-compose.yml " +
                "up -d --scale node=N");
        }
        out().println("chaos " + scenario + " on " + cluster.nodes().size() + " nodes of project " + project + ": " +
            String.join(", ", cluster.nodes()));
        out().flush();
        try
        {
            return soak ? soak(cluster) : scenario(cluster, chosen);
        }
        catch (final IllegalStateException ex)
        {
            throw CtlException.failed("the " + (soak ? "soak" : "scenario") + " could not complete: " + ex.getMessage());
        }
    }

    private ChaosCluster cluster()
    {
        final DockerCli docker = new DockerCli();
        if (!docker.available())
        {
            throw CtlException.unreachable("no Docker engine answers the docker command line", null);
        }
        try
        {
            return ChaosCluster.compose(docker, project);
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage());
        }
    }

    private int scenario(final ChaosCluster cluster, final ChaosRun.Scenario chosen)
    {
        final ChaosRun.Report report = new ChaosRun(cluster, this::progress).run(chosen);
        out().println();
        out().print(report.format());
        return report.passed() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    /** A link scenario: no docker faults, impairments through the agents' APIs; docker only finds the containers. */
    private int runLinkScenario(final ChaosCluster cluster, final LinkChaos.Scenario link)
    {
        try
        {
            LinkChaos.requireEnoughNodes(cluster.nodes().size());
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage());
        }
        final LinkChaos.Report report;
        try
        {
            report = new LinkChaos(cluster, Duration.ofSeconds(15), this::progress).run(link);
        }
        catch (final IllegalStateException ex)
        {
            throw CtlException.failed("the scenario could not complete: " + ex.getMessage());
        }
        out().println();
        out().print(report.format());
        return report.passed() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    private int soak(final ChaosCluster cluster)
    {
        final long drawSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000);
        final ChaosSoak.Totals totals = new ChaosSoak(cluster, this::progress)
            .run(Duration.ofMinutes(minutes == null ? 10 : minutes), drawSeed).totals();
        out().println();
        out().print(totals.format());
        return totals.passed() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    private void progress(final String line)
    {
        out().println(line);
        out().flush();
    }
}
