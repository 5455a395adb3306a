package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code podnet demo --nodes 4 --agents-per-jvm 2} run from the shaded jar as a user runs it: two {@code podnet pack}
 * JVMs of two agents each. The four nodes come up with distinct leases and a full matrix; {@code podnetctl crash node-3}
 * stops node-3's agent alone, without leaving the cluster: node-1 sees it go, its pack (the same process, node-4 in it
 * untouched) starts it again with its lease; SIGTERM to the launcher stops both packs, exit 0, no process and no port
 * left. Output: {@code it/target/packed-demo/demo.out}, the packs' logs next to it.
 */
class PackedDemoIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> OPENS = List.of(
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED");
    private static final int NODES = 4;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldRunFourNodesInTwoPacksAndStartACrashedAgainInItsPack() throws Exception
    {
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        final Path jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        final Path dir = basedir.resolve("target/packed-demo");
        deleteTree(dir);
        Files.createDirectories(dir);
        final DemoPorts ports = DemoPorts.pick(NODES);
        final int apiBase = ports.api();
        final int clusterBase = ports.cluster();
        final int tunnelBase = ports.tunnel();
        final Path out = dir.resolve("demo.out");

        final List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(OPENS);
        command.addAll(List.of("-jar", jar.toString(), "demo", "--nodes", Integer.toString(NODES), "--agents-per-jvm", "2",
            "--pods", "1", "--api-port", Integer.toString(apiBase), "--cluster-port", Integer.toString(clusterBase),
            "--tunnel-port", Integer.toString(tunnelBase), "--logs", dir.resolve("agents").toString(),
            "--state-dir", dir.resolve("state").toString()));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        final Process demo = builder.start();
        final List<ProcessHandle> packs = new ArrayList<>();
        try
        {
            awaitOutput(demo, out, "podnet demo: ready", Duration.ofSeconds(180));
            final String printed = read(out);
            assertThat(printed).contains("starting 2 agent JVMs, 2 agents to a JVM (podnet pack", "12/12 pairs ok",
                "crash node-4    # chaos");
            packs.addAll(demo.descendants().filter(process -> hasArgument(process, "pack")).toList());
            assertThat(packs).as("two pack JVMs under the launcher").hasSize(2);
            final ProcessHandle secondPack = packs.stream()
                .filter(pack -> pack.info().arguments().map(args -> String.join(" ", args).contains("--node node-3 ")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no pack runs node-3"));
            final JsonNode nodes = get(apiBase, "/api/v1/nodes");
            assertThat(nodes).hasSize(NODES).allMatch(node -> node.get("status").asText().equals("Ready"));
            final int node3 = apiBase + 2;
            final String lease = get(node3, "/api/v1/node").get("cidr").asText();

            // podnetctl as a user runs it, against node-1: forwarded to node-3, whose agent stops without a word
            final List<String> ctl = new ArrayList<>(List.of(JAVA));
            ctl.addAll(OPENS);
            ctl.addAll(List.of("-cp", jar.toString(), "dev.podnet.cli.PodnetCtl", "--server", "127.0.0.1:" + apiBase, "crash", "node-3"));
            final Process crash = new ProcessBuilder(ctl).redirectErrorStream(true).start();
            final String said = new String(crash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(crash.waitFor()).as(said).isZero();
            assertThat(said).contains("node node-3: the agent stops without leaving the cluster");

            awaitNode(apiBase, "node-3", status -> !status.equals("Ready"), Duration.ofSeconds(30), "node-1 sees node-3 go");
            awaitNode(apiBase, "node-3", status -> status.equals("Ready"), Duration.ofSeconds(120), "node-1 sees node-3 Ready again");
            // node-1's view can say Ready from the new life's membership before that life's own API does
            awaitSelfReady(node3, Duration.ofSeconds(60));
            assertThat(get(node3, "/api/v1/node").get("cidr").asText()).as("its lease back").isEqualTo(lease);
            assertThat(secondPack.isAlive()).as("the same pack JVM, not a restarted one").isTrue();
            assertThat(demo.descendants().filter(process -> hasArgument(process, "pack")).count()).isEqualTo(2);
            assertThat(read(dir.resolve("agents/node-3..node-4.log")))
                .contains("node node-3 ended with status 137 (crashed on request); starting it again", "node node-3 Ready again");
            assertThat(get(apiBase + 3, "/api/v1/node").get("ready").asBoolean()).as("node-4, in the same JVM").isTrue();

            demo.destroy(); // SIGTERM
            assertThat(demo.waitFor(90, TimeUnit.SECONDS)).as("the demo stops").isTrue();
            assertThat(demo.exitValue()).as(read(out)).isZero();
            for (final ProcessHandle pack : packs)
            {
                assertThat(pack.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
            }
            for (int i = 0; i < NODES; i++)
            {
                assertThat(listening(apiBase + i)).as("API port %d", apiBase + i).isFalse();
                assertThat(listening(clusterBase + i)).as("cluster port %d", clusterBase + i).isFalse();
            }
        }
        finally
        {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }

    private static void awaitNode(final int api, final String node, final java.util.function.Predicate<String> status,
        final Duration limit, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline)
        {
            try
            {
                last = get(api, "/api/v1/nodes/" + node).get("status").asText();
                if (status.test(last))
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                last = ex.toString();
            }
            Thread.sleep(200);
        }
        fail("not within %s: %s (last status %s)", limit, what, last);
    }

    private static void awaitSelfReady(final int api, final Duration limit) throws InterruptedException
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline)
        {
            try
            {
                final JsonNode node = get(api, "/api/v1/node");
                last = node.toString();
                if (node.path("ready").asBoolean())
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                last = ex.toString();
            }
            Thread.sleep(200);
        }
        fail("not within %s: the node's own API says Ready (last: %s)", limit, last);
    }

    private static void awaitOutput(final Process demo, final Path out, final String text, final Duration limit)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!read(out).contains(text))
        {
            if (!demo.isAlive())
            {
                fail("the demo exited with %d while waiting for '%s'; its output:%n%s", demo.exitValue(), text, read(out));
            }
            if (System.nanoTime() > deadline)
            {
                fail("waited %s for the demo to print '%s'; its output:%n%s", limit, text, read(out));
            }
            Thread.sleep(100);
        }
    }

    private static JsonNode get(final int port, final String path) throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET().build();
        return JSON.readTree(CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static boolean listening(final int port)
    {
        try (Socket ignored = new Socket("127.0.0.1", port))
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static boolean hasArgument(final ProcessHandle process, final String argument)
    {
        return process.info().arguments().map(args -> List.of(args).contains(argument)).orElse(false);
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + file + ": " + ex + ")";
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> tree = Files.walk(root))
        {
            for (final Path path : tree.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
