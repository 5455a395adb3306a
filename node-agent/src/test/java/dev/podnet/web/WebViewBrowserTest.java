package dev.podnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.podnet.agent.ClusterAgent;
import dev.podnet.http.ApiServer;
import dev.podnet.http.NodeStatus;
import dev.podnet.testing.Http;
import dev.podnet.testing.Http.Reply;
import dev.podnet.testing.LocalCluster;
import dev.podnet.web.HeadlessChromium.Element;
import dev.podnet.web.HeadlessChromium.WebDriverException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The web view in headless Chromium against a real three-node cluster in this JVM (ClusterAgents with
 * their own actor systems, Aeron drivers and data planes; two pods each): the browser loads
 * {@code GET /} from node-1 and the test reads what the page shows through WebDriver
 * ({@link HeadlessChromium}), comparing it with what the API answers. The tests run in order: the
 * later ones stop agents.
 * <p>
 * Needs {@code chromium} and {@code chromedriver}: without them the test is skipped, or fails when the
 * {@code CI} variable is set (CI installs them). Screenshots of each stage go to
 * {@code target/web-view/}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(WebViewBrowserTest.NeedsChromium.class)
class WebViewBrowserTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(40);
    /** The page polls about once a second: what the API shows is on the page within a few polls. */
    private static final Duration PAGE = Duration.ofSeconds(15);
    private static final Path OUT = Path.of("target", "web-view");
    private static final List<String> NODES = List.of("node-1", "node-2", "node-3");

    private static LocalCluster cluster;
    private static HeadlessChromium browser;
    private static ClusterAgent pageAgent;

    @BeforeAll
    static void startClusterAndBrowser()
    {
        final HeadlessChromium.Binaries binaries = requireChromium();
        cluster = LocalCluster.start(3, 2);
        pageAgent = cluster.agent(1);
        await(CONVERGE, "node-1 sees three Ready nodes, six pods and routes between all of them", () ->
        {
            long ready = 0;
            for (final JsonNode node : array(api("GET", "/api/v1/nodes")))
            {
                ready += node.path("status").asText().equals("Ready") ? 1 : 0;
            }
            final int pods = array(api("GET", "/api/v1/pods")).size();
            int routes = 0;
            for (final String name : NODES)
            {
                routes += array(api("GET", "/api/v1/nodes/" + name + "/routes")).size();
            }
            return ready == 3 && pods == 6 && routes == 6 ? null : ready + " Ready, " + pods + " pods, " + routes + " routes";
        });
        final JsonNode check = api("POST", "/api/v1/check", "{}").json();
        assertThat(check.path("ok").asInt()).as("the check before the page: %s", check).isEqualTo(30);

        browser = HeadlessChromium.start(binaries, OUT.resolve("chromedriver.log"), 1400, 1200);
        browser.navigate("http://127.0.0.1:" + pageAgent.settings().apiPort() + "/");
    }

    @AfterAll
    static void stopBrowserAndCluster()
    {
        if (browser != null)
        {
            browser.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shouldShowEveryNodeReadyWithItsCidrAndGateway()
    {
        for (final JsonNode node : api("GET", "/api/v1/nodes").json())
        {
            final String name = node.get("name").asText();
            final String card = "[data-node=\"" + name + "\"]";
            awaitPage(name + " Ready with CIDR " + node.get("cidr").asText(), () -> mismatch(
                "status", "Ready", attribute(card, "data-status"),
                "CIDR", node.get("cidr").asText(), text(card + " [data-field=cidr]"),
                "gateway", node.get("gateway").asText(), text(card + " [data-field=gateway]"),
                "badge", "Ready", text(card + " .status")));
        }
        assertThat(browser.findAll(".node[data-node]")).hasSize(3);
    }

    @Test
    @Order(2)
    void shouldShowEveryPodWithItsIpAndMacUnderItsNode()
    {
        final JsonNode pods = api("GET", "/api/v1/pods").json();
        assertThat(pods).hasSize(6);
        for (final JsonNode pod : pods)
        {
            final String row = "[data-node=\"" + pod.get("node").asText() + "\"] [data-pod=\"" + pod.get("name").asText() + "\"]";
            awaitPage(pod.get("name").asText() + " with its IP and MAC", () -> mismatch(
                "name", pod.get("name").asText(), text(row + " [data-field=name]"),
                "IP", pod.get("ip").asText(), text(row + " [data-field=ip]"),
                "MAC", pod.get("mac").asText(), text(row + " [data-field=mac]")));
        }
        browser.screenshot(OUT.resolve("1-cluster.png"));
    }

    @Test
    @Order(3)
    void shouldShowATunnelBetweenEveryTwoNodesWithFrameCounters()
    {
        for (final String from : NODES)
        {
            for (final String to : NODES)
            {
                if (from.equals(to))
                {
                    continue;
                }
                final String row = "[data-tunnel=\"" + from + "->" + to + "\"]";
                // the check sent frames every way: both counters of every tunnel have moved
                awaitPage("tunnel " + from + " -> " + to + " with frames out and in", () ->
                {
                    final String out = text(row + " [data-field=framesOut]");
                    final String in = text(row + " [data-field=framesIn]");
                    return out != null && in != null && Long.parseLong(out) > 0 && Long.parseLong(in) > 0 ? null :
                        "frames out " + out + ", in " + in;
                });
            }
        }
        assertThat(browser.findAll("[data-tunnel]")).hasSize(6);
    }

    @Test
    @Order(4)
    void shouldShowTheLastCheckAsAMatrixOfOks()
    {
        final JsonNode check = api("GET", "/api/v1/check").json();
        awaitPage("the matrix of the last check", () -> matrixMismatch(check));
        assertThat(text("#check-summary")).contains("30 of 30 pairs ok").contains("ran at ");
    }

    @Test
    @Order(5)
    void shouldRunACheckWhenTheButtonIsPressed()
    {
        final String before = api("GET", "/api/v1/check").json().get("startedAt").asText();

        browser.click(browser.find("#run-check").orElseThrow());

        await(Duration.ofSeconds(60), "a new check on node-1", () ->
        {
            final String now = api("GET", "/api/v1/check").json().get("startedAt").asText();
            return now.equals(before) ? "still the check of " + before : null;
        });
        final JsonNode check = api("GET", "/api/v1/check").json();
        awaitPage("the matrix of the new check", () -> matrixMismatch(check));
        browser.screenshot(OUT.resolve("2-check.png"));
    }

    @Test
    @Order(6)
    void shouldDrawTheTopologyWithEveryNodeItsPodsAndTheTunnelsWithTheirFrameRates()
    {
        awaitPage("three nodes, six pods and three tunnels in the picture", () -> mismatch(
            "nodes", "3", String.valueOf(browser.findAll("[data-topo-node]").size()),
            "pods", "6", String.valueOf(browser.findAll("[data-topo-pod]").size()),
            "tunnels", "3", String.valueOf(browser.findAll("line[data-pair]").size()),
            "directions", "6", String.valueOf(browser.findAll("g[data-link]").size())));
        for (final String node : NODES)
        {
            assertThat(attribute("[data-topo-node=\"" + node + "\"]", "data-status")).isEqualTo("Ready");
        }
        // traffic from a1 to b1 for a while: the picture shows frames per second on node-1 -> node-2
        final java.util.concurrent.CompletableFuture<Reply> pings = java.util.concurrent.CompletableFuture.supplyAsync(() ->
            api("POST", "/api/v1/pods/a1/ping", "{\"target\": \"b1\", \"count\": 150, \"intervalMs\": 20}"));
        awaitPage("a frame rate on node-1 -> node-2", () ->
        {
            final String rate = attribute("g[data-link=\"node-1->node-2\"]", "data-rate");
            return rate != null && !rate.isEmpty() && Double.parseDouble(rate) >= 10 ? null : "rate " + rate;
        });
        assertThat(text("g[data-link=\"node-1->node-2\"] .rate")).matches("node-1 → node-2: [0-9.]+ f/s");
        pings.join();
        browser.screenshot(OUT.resolve("6-topology.png"));
    }

    @Test
    @Order(7)
    void shouldShowAnImpairmentOnItsTunnelAndDrawATraceHopByHop()
    {
        assertThat(api("PUT", "/api/v1/links/node-1/node-2", "{\"delay\": \"20ms\", \"loss\": \"1%\"}").status()).isEqualTo(200);
        awaitPage("the impairment on node-1 -> node-2", () -> mismatch(
            "label", "delay 20ms loss 1%", attribute("g[data-link=\"node-1->node-2\"]", "data-impairment"),
            "text", "delay 20ms loss 1%", text("g[data-link=\"node-1->node-2\"] .impairment"),
            "line", "true", attribute("line[data-pair=\"node-1|node-2\"]", "data-impaired"),
            "reverse", "none", attribute("g[data-link=\"node-2->node-1\"]", "data-impairment")));

        browser.script("document.getElementById('trace-from').value = 'a2'; document.getElementById('trace-to').value = 'b2';");
        browser.click(browser.find("#run-trace").orElseThrow());

        awaitPage("the trace of a2 -> b2 drawn", () -> mismatch(
            "verdict", "true", attribute("#trace-verdict", "data-delivered")));
        final List<Element> rows = browser.findAll("tr[data-trace-hop]");
        final List<Element> points = browser.findAll("[data-trace-point]");
        assertThat(rows).hasSizeGreaterThanOrEqualTo(18);
        assertThat(points).hasSameSizeAs(rows);
        assertThat(browser.find("#trace-path")).isPresent();
        assertThat(attribute("tr[data-trace-hop=\"1\"]", "data-hop-component")).isEqualTo("pod a2");
        assertThat(attribute("[data-trace-point=\"1\"]", "data-hop-node")).isEqualTo("node-1");
        assertThat(browser.findAll("tr[data-hop-component=\"link\"][data-hop-action=\"delayed\"]")).hasSize(1);
        assertThat(attribute("tr[data-trace-hop=\"" + rows.size() + "\"]", "data-hop-component")).isEqualTo("pod a2");
        assertThat(text("#trace-verdict")).endsWith("delivered to b2; the answer came back to a2");
        browser.screenshot(OUT.resolve("7-trace.png"));
        assertThat(api("DELETE", "/api/v1/links/node-1/node-2").status()).isEqualTo(204);
    }

    @Test
    @Order(8)
    void shouldShowWhatTheApiSaysOfANodeThatStopped()
    {
        final ClusterAgent three = cluster.agent(3);
        three.close();

        // a node that leaves is Unreachable or NotReady for a while, then gone: the page follows the API
        awaitPage("node-3 not Ready (or gone), as the API says", () ->
        {
            final String api = apiStatus("node-3");
            final String page = attribute("[data-node=\"node-3\"]", "data-status");
            return !"Ready".equals(api) && Objects.equals(api, page) ? null : "API says " + api + ", page says " + page;
        });
        awaitPage("node-1 and node-2 still Ready", () -> mismatch(
            "node-1", "Ready", attribute("[data-node=\"node-1\"]", "data-status"),
            "node-2", "Ready", attribute("[data-node=\"node-2\"]", "data-status")));
        browser.screenshot(OUT.resolve("3-node-stopped.png"));
    }

    @Test
    @Order(9)
    void shouldShowABannerWhenItsAgentGoesAway()
    {
        assertThat(attribute("#banner", "data-state")).isEqualTo("none");

        pageAgent.close();

        awaitPage("the banner says the agent cannot be reached", () -> mismatch(
            "banner", "unreachable", attribute("#banner", "data-state")));
        assertThat(text("#banner")).startsWith("Cannot reach the podnet agent at 127.0.0.1:" + pageAgent.settings().apiPort());
        assertThat(browser.find("[data-node=\"node-1\"]")).as("what it showed last stays, greyed").isPresent();
        browser.screenshot(OUT.resolve("4-agent-gone.png"));
    }

    @Test
    @Order(10)
    void shouldShowANodeThatIsNotReadyAndWhyAsTextNotMarkup()
    {
        final String reason = "waiting for a CIDR lease <img src=x onerror=\"document.title='pwned'\"> & <b>soon</b>";
        try (ApiServer waiting = ApiServer.startNotReady("127.0.0.1", 0, "node-9",
            () -> NodeStatus.notReady("node-9", NodeStatus.CLUSTER, null, reason)))
        {
            browser.navigate("http://127.0.0.1:" + waiting.port() + "/");

            awaitPage("node-9 NotReady, with its reason", () -> mismatch(
                "banner", "not-ready", attribute("#banner", "data-state"),
                "status", "NotReady", attribute("[data-node=\"node-9\"]", "data-status"),
                "reason", reason, text("[data-node=\"node-9\"] [data-field=reason]")));
            assertThat(text("#banner")).isEqualTo("This agent (node-9) is not ready: " + reason);
            assertThat(browser.findAll("#banner *, #nodes img, #nodes b")).as("the reason stays text").isEmpty();
            assertThat(browser.script("return document.title").asText()).isEqualTo("podnet: node-9");
            browser.screenshot(OUT.resolve("5-not-ready.png"));
        }
    }

    // ------------------------------------------------------------------ the page

    /** null when every cell of the page's matrix matches the check, else what differs. */
    private static String matrixMismatch(final JsonNode check)
    {
        final String startedAt = check.get("startedAt").asText();
        final String shown = attribute("#matrix table", "data-started-at");
        if (!startedAt.equals(shown))
        {
            return "matrix of " + shown + ", not " + startedAt;
        }
        final List<Element> cells = browser.findAll("#matrix td[data-ok]");
        if (cells.size() != check.get("pairs").asInt())
        {
            return cells.size() + " cells for " + check.get("pairs").asInt() + " pairs";
        }
        for (final JsonNode pair : check.get("matrix"))
        {
            final String cell = "#matrix td[data-from=\"" + pair.get("from").asText() + "\"][data-to=\"" +
                pair.get("to").asText() + "\"]";
            final String differs = mismatch("ok", "true", attribute(cell, "data-ok"), "text", "ok", text(cell));
            if (differs != null)
            {
                return pair.get("from").asText() + " -> " + pair.get("to").asText() + ": " + differs;
            }
        }
        return mismatch("summary", "true", attribute("#check-summary", "data-ok"));
    }

    /** The rendered text of the first element that matches, or null when none does. */
    private static String text(final String css)
    {
        final Optional<Element> element = browser.find(css);
        return element.map(browser::text).orElse(null);
    }

    private static String attribute(final String css, final String name)
    {
        final Optional<Element> element = browser.find(css);
        return element.map(e -> browser.attribute(e, name)).orElse(null);
    }

    /** Pairs of (what, expected, actual): null when all match, else the first that does not. */
    private static String mismatch(final String... whatExpectedActual)
    {
        for (int i = 0; i < whatExpectedActual.length; i += 3)
        {
            if (!whatExpectedActual[i + 1].equals(whatExpectedActual[i + 2]))
            {
                return whatExpectedActual[i] + " is " + whatExpectedActual[i + 2] + ", expected " + whatExpectedActual[i + 1];
            }
        }
        return null;
    }

    /**
     * Waits until {@code mismatch} answers null, reading the page again and again; a page redrawn between
     * finding an element and reading it (a stale element) is read again.
     */
    private static void awaitPage(final String what, final Supplier<String> mismatch)
    {
        await(PAGE, what, () ->
        {
            try
            {
                return mismatch.get();
            }
            catch (final WebDriverException ex)
            {
                if (ex.error().equals("stale element reference") || ex.error().equals("no such element"))
                {
                    return ex.getMessage();
                }
                throw ex;
            }
        });
    }

    private static void await(final Duration limit, final String what, final Supplier<String> mismatch)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        String last = mismatch.get();
        while (last != null)
        {
            if (System.nanoTime() > deadline)
            {
                if (browser != null)
                {
                    browser.screenshot(OUT.resolve("failed.png"));
                }
                fail("not within " + limit + ": " + what + " (last: " + last + "; screenshot in " + OUT.resolve("failed.png") + ")");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            last = mismatch.get();
        }
    }

    // ------------------------------------------------------------------ the cluster

    /** Chromium and chromedriver; failing, under CI, when either is missing (without CI {@link NeedsChromium} skips). */
    private static HeadlessChromium.Binaries requireChromium()
    {
        return HeadlessChromium.find().orElseGet(() -> fail(HeadlessChromium.MISSING));
    }

    /** Skips the class, saying what to install, when Chromium is missing and the {@code CI} variable is not set. */
    static final class NeedsChromium implements ExecutionCondition
    {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(final ExtensionContext context)
        {
            if (System.getenv("CI") != null || HeadlessChromium.find().isPresent())
            {
                return ConditionEvaluationResult.enabled("Chromium found, or CI (which fails without it)");
            }
            return ConditionEvaluationResult.disabled(HeadlessChromium.MISSING);
        }
    }

    /** A node's status as node-1's API has it; null when it is not listed. */
    private static String apiStatus(final String name)
    {
        for (final JsonNode node : api("GET", "/api/v1/nodes").json())
        {
            if (node.get("name").asText().equals(name))
            {
                return node.get("status").asText();
            }
        }
        return null;
    }

    /** {@code method path} on node-1's API. */
    private static Reply api(final String method, final String path)
    {
        return api(method, path, null);
    }

    private static Reply api(final String method, final String path, final String body)
    {
        return Http.send(method, "http://127.0.0.1:" + pageAgent.settings().apiPort() + path, body);
    }

    /** The answer's JSON array; an empty one for an error (not converged yet). */
    private static JsonNode array(final Reply reply)
    {
        return reply.status() == 200 ? reply.json() : JsonNodeFactory.instance.arrayNode();
    }
}
