package dev.podnet.agent;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.testing.LocalCluster;
import akka.actor.Address;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.controlplane.ClusterSecret;
import dev.podnet.controlplane.ControlPlane;
import dev.podnet.controlplane.ControlPlaneSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

import static dev.podnet.agent.AgentSettings.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Node agents in cluster mode in one JVM (each with its own ActorSystem, Aeron driver and data plane),
 * driven through their HTTP APIs: what the agent adds to {@code dev.podnet.sync.ClusterNode} (status,
 * readiness, the exit when the cluster removes it). Processes: {@code it/…/ClusterProcessIT}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentClusterTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    private final List<ClusterAgent> agents = new ArrayList<>();
    private final Capture logs = new Capture();
    private ActorSystem<Void> downer;
    private int seedPort;

    @BeforeEach
    void captureLogs()
    {
        logs.start();
        root().addAppender(logs);
        seedPort = LoopbackPorts.freeTcpPort();
    }

    @AfterEach
    void stopAll()
    {
        for (final ClusterAgent agent : agents)
        {
            agent.close();
        }
        if (downer != null)
        {
            CoordinatedShutdown.get(downer).runAll(CoordinatedShutdown.clusterLeavingReason());
            downer.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
        }
        root().detachAppender(logs);
    }

    @Test
    void shouldServeItsLeaseAndLeaveRoutesAndEndpointsToTheControlPlane() throws Exception
    {
        final ClusterAgent a = startAgent("a", seedPort, Map.of(), status -> fail("exit " + status));

        final JsonNode node = get(a, "/api/v1/node").json();
        assertThat(node.get("name").asText()).isEqualTo("a");
        assertThat(node.get("mode").asText()).isEqualTo("cluster");
        assertThat(node.get("cidr").asText()).as("the first /24 of the cluster CIDR").isEqualTo("10.244.0.0/24");
        assertThat(node.get("ready").asBoolean()).isTrue();
        assertThat(node.get("reason").isNull()).isTrue();
        assertThat(get(a, "/readyz").body()).isEqualTo("ok");
        assertThat(get(a, "/api/v1/pods").json().get(0).get("ip").asText()).isEqualTo("10.244.0.2");

        final Reply putRoute = send(a, "PUT", "/api/v1/routes", "{\"node\":\"x\",\"cidr\":\"10.244.9.0/24\",\"host\":\"h\",\"port\":1}");
        assertThat(putRoute.status()).isEqualTo(409);
        assertThat(putRoute.json().get("error").asText()).isEqualTo("conflict");
        assertThat(putRoute.json().get("detail").asText()).isEqualTo("routes and endpoints are managed by the control plane");
        assertThat(send(a, "DELETE", "/api/v1/routes?cidr=10.244.9.0/24", null).status()).isEqualTo(409);
        assertThat(send(a, "PUT", "/api/v1/endpoints", "{}").status()).isEqualTo(409);
        assertThat(send(a, "DELETE", "/api/v1/endpoints/10.244.0.2", null).status()).isEqualTo(409);
        assertThat(get(a, "/api/v1/endpoints").json()).as("untouched").hasSize(1);

        a.close();
        assertThat(a.exitStatus()).isZero();
        assertThat(CompletableFuture.runAsync(() -> awaitClose(a))).succeedsWithin(Duration.ofSeconds(5));
        assertThat(status(a.settings().apiPort(), "/healthz")).isEqualTo(-1);
    }

    @Test
    void shouldStayNotReadyAndSayWhyWhenItsLeaseIsRefused() throws Exception
    {
        startAgent("a", seedPort, Map.of(), status -> fail("exit " + status));
        final ClusterAgent b = agent("b", LoopbackPorts.freeTcpPort(), Map.of(Setting.CLUSTER_CIDR, "10.245.0.0/16"),
            status -> fail("exit " + status), Duration.ofSeconds(12));
        final CompletableFuture<Void> starting = CompletableFuture.runAsync(b::start);
        final int bApi = b.settings().apiPort();

        awaitCondition(() -> status(bApi, "/readyz") == 503, Duration.ofSeconds(10), "b's API answers /readyz with 503");
        final JsonNode notReady = send(bApi, "GET", "/readyz", null).json();
        assertThat(notReady.get("error").asText()).isEqualTo("not-ready");
        assertThat(notReady.get("detail").asText()).startsWith("node b is not ready: waiting for a CIDR lease");
        final JsonNode node = send(bApi, "GET", "/api/v1/node", null).json();
        assertThat(node.get("ready").asBoolean()).isFalse();
        assertThat(node.get("cidr").isNull()).isTrue();
        assertThat(send(bApi, "GET", "/api/v1/pods", null).status()).as("no data plane yet").isEqualTo(503);
        assertThat(send(bApi, "GET", "/healthz", null).body()).as("alive all the same").isEqualTo("ok");

        final String reason = "node b is configured with cluster CIDR 10.245.0.0/16 and /24 leases, but the cluster uses " +
            "10.244.0.0/16 and /24";
        awaitCondition(() -> logs.lines.stream().anyMatch(line -> line.contains("node b is NotReady: " + reason)),
            Duration.ofSeconds(15), "b logs why it is not ready");

        assertThat(starting).failsWithin(Duration.ofSeconds(30))
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOf(IllegalStateException.class)
            .withMessageContaining("node b got no CIDR lease within")
            .withMessageContaining(reason);
        assertThat(status(bApi, "/healthz")).as("a start that failed closes the API").isEqualTo(-1);
    }

    @Test
    void shouldRefuseASecondAgentWithTheNameOfALiveNodeAndGiveUpAfterABoundedWait() throws Exception
    {
        final ClusterAgent a = startAgent("a", seedPort, Map.of(), status -> fail("exit " + status));
        final ClusterAgent b = startAgent("b", LoopbackPorts.freeTcpPort(), Map.of(), status -> fail("exit " + status));
        final String leaseB = b.status().cidr();
        final String routeToB = "\"port\":" + b.settings().tunnelPort();
        awaitCondition(() -> routes(a).contains(leaseB) && routes(a).contains(routeToB), CONVERGE, "a routes to b");

        final ClusterAgent second = agent("b", LoopbackPorts.freeTcpPort(), Map.of(), status -> fail("exit " + status), CONVERGE);
        final CompletableFuture<Void> starting = CompletableFuture.runAsync(second::start);
        final int api = second.settings().apiPort();
        final String reason = "name-in-use: node name b is held by the live member at 127.0.0.1:" +
            b.settings().cluster().clusterPort() + " (Up), which has lease " + leaseB + "; stop that agent or give this one another name";

        awaitCondition(() -> status(api, "/readyz") == 503 && readyDetail(api).equals("node b is not ready: " + reason), CONVERGE,
            "the second b says the name is in use, and by whom");
        final JsonNode node = send(api, "GET", "/api/v1/node", null).json();
        assertThat(node.get("ready").asBoolean()).isFalse();
        assertThat(node.get("reason").asText()).isEqualTo(reason);
        assertThat(routes(a)).as("a's route to b is untouched").contains(leaseB).contains(routeToB);

        assertThat(starting).failsWithin(Duration.ofSeconds(45))
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOf(IllegalStateException.class)
            .withMessage("node b gave up after 15 s: " + reason);
        assertThat(status(api, "/healthz")).as("gave up: its API is closed").isEqualTo(-1);
        assertThat(routes(a)).as("a's route to b is still b's").contains(leaseB).contains(routeToB);
        assertThat(get(a, "/api/v1/nodes/b").json().get("status").asText()).isEqualTo("Ready");
    }

    @Test
    void shouldExitWithStatus3WhenTheClusterDownsIt() throws Exception
    {
        final ClusterAgent a = startAgent("a", seedPort, Map.of(), status -> fail("exit " + status));
        final CompletableFuture<Integer> exited = new CompletableFuture<>();
        final ClusterAgent b = startAgent("b", LoopbackPorts.freeTcpPort(), Map.of(), exited::complete);
        final String leaseB = b.status().cidr();
        awaitCondition(() -> routes(a).contains(leaseB), CONVERGE, "a routes to b");

        downer = joinedSystem("downer");
        Cluster.get(downer).manager().tell(new Down(new Address("akka", ControlPlane.SYSTEM_NAME, "127.0.0.1",
            b.settings().cluster().clusterPort())));

        assertThat(exited).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(ClusterAgent.EXIT_REMOVED);
        assertThat(b.exitStatus()).isEqualTo(ClusterAgent.EXIT_REMOVED);
        assertThat(logs.lines).anyMatch(line -> line.startsWith("ERROR node b was removed from the cluster (status ") &&
            line.endsWith("): exiting so the supervisor restarts it"));
        assertThat(status(b.settings().apiPort(), "/healthz")).as("b closed its API before exiting").isEqualTo(-1);
        awaitCondition(() -> !routes(a).contains(leaseB), CONVERGE, "a withdraws the route to b");
        assertThat(get(a, "/readyz").body()).isEqualTo("ok");
    }

    // ------------------------------------------------------------------ helpers

    private ClusterAgent startAgent(final String name, final int clusterPort, final Map<Setting, String> extra, final IntConsumer exit)
    {
        final ClusterAgent agent = agent(name, clusterPort, extra, exit, CONVERGE);
        agent.start();
        return agent;
    }

    private ClusterAgent agent(
        final String name, final int clusterPort, final Map<Setting, String> extra, final IntConsumer exit, final Duration leaseTimeout)
    {
        final Map<Setting, String> flags = LocalCluster.flags(name, seedPort, clusterPort);
        flags.put(Setting.PODS, "1");
        flags.putAll(extra);
        final ClusterAgent agent = new ClusterAgent(
            AgentSettings.resolve(flags, Map.of(AgentSettings.CLUSTER_SECRET_ENV, LocalCluster.SECRET), () -> "unused"),
            exit, leaseTimeout, ClusterAgent.Hosting.PACKED);
        agents.add(agent);
        return agent;
    }

    /** A bare member of the cluster, to down another member as an operator (or the other side of a partition) would. */
    private ActorSystem<Void> joinedSystem(final String name)
    {
        final ControlPlaneSettings settings = ControlPlaneSettings.of(name, "127.0.0.1", LoopbackPorts.freeTcpPort(),
                List.of("127.0.0.1:" + seedPort), 1)
            .withFailureDetection(Duration.ofMillis(200), Duration.ofMillis(1000), Duration.ofMillis(1500))
            .withClusterSecret(ClusterSecret.of(LocalCluster.SECRET));
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), ControlPlane.SYSTEM_NAME,
            settings.actorSystemSetup(settings.akkaConfig()));
        awaitCondition(() -> Cluster.get(system).selfMember().status() == MemberStatus.up(), CONVERGE, name + " is Up");
        return system;
    }

    private static void awaitClose(final ClusterAgent agent)
    {
        try
        {
            agent.awaitClose();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static String routes(final ClusterAgent agent)
    {
        try
        {
            return get(agent, "/api/v1/routes").body();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String readyDetail(final int port)
    {
        try
        {
            return send(port, "GET", "/readyz", null).json().get("detail").asText();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "";
        }
    }

    private static Logger root()
    {
        return (Logger)LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** Every log line, as {@code LEVEL message}; appended from any thread. */
    private static final class Capture extends AppenderBase<ILoggingEvent>
    {
        final Queue<String> lines = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(final ILoggingEvent event)
        {
            lines.add(event.getLevel() + " " + event.getFormattedMessage());
        }
    }

    private record Reply(int status, String body)
    {
        JsonNode json() throws IOException
        {
            return JSON.readTree(body);
        }
    }

    private static Reply get(final ClusterAgent agent, final String path) throws IOException
    {
        return send(agent, "GET", path, null);
    }

    private static Reply send(final ClusterAgent agent, final String method, final String path, final String body)
        throws IOException
    {
        return send(agent.apiPort(), method, path, body);
    }

    /** The status of {@code GET path}, or -1 when nothing answers. */
    private static int status(final int port, final String path)
    {
        try
        {
            return send(port, "GET", path, null).status();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static Reply send(final int port, final String method, final String path, final String body) throws IOException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    private static void awaitCondition(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("not within " + limit + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }


}
