package dev.podnet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.net.URI;
import java.util.Map;

/**
 * {@code podnetctl}: a kubectl-like command line for a podnet cluster, talking to any agent's HTTP API
 * (docs/API.md): every agent answers for the whole cluster, so one address is enough.
 * <p>
 * Exit codes are a contract with scripts, kept apart so that a script can tell "the network is broken"
 * (1) from "I asked wrongly" (2, 3) from "there is nothing to ask" (4). Errors are one line,
 * {@code error: <what>}, on stderr; a stack trace never reaches the user (an unexpected exception is a
 * bug, reported in one line with exit 1).
 */
@Command(
    name = "podnetctl",
    mixinStandardHelpOptions = true,
    versionProvider = PodnetCtl.Version.class,
    description = "Inspects and drives a podnet cluster (an emulated Kubernetes pod network) through any agent's " +
        "HTTP API, the way kubectl drives Kubernetes.",
    subcommands = {
        GetCommand.class, DescribeCommand.class, CreateCommand.class, DeleteCommand.class, ApplyCommand.class,
        PingCommand.class, TracerouteCommand.class, UdpCommand.class, NslookupCommand.class, CurlCommand.class, PerfCommand.class,
        SsCommand.class, CheckCommand.class, PolicyCommand.class,
        ArpCommand.class, FdbCommand.class, RoutesCommand.class, ConntrackCommand.class, CaptureCommand.class, ChaosCommand.class,
        NetemCommand.class, TraceCommand.class, CrashCommand.class,
        CommandLine.HelpCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl get nodes -o wide",
        "  podnetctl create pod web --node b",
        "  podnetctl ping a-1 web -c 5",
        "  podnetctl curl a-1 http://web:8080/clientip",
        "  podnetctl perf a-1 web --seconds 5",
        "  podnetctl apply -f app.yaml",
        "  podnetctl get svc -A",
        "  podnetctl udp a-1 web 80 hostname       # web: a Service, resolved by a-1's resolver",
        "  podnetctl check",
        "  podnetctl capture a-1 -w - --seconds 30 | wireshark -k -i -",
        "  podnetctl chaos kill-one           # against a docker compose cluster",
        "  podnetctl netem set node-1 node-2 --delay 50ms --loss 1% --both-ways",
        "  podnetctl trace a-1 b-1 --udp 8081",
        "",
        "The server is --server, else the variable " + PodnetCtl.SERVER_ENV + ", else 'server' in the config file, else " +
            PodnetCtl.DEFAULT_SERVER + ".",
        "An agent started with an API token wants it too: --token-file FILE, else the variable " + PodnetCtl.TOKEN_ENV +
            ", else 'token' in the config file, " + PodnetCtl.CONFIG_FILE_HINT + " (lines 'server = HOST:PORT' and 'token = TOKEN')."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the operation ran and failed: ping got no reply at all, traceroute did not reach the target, udp timed " +
            "out or got an ICMP error, curl or perf got no connection (refused, reset, unreachable, timeout), check " +
            "found a pair that cannot connect",
        "2:usage error: a bad or missing argument",
        "3:the API refused the request (4xx/5xx): its detail is printed",
        "4:the API cannot be reached (nothing listens at --server, or the connection was lost)"})
public final class PodnetCtl implements Runnable
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_REFUSED = 3;
    public static final int EXIT_UNREACHABLE = 4;
    static final String SERVER_ENV = "PODNETCTL_SERVER";
    static final String DEFAULT_SERVER = "localhost:8080";
    static final String TOKEN_ENV = "PODNETCTL_TOKEN";
    /** Where the per-user config file is, as the help says it. */
    static final String CONFIG_FILE_HINT = "$XDG_CONFIG_HOME/podnetctl/config (~/.config/podnetctl/config)";

    @Option(
        names = "--server",
        scope = ScopeType.INHERIT,
        paramLabel = "HOST:PORT",
        description = "the agent API to talk to: host:port or http://host:port (port 8080 when left out); " +
            "default: $" + SERVER_ENV + ", else " + DEFAULT_SERVER)
    String server;

    @Option(
        names = "--token-file",
        scope = ScopeType.INHERIT,
        paramLabel = "FILE",
        description = "a file holding the agent's API token (sent as 'Authorization: Bearer TOKEN'); default: $" + TOKEN_ENV +
            ", else 'token' in " + CONFIG_FILE_HINT)
    java.nio.file.Path tokenFile;

    @Option(
        names = {"-n", "--namespace"},
        scope = ScopeType.INHERIT,
        paramLabel = "NS",
        description = "the namespace of the pods, Services and endpoints named or listed (default: default)")
    String namespace;

    @Option(
        names = {"-A", "--all-namespaces"},
        scope = ScopeType.INHERIT,
        description = "list the objects of every namespace (get)")
    boolean allNamespaces;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> env;

    public PodnetCtl()
    {
        this(System.getenv());
    }

    /** @param env the environment ({@code System.getenv()}): where {@value #SERVER_ENV} and {@code COLUMNS} come from */
    PodnetCtl(final Map<String, String> env)
    {
        this.env = Map.copyOf(env);
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: podnetctl get nodes, or podnetctl --help)");
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The command line with podnetctl's error handling: {@code error: ...} on stderr and the exit codes above. */
    public static CommandLine commandLine(final Map<String, String> env)
    {
        return new CommandLine(new PodnetCtl(env))
            .setExecutionExceptionHandler(PodnetCtl::executionFailed)
            .setParameterExceptionHandler(PodnetCtl::usageError);
    }

    /** The namespace asked for with {@code -n}, else {@code default}. */
    String namespace()
    {
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }

    /** Whether {@code -n} was given. */
    boolean namespaceGiven()
    {
        return namespace != null && !namespace.isBlank();
    }

    boolean allNamespaces()
    {
        return allNamespaces;
    }

    /** The environment this run sees. */
    Map<String, String> env()
    {
        return env;
    }

    /**
     * A client for the server this run talks to: {@code --server}, else {@value #SERVER_ENV}, else
     * {@value #DEFAULT_SERVER}. A server that is not an address is a usage error.
     */
    ApiClient client(final CommandLine cmd)
    {
        final CtlConfig config = CtlConfig.load(env, cmd);
        final String source;
        String chosen;
        if (server != null)
        {
            chosen = server;
            source = "--server";
        }
        else if (!env.getOrDefault(SERVER_ENV, "").isBlank())
        {
            chosen = env.get(SERVER_ENV);
            source = SERVER_ENV;
        }
        else
        {
            chosen = config.server();
            source = "'server' in " + config.path();
        }
        if (chosen == null || chosen.isBlank())
        {
            chosen = DEFAULT_SERVER;
        }
        final URI base;
        try
        {
            base = ApiClient.parseServer(chosen);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cmd, source + ": " + ex.getMessage());
        }
        return new ApiClient(base, authorization(cmd, config));
    }

    /** {@code Bearer TOKEN} from --token-file, else {@value #TOKEN_ENV}, else the config file; null when none is given. */
    private String authorization(final CommandLine cmd, final CtlConfig config)
    {
        try
        {
            if (tokenFile != null)
            {
                return dev.podnet.http.ApiToken.read(tokenFile).header();
            }
            final String fromEnv = env.get(TOKEN_ENV);
            if (fromEnv != null && !fromEnv.isBlank())
            {
                return withSource(TOKEN_ENV, fromEnv);
            }
            return config.token() == null ? null : withSource("'token' in " + config.path(), config.token());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cmd, (tokenFile != null ? "--token-file: " : "") + ex.getMessage());
        }
    }

    private static String withSource(final String source, final String token)
    {
        try
        {
            return dev.podnet.http.ApiToken.of(token).header();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(source + ": " + ex.getMessage(), ex);
        }
    }

    private static int executionFailed(final Exception ex, final CommandLine cmd, final CommandLine.ParseResult parseResult)
    {
        final PrintWriter err = cmd.getErr();
        if (ex instanceof CtlException failure)
        {
            err.println("error: " + failure.getMessage());
            if (failure.hint() != null)
            {
                err.println("hint: " + failure.hint());
            }
            err.flush();
            return failure.exitCode();
        }
        err.println("error: podnetctl " + cmd.getCommandName() + " failed unexpectedly (a bug): " + ex);
        err.flush();
        return EXIT_FAILED;
    }

    private static int usageError(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine cmd = ex.getCommandLine();
        final PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = PodnetCtl.class.getPackage().getImplementationVersion();
            return new String[] {"podnetctl " + (version == null ? "(development build)" : version)};
        }
    }
}
