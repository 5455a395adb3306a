package dev.podnet.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.it.containers.AgentApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.podnet.it.Shell.inNetns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Real pods on two agent processes (cluster mode on loopback, started from the shaded jar as a user
 * would): a network namespace on node-1 and one on node-2, each with its TAP device on its node's
 * bridge, and the kernel's own tools between them across both routers and the Aeron tunnel; and Linux's
 * TCP against podnet's across nodes, both ways (the kernel's curl and sockets to an emulated pod's HTTP and
 * echo services, an emulated pod's curl to {@code python3 -m http.server} in a namespace).
 * <pre>
 *   pn-tap-pa (ns) -- tap -- node-1 bridge/router ==== tunnel ==== node-2 router/bridge -- tap -- pn-tap-pb (ns)
 * </pre>
 * Runs as root (CI does). Agent logs: {@code it/target/agent-logs/real-*.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RealPodProcessIT
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private final List<Process> agents = new ArrayList<>();
    private Path jar;
    private Path logs;
    private int api1;
    private int api2;
    private String ipA;
    private String ipB;

    @BeforeAll
    void startTwoAgentsWithARealPodEach() throws Exception
    {
        Shell.requireRootAnd(List.of("ip", "ping", "curl", "python3"));
        Shell.run("ip", "netns", "del", "pn-tap-pa");
        Shell.run("ip", "netns", "del", "pn-tap-pb");
        final Path basedir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        jar = basedir.resolve("../node-agent/target/podnet-agent.jar").normalize();
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package)", jar);
        }
        logs = Files.createDirectories(basedir.resolve("target/agent-logs"));
        final int seed = LoopbackPorts.freeTcpPort();
        api1 = LoopbackPorts.freeTcpPort();
        api2 = LoopbackPorts.freeTcpPort();
        start(jar, logs, "node-1", seed, seed, api1);
        start(jar, logs, "node-2", LoopbackPorts.freeTcpPort(), seed, api2);
        await("both nodes ready", () -> status(api1, "/readyz") == 200 && status(api2, "/readyz") == 200);
        await("node-1 routes to node-2", () -> json(api1, "GET", "/api/v1/routes", null).size() == 1);
        // node-1 forwards a pod to create only to a node it sees Ready (Up), which can come a moment after node-2's /readyz
        await("node-1 sees node-2 Ready", () -> json(api1, "GET", "/api/v1/nodes/node-2", null).path("status").asText().equals("Ready"));

        assertThat(json(api1, "GET", "/api/v1/node", null).get("realPods").get("available").asBoolean()).isTrue();
        ipA = created(json(api1, "POST", "/api/v1/pods", "{\"name\":\"pn-tap-pa\",\"netns\":true}")).get("ip").asText();
        // asked of node-1 for node-2: forwarded, and made in node-2's namespace world (the same host here)
        // once seen Ready, node-2 was once seen Joining again a moment later (a clean-clone CI run): asked again then
        final JsonNode[] podB = new JsonNode[1];
        await("node-1 makes pn-tap-pb on node-2", () ->
        {
            podB[0] = json(api1, "POST", "/api/v1/pods", "{\"name\":\"pn-tap-pb\",\"node\":\"node-2\",\"netns\":true}");
            return !podB[0].path("detail").asText().contains("cannot host pods");
        });
        ipB = created(podB[0]).get("ip").asText();
        await("both nodes list both real pods with their namespaces", () ->
            json(api1, "GET", "/api/v1/pods/pn-tap-pb", null).path("netns").asText().equals("pn-tap-pb") &&
            json(api2, "GET", "/api/v1/pods/pn-tap-pa", null).path("netns").asText().equals("pn-tap-pa"));
    }

    @AfterAll
    void stopAgents() throws InterruptedException
    {
        for (final Process agent : agents)
        {
            agent.destroy();
        }
        for (final Process agent : agents)
        {
            if (!agent.waitFor(30, TimeUnit.SECONDS))
            {
                agent.destroyForcibly();
            }
        }
        Shell.run("ip", "netns", "del", "pn-tap-pa");
        Shell.run("ip", "netns", "del", "pn-tap-pb");
        Shell.run("ip", "netns", "del", "pn-tap-left");
    }

    @Test
    @Order(1)
    void shouldPingFromKernelToKernelThroughTwoRouters()
    {
        await("pn-tap-pa reaches pn-tap-pb", () -> inNetns("pn-tap-pa", "ping", "-c", "1", "-W", "1", ipB).exitCode() == 0);
        final String ping = inNetns("pn-tap-pa", "ping", "-c", "3", "-W", "2", ipB).ok().output();
        assertThat(ping).as("node-1's router and node-2's: TTL 64 - 2").contains("ttl=62").contains("3 received");
        assertThat(inNetns("pn-tap-pb", "ping", "-c", "1", "-W", "2", ipA).ok().output()).contains("ttl=62");
    }

    @Test
    @Order(2)
    void shouldServeCurlFromAnHttpServerInTheOtherNamespaceWhichSeesTheClientsPodIp() throws Exception
    {
        final Path root = Files.createTempDirectory("pn-tap-www");
        Files.writeString(root.resolve("hello.txt"), "hello from pn-tap-pb\n");
        final Path log = root.resolve("server.log");
        final Process server = new ProcessBuilder("ip", "netns", "exec", "pn-tap-pb", "python3", "-m", "http.server", "8000",
            "--bind", ipB, "--directory", root.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            await("the server listens", () -> inNetns("pn-tap-pb", "ss", "-tln").output().contains(ipB + ":8000"));
            final String body = inNetns("pn-tap-pa", "curl", "-sS", "-m", "10", "http://" + ipB + ":8000/hello.txt").ok().output();
            assertThat(body).isEqualTo("hello from pn-tap-pb");
            // a 1 MB download: TCP segments at the pod MTU, in both directions, through both routers
            Files.write(root.resolve("big.bin"), new byte[1 << 20]);
            final String size = inNetns("pn-tap-pa", "curl", "-sS", "-m", "30", "-o", "/dev/null", "-w", "%{size_download}",
                "http://" + ipB + ":8000/big.bin").ok().output();
            assertThat(size).isEqualTo(Integer.toString(1 << 20));
            await("the server logged the request", () -> read(log).contains("GET /hello.txt"));
            assertThat(Files.readString(log).lines().filter(line -> line.contains("GET /hello.txt")).findFirst().orElseThrow())
                .as("the server saw the client's own pod IP: no NAT").startsWith(ipA + " ");
        }
        finally
        {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(3)
    void shouldConnectRealAndEmulatedPodsAcrossNodes() throws Exception
    {
        final String emulated2 = json(api1, "GET", "/api/v1/pods/node-2-1", null).get("ip").asText();
        assertThat(inNetns("pn-tap-pa", "ping", "-c", "2", "-W", "2", emulated2).ok().output()).contains("ttl=62");
        final JsonNode ping = json(api1, "POST", "/api/v1/pods/node-2-1/ping", "{\"target\":\"pn-tap-pa\",\"count\":2}");
        assertThat(ping.get("received").asInt()).as(ping.toString()).isEqualTo(2);
        assertThat(ping.get("replies").get(0).get("ttl").asInt()).isEqualTo(62);

        final JsonNode check = json(api2, "POST", "/api/v1/check", null);
        assertThat(check.get("failed")).as(check.get("failed").toString()).isEmpty();
        assertThat(check.get("pods")).hasSize(6);
        assertThat(check.get("ok").asInt()).isEqualTo(30);
    }

    @Test
    @Order(4)
    void shouldServeTheKernelsCurlFromAnEmulatedPodsHttpServerAcrossNodes() throws Exception
    {
        // Linux's TCP (in pn-tap-pa, node-1) against podnet's (in emulated pod node-2-1): handshake, options, data
        final String emulated2 = json(api1, "GET", "/api/v1/pods/node-2-1", null).get("ip").asText();
        final String url = "http://" + emulated2 + ":8080";
        assertThat(inNetns("pn-tap-pa", "curl", "-sS", "-m", "10", url + "/hostname").ok().output()).isEqualTo("node-2-1");
        final String clientIp = inNetns("pn-tap-pa", "curl", "-sS", "-m", "10", "-w", " %{local_port}", url + "/clientip")
            .ok().output();
        final String[] answer = clientIp.split(" ");
        assertThat(answer[0]).as("the emulated pod saw the kernel's own address and port: no NAT").isEqualTo(ipA + ":" + answer[1]);
        assertThat(inNetns("pn-tap-pa", "curl", "-sS", "-m", "10", url + "/echo?msg=hello+kernel").ok().output())
            .isEqualTo("hello kernel");
        assertThat(inNetns("pn-tap-pa", "curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", url + "/nope").output())
            .isEqualTo("404");

        // a megabyte through podnet's echo service and back: the kernel's segments in, podnet's out, windows both ways
        final String echoed = inNetns("pn-tap-pa", "python3", "-c", String.join("\n",
            "import socket",
            "data = bytes(range(256)) * 4096",
            "s = socket.create_connection(('" + emulated2 + "', 7), timeout=30)",
            "s.sendall(data)",
            "s.shutdown(socket.SHUT_WR)",
            "back = b''",
            "while True:",
            "    chunk = s.recv(65536)",
            "    if not chunk: break",
            "    back += chunk",
            "print(len(back), back == data)")).ok().output();
        assertThat(echoed).isEqualTo((1 << 20) + " True");
        // again with the client sending for a second before it reads (as a slow machine's sendall does): its window
        // closes with the echo and is probed; the ACKs for its data must still be ones it accepts (it waited 30 s once)
        final String paced = inNetns("pn-tap-pa", "python3", "-c", String.join("\n",
            "import socket, time",
            "data = bytes(range(256)) * 4096",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)",
            "s.settimeout(30)",
            "s.connect(('" + emulated2 + "', 7))",
            "for i in range(0, len(data), 65536):",
            "    s.sendall(data[i:i + 65536])",
            "    time.sleep(0.06)",
            "s.shutdown(socket.SHUT_WR)",
            "back = b''",
            "while True:",
            "    chunk = s.recv(65536)",
            "    if not chunk: break",
            "    back += chunk",
            "print(len(back), back == data)")).ok().output();
        assertThat(paced).isEqualTo((1 << 20) + " True");
        final JsonNode sockets = json(api1, "GET", "/api/v1/pods/node-2-1/sockets", null);
        assertThat(sockets.toString()).as("the kernel's connections ended in order: nothing left but TIME-WAIT at most")
            .doesNotContain("ESTAB");
    }

    @Test
    @Order(5)
    void shouldGetAPageFromPythonsHttpServerInARealPodWithAnEmulatedPodsCurlAcrossNodes() throws Exception
    {
        // podnet's TCP (emulated pod node-1-1) against Linux's (python3 -m http.server in pn-tap-pb, node-2)
        final String emulated1 = json(api1, "GET", "/api/v1/pods/node-1-1", null).get("ip").asText();
        final Path root = Files.createTempDirectory("pn-tap-www");
        Files.writeString(root.resolve("page.html"), "<p>served by the kernel in pn-tap-pb</p>\n");
        Files.writeString(root.resolve("big.txt"), "x".repeat(1 << 20));
        final Path log = root.resolve("server.log");
        final Process server = new ProcessBuilder("ip", "netns", "exec", "pn-tap-pb", "python3", "-m", "http.server", "8001",
            "--bind", ipB, "--directory", root.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            await("the server listens", () -> inNetns("pn-tap-pb", "ss", "-tln").output().contains(ipB + ":8001"));
            final JsonNode page = json(api2, "POST", "/api/v1/pods/node-1-1/http",
                "{\"url\":\"http://" + ipB + ":8001/page.html\"}");
            assertThat(page.path("status").asInt()).as(page.toString()).isEqualTo(200);
            assertThat(page.get("body").asText()).isEqualTo("<p>served by the kernel in pn-tap-pb</p>\n");
            assertThat(page.get("version").asText()).as("python's http.server answers HTTP/1.0").isEqualTo("HTTP/1.0");
            final JsonNode big = json(api1, "POST", "/api/v1/pods/node-1-1/http", "{\"url\":\"http://" + ipB + ":8001/big.txt\"}");
            assertThat(big.path("status").asInt()).as(big.path("error").asText()).isEqualTo(200);
            assertThat(big.get("body").asText()).hasSize(1 << 20).matches("x+");
            await("the server logged the request", () -> read(log).contains("GET /page.html"));
            assertThat(Files.readString(log).lines().filter(line -> line.contains("GET /page.html")).findFirst().orElseThrow())
                .as("the kernel saw the emulated pod's own IP: no NAT").startsWith(emulated1 + " ");
            assertThat(json(api1, "POST", "/api/v1/pods/node-1-1/http", "{\"url\":\"http://" + ipB + ":8009/\"}")
                .path("error").asText()).as("the kernel answers a closed port with a reset").isEqualTo("connection-refused");
        }
        finally
        {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(6)
    void shouldRemoveTheNamespacesItMadeWhenTheAgentsStop() throws Exception
    {
        for (final Process agent : agents)
        {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        final String left = Shell.run("ip", "netns", "list").output();
        assertThat(left).doesNotContain("pn-tap-pa").doesNotContain("pn-tap-pb");
    }

    @Test
    @Order(7)
    void shouldDeleteTheNamespaceAKilledAgentLeftBehindWhenItStartsAgain() throws Exception
    {
        Shell.run("ip", "netns", "del", "pn-tap-left");
        final int api = LoopbackPorts.freeTcpPort();
        final Process killed = startStatic("pn-tap-crash", api);
        await("the agent answers", () -> status(api, "/healthz") == 200);
        assertThat(json(api, "POST", "/api/v1/pods", "{\"name\":\"pn-tap-left\",\"netns\":true}").has("ip")).isTrue();
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // a killed agent leaves its Aeron directory in /dev/shm (ClusterProcessIT says so too)
        Shell.run("sh", "-c", "rm -rf /dev/shm/podnet-pn-tap-crash-" + killed.pid() + "-*");
        assertThat(Shell.run("ip", "netns", "list").output()).as("SIGKILL: nobody deleted it").contains("pn-tap-left");
        assertThat(Shell.run("ip", "link", "show", "pn-tap-left").exitCode()).as("the TAP device went with the process").isNotZero();

        final int again = LoopbackPorts.freeTcpPort();
        final Process restarted = startStatic("pn-tap-crash", again);
        await("the restarted agent answers", () -> status(again, "/healthz") == 200);
        await("the namespace its previous life made is deleted", () -> !Shell.run("ip", "netns", "list").output().contains("pn-tap-left"));
        restarted.destroy();
        assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    // ------------------------------------------------------------------ helpers

    private void start(final Path jar, final Path logs, final String node, final int clusterPort, final int seed, final int api)
        throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "agent",
            "--node", node,
            "--seeds", "127.0.0.1:" + seed,
            "--cluster-port", Integer.toString(clusterPort),
            "--advertised-host", "127.0.0.1", "--cluster-bind", "127.0.0.1",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(LoopbackPorts.freeUdpPort()),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(api),
            "--state-dir", logs.resolve("real-state-" + node + "-" + ProcessHandle.current().pid()).toString(),
            "--pods", "2")
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve("real-" + node + ".log").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        builder.environment().put("PODNET_CLUSTER_SECRET", "real-pod-process-it-secret-0123");
        agents.add(builder.start());
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /** A node on its own (static mode), restartable under the same name. */
    private Process startStatic(final String node, final int api) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(JAVA,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-jar", jar.toString(), "agent", "--node", node, "--pod-cidr", "10.244.205.0/24",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(LoopbackPorts.freeUdpPort()),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(api))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("real-" + node + ".log").toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        final Process process = builder.start();
        agents.add(process);
        return process;
    }

    private static JsonNode created(final JsonNode pod)
    {
        assertThat(pod.has("ip")).as(pod.toString()).isTrue();
        return pod;
    }

    private static void await(final String what, final BooleanSupplier condition)
    {
        AgentApi.await(condition, CONVERGE, what);
    }

    private static int status(final int port, final String path)
    {
        try
        {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (final IOException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static JsonNode json(final int port, final String method, final String path, final String body)
    {
        try
        {
            final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
            return JSON.readTree(CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).body());
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
