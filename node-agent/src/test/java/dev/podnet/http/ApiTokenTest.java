package dev.podnet.http;

import dev.podnet.cli.PodnetCtl;
import dev.podnet.testing.LocalCluster;
import dev.podnet.testing.LogCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An agent started with an API token ({@code PODNET_API_TOKEN}): every request but the probes needs it,
 * agents forwarding to each other send it, podnetctl finds it in a file, a variable or its config file,
 * and it never shows in a log.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiTokenTest
{
    private static final String TOKEN = "s3cr3t-t0ken-0123456789abcdef";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LogCapture logs;
    private static LocalCluster cluster;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start()
    {
        logs = new LogCapture();
        cluster = LocalCluster.start(2, 1, Map.of("PODNET_API_TOKEN", TOKEN));
        LocalCluster.await(() -> get(cluster.api(1) + "/api/v1/pods", "Bearer " + TOKEN).body().contains("\"b1\""),
            LocalCluster.CONVERGE, "node-1 lists node-2's pod b1");
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
        if (logs != null)
        {
            logs.close();
        }
    }

    @Test
    void shouldRefuseEveryRequestWithoutTheTokenWith401()
    {
        for (final String path : new String[] {"/api/v1/pods", "/api/v1/node", "/api/v1/nodes", "/metrics", "/api/v1/check"})
        {
            final HttpResponse<String> reply = get(cluster.api(1) + path, null);
            assertThat(reply.statusCode()).as(path).isEqualTo(401);
            assertThat(reply.body()).as(path).contains("\"error\":\"unauthorized\"");
            assertThat(reply.headers().firstValue("WWW-Authenticate")).as(path).hasValue("Bearer realm=\"podnet\"");
        }
    }

    @Test
    void shouldRefuseAWrongTokenAndAnotherScheme()
    {
        assertThat(get(cluster.api(1) + "/api/v1/pods", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(get(cluster.api(1) + "/api/v1/pods", "Bearer " + TOKEN.substring(1)).statusCode()).isEqualTo(401);
        assertThat(get(cluster.api(1) + "/api/v1/pods", "Basic " + TOKEN).statusCode()).isEqualTo(401);
        assertThat(get(cluster.api(1) + "/api/v1/pods", TOKEN).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldServeTheRequestWithTheToken()
    {
        final HttpResponse<String> reply = get(cluster.api(1) + "/api/v1/pods", "Bearer " + TOKEN);

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.body()).contains("\"a1\"", "\"b1\"");
        assertThat(get(cluster.api(1) + "/api/v1/pods", "bearer  " + TOKEN + " ").statusCode())
            .as("the scheme is case-insensitive (RFC 7235)").isEqualTo(200);
    }

    @Test
    void shouldAnswerTheProbesAndTheWebPageWithoutTheToken()
    {
        assertThat(get(cluster.api(1) + "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get(cluster.api(1) + "/readyz", null).statusCode()).isEqualTo(200);
        assertThat(get(cluster.api(1) + "/", null).statusCode()).isEqualTo(200);
        assertThat(get(cluster.api(1) + "/ui/app.js", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldForwardWithTheTokenToTheAgentThatOwnsThePod()
    {
        final HttpResponse<String> reply = get(cluster.api(1) + "/api/v1/pods/b1/arp", "Bearer " + TOKEN);

        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(get(cluster.api(1) + "/api/v1/nodes/node-2/routes", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldHavePodnetctlSendTheTokenFromAFileTheVariableOrItsConfigFile() throws Exception
    {
        final Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        final Map<String, String> env = new HashMap<>(Map.of("HOME", dir.resolve("home").toString()));

        assertThat(ctl(env, "--server", cluster.api(1), "--token-file", tokenFile.toString(), "get", "pods").exit).isZero();

        env.put("PODNETCTL_TOKEN", TOKEN);
        assertThat(ctl(env, "--server", cluster.api(1), "get", "pods").exit).isZero();

        env.remove("PODNETCTL_TOKEN");
        final Path config = dir.resolve("home/.config/podnetctl/config");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "server = " + cluster.api(2) + "\ntoken = " + TOKEN + "\n");
        final Run fromConfig = ctl(env, "get", "pods");
        assertThat(fromConfig.exit).as(fromConfig.err).isZero();
        assertThat(fromConfig.out).contains("a1", "b1");
    }

    @Test
    void shouldHavePodnetctlSayWhereTheTokenGoesWhenTheAgentWantsOne()
    {
        final Run run = ctl(Map.of("HOME", dir.resolve("nobody").toString()), "--server", cluster.api(1), "get", "pods");

        assertThat(run.exit).isEqualTo(PodnetCtl.EXIT_REFUSED);
        assertThat(run.err).contains("error: this API needs a bearer token").contains("hint: give the agent's API token with --token-file");
    }

    @Test
    void shouldRefuseAPodnetctlTokenFileThatCannotBeReadAsAUsageError()
    {
        final Run run = ctl(Map.of(), "--server", cluster.api(1), "--token-file", dir.resolve("missing").toString(), "get", "pods");

        assertThat(run.exit).isEqualTo(PodnetCtl.EXIT_USAGE);
        assertThat(run.err).contains("--token-file: cannot read");
    }

    @Test
    void shouldShowNeitherTheTokenNorTheClusterSecretInTheApi()
    {
        for (final String path : new String[] {"/api/v1/node", "/api/v1/nodes", "/api/v1/nodes/node-2", "/metrics"})
        {
            assertThat(get(cluster.api(1) + path, "Bearer " + TOKEN).body()).as(path)
                .doesNotContain(TOKEN).doesNotContain(LocalCluster.SECRET);
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void shouldNeverLogTheTokenNorTheClusterSecret()
    {
        assertThat(logs.lines()).as("log lines of the cluster's start and every request so far").isNotEmpty()
            .noneMatch(line -> line.contains(TOKEN) || line.contains(TOKEN.substring(0, 12)))
            .noneMatch(line -> line.contains(LocalCluster.SECRET));
    }

    private static HttpResponse<String> get(final String url, final String authorization)
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null)
        {
            request.header("Authorization", authorization);
        }
        try
        {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final Exception ex)
        {
            throw new AssertionError("GET " + url + ": " + ex, ex);
        }
    }

    private record Run(int exit, String out, String err)
    {
    }

    private static Run ctl(final Map<String, String> env, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = PodnetCtl.commandLine(env).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
