package dev.podnet.agent;

import dev.podnet.agent.bench.BenchNode;
import dev.podnet.agent.bench.BenchSide;
import dev.podnet.agent.bench.RawAeronEndpoint;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.pod.PodStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code podnet bench-peer} (hidden): the second JVM of {@code podnet bench overlay}. Runs node B
 * ({@link BenchSide#B}) and answers the parent, one line per request on stdin, one line per answer on
 * stdout; its log goes to stderr. It exits when stdin closes, so a parent that dies takes it along.
 * <pre>
 *   (at start)                         ready
 *   connected                          connected yes | connected no        (the tunnel to node A)
 *   stats POD                          discard DATAGRAMS BYTES             (the pod's discard service)
 *   drops                              drops [REASON=COUNT ...]            (node B's drop counters)
 *   raw-start LOCAL_PORT PEER_PORT     raw-started                         (the raw Aeron baseline, --underlay-mtu)
 *   raw-connected                      raw-connected yes | raw-connected no
 *   raw-count                          MESSAGES                            (raw data messages received)
 *   raw-stop                           raw-stopped
 *   quit                               bye
 *   (anything that fails)              error MESSAGE
 * </pre>
 */
@Command(
    name = "bench-peer",
    hidden = true,
    description = "The second JVM of 'podnet bench overlay': runs node B and answers requests on stdin (one per line).")
final class BenchPeerCommand implements Callable<Integer>
{
    @Option(names = "--idle-mode", required = true, description = "idle strategy of node B and its raw Aeron endpoint")
    String idleMode;

    @Option(names = "--underlay-mtu", defaultValue = "1500",
        description = "underlay MTU of node B's tunnel and its raw Aeron endpoint (1280..9216, default ${DEFAULT-VALUE})")
    int underlayMtu;

    @Option(names = "--tunnel-port", required = true, description = "node B's tunnel port on 127.0.0.1")
    int tunnelPort;

    @Option(names = "--peer-tunnel-port", required = true, description = "node A's tunnel port on 127.0.0.1")
    int peerTunnelPort;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private IdleMode mode;
    private BenchNode node;
    private RawAeronEndpoint raw;

    @Override
    public Integer call() throws Exception
    {
        try
        {
            mode = IdleMode.parse(idleMode);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--idle-mode: " + ex.getMessage());
        }
        if (underlayMtu < 1280 || underlayMtu > 9216)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--underlay-mtu must be 1280..9216: " + underlayMtu);
        }
        // stdout carries the protocol only: whatever else writes to System.out goes to stderr
        final PrintStream protocol = System.out;
        System.setOut(System.err);
        try
        {
            node = BenchNode.start(BenchSide.B, tunnelPort, peerTunnelPort, mode, underlayMtu);
            answer(protocol, "ready");
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null)
            {
                final String request = line.trim();
                if (request.equals("quit"))
                {
                    answer(protocol, "bye");
                    break;
                }
                String reply;
                try
                {
                    reply = handle(request);
                }
                catch (final RuntimeException ex)
                {
                    reply = "error " + String.valueOf(ex.getMessage()).replace('\n', ' ');
                }
                answer(protocol, reply);
            }
            return 0;
        }
        finally
        {
            if (raw != null)
            {
                raw.close();
            }
            if (node != null)
            {
                node.close();
            }
        }
    }

    private static void answer(final PrintStream protocol, final String line)
    {
        protocol.println(line);
        protocol.flush();
    }

    private String handle(final String request)
    {
        final String[] words = request.split("\\s+");
        switch (words[0])
        {
            case "connected":
                return "connected " + (node.tunnelConnected() ? "yes" : "no");
            case "stats":
            {
                final String pod = words.length > 1 ? words[1] : BenchSide.B.podName();
                final PodStats stats = BenchNode.await(node.proxy().podStats(pod), Duration.ofSeconds(10), "stats of " + pod);
                return "discard " + stats.discardDatagrams() + " " + stats.discardBytes();
            }
            case "drops":
            {
                final StringBuilder reply = new StringBuilder("drops");
                for (final Map.Entry<String, Long> drop : node.proxy().drops().entrySet())
                {
                    reply.append(' ').append(drop.getKey()).append('=').append(drop.getValue());
                }
                return reply.toString();
            }
            case "raw-start":
            {
                if (words.length != 3)
                {
                    return "error raw-start needs LOCAL_PORT PEER_PORT: '" + request + "'";
                }
                if (raw != null)
                {
                    raw.close();
                    raw = null;
                }
                raw = RawAeronEndpoint.start(
                    BenchSide.B.nodeName(), Integer.parseInt(words[1]), Integer.parseInt(words[2]), mode, underlayMtu);
                return "raw-started";
            }
            case "raw-connected":
                return "raw-connected " + (raw != null && raw.isConnected() ? "yes" : "no");
            case "raw-count":
                return Long.toString(raw == null ? 0 : raw.dataReceived());
            case "raw-stop":
                if (raw != null)
                {
                    raw.close();
                    raw = null;
                }
                return "raw-stopped";
            default:
                return "error unknown request '" + request + "' (expected one of: connected, stats POD, drops, " +
                    "raw-start LOCAL_PORT PEER_PORT, raw-connected, raw-count, raw-stop, quit)";
        }
    }
}
