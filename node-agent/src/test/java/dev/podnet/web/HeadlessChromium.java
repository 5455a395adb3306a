package dev.podnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.diag.LoopbackPorts;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through Debian's {@code chromedriver} with the W3C WebDriver protocol over
 * plain HTTP ({@link HttpClient} and Jackson; no Selenium): {@link #start} runs {@code chromedriver
 * --port=N} as a child process and opens one session, {@link #close} ends the session and kills
 * chromedriver with everything it started.
 * <p>
 * Only what the web view's tests need: navigate, find elements by CSS, read their text and attributes,
 * click, run a script, take a screenshot. Errors the driver answers (no such element, a stale element
 * after the page redrew, …) are {@link WebDriverException}s that carry the W3C error code.
 */
final class HeadlessChromium implements AutoCloseable
{
    /** The key under which W3C WebDriver returns an element reference. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Duration DRIVER_START = Duration.ofSeconds(20);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MISSING = "headless Chromium and chromedriver are needed for the web view test: " +
        "install chromium chromium-driver (Debian packages; .ci/run does)";

    /** An element of the page, as the driver names it. */
    record Element(String id)
    {
    }

    /** What the driver refused, with its W3C error code ({@code no such element}, {@code stale element reference}, …). */
    static final class WebDriverException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final String error;

        WebDriverException(final String error, final String message)
        {
            super(error + ": " + message);
            this.error = error;
        }

        String error()
        {
            return error;
        }
    }

    /** Where the two programs are. */
    record Binaries(Path chromium, Path chromedriver)
    {
    }

    private final Process driver;
    private final String base;
    private final HttpClient client;
    private String session;

    private HeadlessChromium(final Process driver, final String base, final HttpClient client)
    {
        this.driver = driver;
        this.base = base;
        this.client = client;
    }

    /**
     * Chromium and chromedriver: {@code CHROME_BIN} and {@code CHROMEDRIVER} when set, else the first
     * {@code chromium}, {@code chromium-browser}, {@code google-chrome} and {@code chromedriver} on the
     * {@code PATH}; empty when either is missing.
     */
    static Optional<Binaries> find()
    {
        final Optional<Path> chromium = program("CHROME_BIN", "chromium", "chromium-browser", "google-chrome");
        final Optional<Path> chromedriver = program("CHROMEDRIVER", "chromedriver");
        if (chromium.isEmpty() || chromedriver.isEmpty())
        {
            return Optional.empty();
        }
        return Optional.of(new Binaries(chromium.get(), chromedriver.get()));
    }

    private static Optional<Path> program(final String variable, final String... names)
    {
        final String given = System.getenv(variable);
        if (given != null && !given.isBlank())
        {
            final Path path = Path.of(given);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        final String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (final String name : names)
        {
            for (final String dir : path.split(File.pathSeparator))
            {
                final Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate))
                {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Starts chromedriver on a free loopback port (its output goes to {@code log}) and opens a session
     * with headless Chromium in a {@code width}×{@code height} window.
     */
    static HeadlessChromium start(final Binaries binaries, final Path log, final int width, final int height)
    {
        final int port = LoopbackPorts.freeTcpPort();
        final Process process;
        try
        {
            Files.createDirectories(log.toAbsolutePath().getParent());
            process = new ProcessBuilder(binaries.chromedriver().toString(), "--port=" + port)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + binaries.chromedriver() + ": " + ex.getMessage(), ex);
        }
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HeadlessChromium chromium = new HeadlessChromium(process, "http://127.0.0.1:" + port, client);
        try
        {
            chromium.awaitDriver(log);
            chromium.openSession(binaries.chromium(), width, height);
            return chromium;
        }
        catch (final RuntimeException ex)
        {
            chromium.close();
            throw ex;
        }
    }

    private void awaitDriver(final Path log)
    {
        final long deadline = System.nanoTime() + DRIVER_START.toNanos();
        while (true)
        {
            if (!driver.isAlive())
            {
                throw new IllegalStateException("chromedriver exited with " + driver.exitValue() + " at start: " + tail(log));
            }
            try
            {
                final JsonNode status = send("GET", "/status", null);
                if (status.path("ready").asBoolean(false))
                {
                    return;
                }
            }
            catch (final UncheckedIOException | WebDriverException ex)
            {
                // not listening yet
            }
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("chromedriver not ready within " + DRIVER_START + ": " + tail(log));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private void openSession(final Path chromium, final int width, final int height)
    {
        final ObjectNode options = JSON.createObjectNode();
        options.put("binary", chromium.toString());
        options.putArray("args")
            .add("--headless=new")
            .add("--no-sandbox")
            .add("--disable-gpu")
            .add("--disable-dev-shm-usage")
            .add("--window-size=" + width + "," + height);
        final ObjectNode capabilities = JSON.createObjectNode();
        final ObjectNode alwaysMatch = capabilities.putObject("capabilities").putObject("alwaysMatch");
        alwaysMatch.put("browserName", "chrome");
        alwaysMatch.set("goog:chromeOptions", options);
        session = send("POST", "/session", capabilities).path("sessionId").asText();
    }

    /** Loads {@code url} and waits for its load event, as WebDriver's navigate does. */
    void navigate(final String url)
    {
        final ObjectNode body = JSON.createObjectNode().put("url", url);
        send("POST", sessionPath("/url"), body);
    }

    /** Every element that matches the CSS selector, in document order (none: an empty list). */
    List<Element> findAll(final String css)
    {
        final ObjectNode body = JSON.createObjectNode().put("using", "css selector").put("value", css);
        final List<Element> elements = new ArrayList<>();
        for (final JsonNode element : send("POST", sessionPath("/elements"), body))
        {
            elements.add(new Element(element.path(ELEMENT).asText()));
        }
        return elements;
    }

    /** The one element that matches, or empty (the first one when several do). */
    Optional<Element> find(final String css)
    {
        final List<Element> all = findAll(css);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The element's rendered text, as a user sees it. */
    String text(final Element element)
    {
        return send("GET", sessionPath("/element/" + element.id() + "/text"), null).asText();
    }

    /** The element's attribute, or null when it has none. */
    String attribute(final Element element, final String name)
    {
        final JsonNode value = send("GET", sessionPath("/element/" + element.id() + "/attribute/" + name), null);
        return value.isNull() ? null : value.asText();
    }

    void click(final Element element)
    {
        send("POST", sessionPath("/element/" + element.id() + "/click"), JSON.createObjectNode());
    }

    /** Runs {@code script} (a function body; {@code return} gives the result) in the page. */
    JsonNode script(final String script)
    {
        final ObjectNode body = JSON.createObjectNode().put("script", script);
        body.putArray("args");
        return send("POST", sessionPath("/execute/sync"), body);
    }

    /** A PNG of the window, written to {@code file}. */
    void screenshot(final Path file)
    {
        final byte[] png = Base64.getDecoder().decode(send("GET", sessionPath("/screenshot"), null).asText());
        try
        {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, png);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Ends the session (closing the browser), then kills chromedriver and whatever it left running. */
    @Override
    public void close()
    {
        try
        {
            if (session != null && driver.isAlive())
            {
                send("DELETE", sessionPath(""), null);
            }
        }
        catch (final RuntimeException ex)
        {
            // killed below all the same
        }
        finally
        {
            session = null;
            final List<ProcessHandle> children = driver.descendants().toList();
            driver.destroy();
            children.forEach(ProcessHandle::destroy);
            awaitExit(driver.toHandle(), children);
        }
    }

    private static void awaitExit(final ProcessHandle driver, final List<ProcessHandle> children)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (final ProcessHandle process : Stream.concat(Stream.of(driver), children.stream()).toList())
        {
            while (process.isAlive() && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            if (process.isAlive())
            {
                process.destroyForcibly();
            }
        }
    }

    private String sessionPath(final String path)
    {
        if (session == null)
        {
            throw new IllegalStateException("no WebDriver session");
        }
        return "/session/" + session + path;
    }

    /** The {@code value} of the driver's answer; a W3C error as a {@link WebDriverException}. */
    private JsonNode send(final String method, final String path, final JsonNode body)
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json; charset=utf-8")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
        final HttpResponse<String> response;
        try
        {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("chromedriver: " + method + " " + path + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to chromedriver", ex);
        }
        final JsonNode value;
        try
        {
            value = JSON.readTree(response.body()).path("value");
        }
        catch (final IOException ex)
        {
            throw new WebDriverException("unreadable answer", response.statusCode() + " " + response.body());
        }
        if (response.statusCode() != 200)
        {
            throw new WebDriverException(value.path("error").asText("HTTP " + response.statusCode()),
                value.path("message").asText(response.body()));
        }
        return value;
    }

    private static String tail(final Path log)
    {
        try
        {
            final String text = Files.readString(log);
            return text.length() > 2000 ? "…" + text.substring(text.length() - 2000) : text;
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }
}
