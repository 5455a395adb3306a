package dev.podnet.agent;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.FdbEntry;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.diag.PcapCapture;
import dev.podnet.diag.PcapWriter;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.UdpExchange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code podnet demo}: one node, a few pods, every pod pings every pod and asks its netexec who it
 * is talking to; prints what happened and, on request, writes the frames to a pcap file.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Runs one node with a few pods, checks that every pod reaches every pod (ping and netexec " +
        "clientip), prints the matrix, the ARP caches and the bridge FDB. Exit code 0 when every pair connects, " +
        "1 when one does not, 2 on bad usage.")
final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--pods", defaultValue = "3", description = "pods to create (1..50, default ${DEFAULT-VALUE})")
    int pods;

    @Option(names = "--cidr", defaultValue = "10.244.1.0/24", description = "the node's pod CIDR (default ${DEFAULT-VALUE})")
    String cidr;

    @Option(names = "--node", defaultValue = "node-1", description = "the node's name (default ${DEFAULT-VALUE})")
    String nodeName;

    @Option(names = "--idle-mode", defaultValue = "efficient",
        description = "data-plane idle strategy: efficient, low-latency, sleeping, busy-spin (default ${DEFAULT-VALUE})")
    String idleMode;

    @Option(names = {"-w", "--capture"}, paramLabel = "FILE", description = "write every frame crossing the bridge to this pcap file")
    Path capture;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception
    {
        final NodeConfig config = validate();
        final PrintWriter out = spec.commandLine().getOut();
        try (Node node = Node.start(config))
        {
            final DataPlaneProxy proxy = node.proxy();
            PcapCapture tap = null;
            if (capture != null)
            {
                tap = new PcapCapture(PcapWriter.open(capture), null);
                proxy.tap(tap).get(5, TimeUnit.SECONDS);
            }

            final List<PodInfo> created = new ArrayList<>();
            for (int i = 1; i <= pods; i++)
            {
                created.add(proxy.createPod("pod-" + i).get(5, TimeUnit.SECONDS));
            }
            out.printf("node %s  pod CIDR %s  gateway %s  MTU %d%n%n", config.nodeName(), config.podCidr(),
                Ipv4Address.format(config.podCidr().address(1)), config.pod().mtu());
            out.printf("%-10s %-15s %s%n", "POD", "IP", "MAC");
            for (final PodInfo pod : created)
            {
                out.printf("%-10s %-15s %s%n", pod.name(), Ipv4Address.format(pod.ip()), MacAddress.format(pod.mac()));
            }

            final int failures = checkAllPairs(proxy, created, out);

            out.printf("%nARP cache of %s:%n", created.get(0).name());
            for (final ArpEntry entry : proxy.arp(created.get(0).name()).get(5, TimeUnit.SECONDS))
            {
                out.printf("  %-15s %s %s%n", Ipv4Address.format(entry.ip()), MacAddress.format(entry.mac()), entry.state());
            }
            out.printf("%nbridge FDB:%n");
            for (final FdbEntry entry : proxy.fdb().get(5, TimeUnit.SECONDS))
            {
                out.printf("  %s  %-10s %s%n", MacAddress.format(entry.mac()), entry.port(), entry.permanent() ? "permanent" : "");
            }
            if (!proxy.drops().isEmpty())
            {
                out.printf("%ndrops: %s%n", proxy.drops());
            }
            if (tap != null)
            {
                proxy.tap(null).get(5, TimeUnit.SECONDS);
                tap.close();
                out.printf("%nwrote %d frames to %s (open it with Wireshark or: tshark -r %s)%n",
                    tap.packets(), capture, capture);
            }
            out.flush();
            return failures == 0 ? 0 : 1;
        }
    }

    private int checkAllPairs(final DataPlaneProxy proxy, final List<PodInfo> created, final PrintWriter out) throws Exception
    {
        final List<CompletableFuture<String>> cells = new ArrayList<>();
        for (final PodInfo from : created)
        {
            for (final PodInfo to : created)
            {
                cells.add(from == to ? CompletableFuture.completedFuture("-") : check(proxy, from, to));
            }
        }
        out.printf("%nconnectivity (ping + netexec clientip), row = from, column = to:%n%-10s", "");
        for (final PodInfo to : created)
        {
            out.printf(" %-8s", to.name());
        }
        out.println();
        int failures = 0;
        for (int i = 0; i < created.size(); i++)
        {
            out.printf("%-10s", created.get(i).name());
            for (int j = 0; j < created.size(); j++)
            {
                final String cell = cells.get(i * created.size() + j).get(30, TimeUnit.SECONDS);
                if (!cell.equals("ok") && !cell.equals("-"))
                {
                    failures++;
                }
                out.printf(" %-8s", cell);
            }
            out.println();
        }
        out.printf("%d of %d pairs connected%n", created.size() * (created.size() - 1) - failures, created.size() * (created.size() - 1));
        return failures;
    }

    private static CompletableFuture<String> check(final DataPlaneProxy proxy, final PodInfo from, final PodInfo to)
    {
        final byte[] clientIp = "clientip".getBytes(StandardCharsets.US_ASCII);
        return proxy.ping(from.name(), PingRequest.of(to.ip(), 1)).thenComposeAsync(ping ->
        {
            if (ping.received() != 1)
            {
                final String why = ping.errors().isEmpty() ? "lost" : ping.errors().get(0).type();
                return CompletableFuture.completedFuture(why);
            }
            return proxy.udp(from.name(), to.ip(), 8081, clientIp, Duration.ofSeconds(2)).thenApply(reply -> verdict(reply, from));
        });
    }

    private static String verdict(final UdpExchange reply, final PodInfo from)
    {
        if (!reply.ok())
        {
            return reply.error();
        }
        return reply.replyText().startsWith(Ipv4Address.format(from.ip()) + ":") ? "ok" : "NAT?";
    }

    private NodeConfig validate()
    {
        final CommandLine cmd = spec.commandLine();
        if (pods < 1 || pods > 50)
        {
            throw new CommandLine.ParameterException(cmd, "--pods must be 1..50: " + pods);
        }
        try
        {
            return NodeConfig.defaults(nodeName, Ipv4Cidr.parse(cidr)).withIdleMode(IdleMode.parse(idleMode));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cmd, ex.getMessage());
        }
    }
}
