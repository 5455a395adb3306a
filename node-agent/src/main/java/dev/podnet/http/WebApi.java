package dev.podnet.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web view: {@code GET /} answers a page that polls this agent's API about once a second and
 * draws the cluster (nodes, their pods, the tunnels with frame counters, the last connectivity
 * check). Its script and style sheet are {@code GET /ui/{asset}}; all three live on the classpath
 * under {@code dev/podnet/web/} and are read once, when the API starts. The page is plain HTML, CSS
 * and JavaScript with no build step and nothing fetched from elsewhere, so it works offline.
 * <p>
 * Only the assets named in {@link #ASSETS} are served (no path is ever mapped to a resource name);
 * any other {@code /ui/...} is the API's JSON 404. Like every API answer they carry {@code Cache-Control:
 * no-cache}, so a browser picks up a new agent's page after an upgrade. The page is registered in the not-ready
 * phase too: it shows a node that waits for its lease, and why.
 */
final class WebApi
{
    private static final String RESOURCES = "/dev/podnet/web/";
    private static final String INDEX = "index.html";
    /** Asset name to content type: the whole set the page is made of. */
    private static final Map<String, String> ASSETS = Map.of(
        INDEX, "text/html; charset=utf-8",
        "app.js", "text/javascript; charset=utf-8",
        "style.css", "text/css; charset=utf-8");
    private static final Map<String, ApiResponse> FILES = load();

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/", request -> FILES.get(INDEX))
            .add("GET", "/ui/{asset}", this::asset);
    }

    private ApiResponse asset(final ApiRequest request)
    {
        final String name = request.param("asset");
        final ApiResponse file = INDEX.equals(name) ? null : FILES.get(name);
        if (file == null)
        {
            throw ApiException.notFound("no such web view asset: /ui/" + name);
        }
        return file;
    }

    private static Map<String, ApiResponse> load()
    {
        final Map<String, ApiResponse> files = new HashMap<>();
        ASSETS.forEach((name, contentType) -> files.put(name, ApiResponse.bytes(200, contentType, read(name))));
        return Map.copyOf(files);
    }

    private static byte[] read(final String name)
    {
        try (InputStream in = WebApi.class.getResourceAsStream(RESOURCES + name))
        {
            if (in == null)
            {
                throw new IllegalStateException("web view asset missing from the classpath: " + RESOURCES + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read web view asset " + RESOURCES + name, ex);
        }
    }
}
