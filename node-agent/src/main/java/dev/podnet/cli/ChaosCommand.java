package dev.podnet.cli;

import dev.podnet.chaos.ChaosCluster;
import dev.podnet.chaos.ChaosRun;
import dev.podnet.chaos.DockerCli;
import dev.podnet.chaos.LinkChaos;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code podnetctl chaos SCENARIO}: one of the chaos scenarios the tests run ({@link ChaosRun.Scenario}),
 * against a Compose cluster on this machine: faults through the {@code docker} command line, the
 * agents watched through their APIs at their container addresses. Shows progress, then the timeline
 * and the invariants' verdicts.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {"Runs a chaos scenario against a docker compose cluster and judges what must hold.",
        "While every pod probes every pod (ping and UDP, 4 a second), it injects the fault, prints a timeline (fault, " +
            "detected, routes withdrawn, healed, Ready again, traffic restored) and the verdict of each invariant: " +
            "untouched pairs never fail, a dead node's pods answer ICMP unreachable, no CIDR or IP held twice, a " +
            "restarted node gets its lease back, nobody else dies, no unexpected ERROR lines. Exit code 1 when one is violated.",
        "Needs the docker command line with access to the engine, and a host that reaches the containers' " +
            "addresses (Linux; not Docker Desktop).",
        "Scenarios: kill-one, kill-allocator, kill-two, partition, rolling-restart.",
        "Link scenarios (impairments on the tunnels between the first two nodes, podnetctl netem): slow-link, lossy-link, " +
            "one-way-partition; judged: untouched pairs never fail, membership does not change, traffic is whole again " +
            "after the heal, and each scenario's own (RTT across the slow link, loss across the lossy one, the other " +
            "direction of a one-way partition passes)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  docker compose -f compose/docker-compose.yml up -d --scale node=2      # 5 nodes",
        "  podnetctl chaos kill-one",
        "  podnetctl chaos partition --project compose",
        "  podnetctl chaos one-way-partition"})
final class ChaosCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "kill-one, kill-allocator, kill-two, partition or rolling-restart")
    String scenario;

    @Option(names = {"-p", "--project"}, paramLabel = "NAME",
        description = "the Compose project (default: compose, the name `docker compose -f compose/docker-compose.yml` gives it)")
    String project = "compose";

    @Override
    int run()
    {
        final LinkChaos.Scenario link = LinkChaos.Scenario.find(scenario);
        if (link != null)
        {
            return runLinkScenario(link);
        }
        final ChaosRun.Scenario chosen;
        try
        {
            chosen = ChaosRun.Scenario.of(scenario);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final DockerCli docker = new DockerCli();
        if (!docker.available())
        {
            throw CtlException.unreachable("no Docker engine answers the docker command line", null);
        }
        final ChaosCluster cluster;
        try
        {
            cluster = ChaosCluster.compose(docker, project);
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage());
        }
        try
        {
            ChaosRun.requireEnoughNodes(chosen, cluster.nodes().size());
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage() + "; add nodes with: docker compose -f compose/docker-compose.yml " +
                "up -d --scale node=N");
        }
        out().println("chaos " + chosen.label() + " on " + cluster.nodes().size() + " nodes of project " + project + ": " +
            String.join(", ", cluster.nodes()));
        out().flush();
        final ChaosRun.Report report;
        try
        {
            report = new ChaosRun(cluster, line ->
            {
                out().println(line);
                out().flush();
            }).run(chosen);
        }
        catch (final IllegalStateException ex)
        {
            throw CtlException.failed("the scenario could not complete: " + ex.getMessage());
        }
        out().println();
        out().print(report.format());
        return report.passed() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }

    /** A link scenario: no docker faults, impairments through the agents' APIs; docker only finds the containers. */
    private int runLinkScenario(final LinkChaos.Scenario link)
    {
        final DockerCli docker = new DockerCli();
        if (!docker.available())
        {
            throw CtlException.unreachable("no Docker engine answers the docker command line", null);
        }
        final ChaosCluster cluster;
        try
        {
            cluster = ChaosCluster.compose(docker, project);
            LinkChaos.requireEnoughNodes(cluster.nodes().size());
        }
        catch (final IllegalArgumentException ex)
        {
            throw CtlException.refused(ex.getMessage());
        }
        final LinkChaos.Report report;
        try
        {
            report = new LinkChaos(cluster, java.time.Duration.ofSeconds(15), line ->
            {
                out().println(line);
                out().flush();
            }).run(link);
        }
        catch (final IllegalStateException ex)
        {
            throw CtlException.failed("the scenario could not complete: " + ex.getMessage());
        }
        out().println();
        out().print(report.format());
        return report.passed() ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }
}
