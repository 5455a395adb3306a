package dev.podnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.http.ApiServer;
import dev.podnet.http.NodeStatus;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code GET /} and {@code GET /ui/{asset}} answer, over real HTTP from a real {@link ApiServer}:
 * a ready node's (static mode, with a data plane) and one that still waits for its lease.
 * The page's behaviour in a browser: {@link WebViewBrowserTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebApiTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Node node;
    private static ApiServer api;
    private static ApiServer notReady;

    @BeforeAll
    static void startServers()
    {
        node = Node.start(NodeConfig.defaults("node-1", Ipv4Cidr.parse("10.244.1.0/24")));
        api = ApiServer.start("127.0.0.1", 0, node.proxy(), "node-1");
        notReady = ApiServer.startNotReady("127.0.0.1", 0, "node-2",
            () -> NodeStatus.notReady("node-2", NodeStatus.CLUSTER, null, "waiting for a CIDR lease"));
    }

    @AfterAll
    static void stopServers()
    {
        if (notReady != null)
        {
            notReady.close();
        }
        if (api != null)
        {
            api.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    @Test
    void shouldServeThePageAtTheRoot() throws Exception
    {
        final HttpResponse<String> page = get(api, "/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(header(page, "Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(header(page, "Cache-Control")).isEqualTo("no-cache");
        assertThat(page.body()).startsWith("<!DOCTYPE html>")
            .contains("<script src=\"/ui/app.js\"></script>")
            .contains("href=\"/ui/style.css\"")
            .as("nothing loaded from elsewhere").doesNotContain("http://", "https://", "//cdn");
    }

    @ParameterizedTest
    @CsvSource({
        "/ui/app.js,    text/javascript; charset=utf-8, use strict",
        "/ui/style.css, text/css; charset=utf-8,        --ready",
    })
    void shouldServeTheAssetsWithTheirContentType(final String path, final String contentType, final String content)
        throws Exception
    {
        final HttpResponse<String> asset = get(api, path);

        assertThat(asset.statusCode()).isEqualTo(200);
        assertThat(header(asset, "Content-Type")).isEqualTo(contentType);
        assertThat(header(asset, "Cache-Control")).isEqualTo("no-cache");
        assertThat(asset.body()).contains(content);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui/nope.js", "/ui/index.html", "/ui/..%2Fapp.js", "/ui/%2E%2E", "/ui/app.js/x", "/index.html"})
    void shouldAnswerTheApisJson404ForAnUnknownAsset(final String path) throws Exception
    {
        final HttpResponse<String> reply = get(api, path);

        assertThat(reply.statusCode()).as("status of %s", reply.body()).isEqualTo(404);
        assertThat(header(reply, "Content-Type")).isEqualTo("application/json");
        final JsonNode json = JSON.readTree(reply.body());
        assertThat(json.get("error").asText()).isEqualTo("not-found");
        assertThat(json.get("detail").asText()).isNotBlank();
    }

    @Test
    void shouldAnswer405ForAnotherMethodOnThePage() throws Exception
    {
        final HttpResponse<String> reply = CLIENT.send(HttpRequest.newBuilder(uri(api, "/"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(reply.statusCode()).isEqualTo(405);
        assertThat(header(reply, "Allow")).isEqualTo("GET");
    }

    @Test
    void shouldServeThePageWhileTheNodeIsNotReady() throws Exception
    {
        assertThat(get(notReady, "/").statusCode()).isEqualTo(200);
        assertThat(get(notReady, "/ui/app.js").statusCode()).isEqualTo(200);
        assertThat(get(notReady, "/ui/style.css").statusCode()).isEqualTo(200);
        assertThat(get(notReady, "/ui/nope.js").statusCode()).as("unknown assets stay 404, not 503").isEqualTo(404);
        assertThat(get(notReady, "/api/v1/pods").statusCode()).as("the rest waits for the lease").isEqualTo(503);
    }

    private static HttpResponse<String> get(final ApiServer server, final String path) throws Exception
    {
        return CLIENT.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(final ApiServer server, final String path)
    {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static String header(final HttpResponse<String> response, final String name)
    {
        return response.headers().firstValue(name).orElse(null);
    }
}
