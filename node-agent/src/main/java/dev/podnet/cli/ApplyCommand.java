package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl apply -f FILE|-}: Kubernetes manifests (YAML or JSON, several documents) applied
 * by the cluster ({@code POST /api/v1/apply}), one line per object as kubectl prints them.
 */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = "Creates or updates the Namespaces, Pods and Services of a Kubernetes manifest (YAML or JSON, several " +
        "documents separated by ---); objects without a namespace go to -n (default).",
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl apply -f app.yaml", "  cat app.yaml | podnetctl apply -f -", "  podnetctl apply -n shop -f web.yaml",
        "  # namespace/shop created", "  # service/web created"})
final class ApplyCommand extends Verb
{
    /** Applying waits for the registry's majority writes, one object after the other. */
    static final Duration BOUND = Duration.ofMinutes(2);

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "the manifest, or - for standard input")
    String file;

    @Override
    int run()
    {
        return sendManifest(this, file, "/api/v1/apply", "apply");
    }

    /** Sends the manifest of {@code file} to {@code path} and prints each object's outcome; also for {@code delete -f}. */
    static int sendManifest(final Verb verb, final String file, final String path, final String what)
    {
        final byte[] manifest = read(verb, file);
        final PodnetCtl root = verb.root();
        final String query = root.namespaceGiven() ? "?namespace=" + ApiClient.segment(root.namespace()) : "";
        final ApiClient.Reply reply = verb.api().send("POST", path + query,
            new ApiClient.RawBody(manifest, "application/yaml"), BOUND);
        final JsonNode body = reply.body();
        if (body != null && body.has("items"))
        {
            for (final JsonNode item : body.get("items"))
            {
                for (final JsonNode warning : item.path("warnings"))
                {
                    verb.err().println("Warning: " + text(item, "kind").toLowerCase(java.util.Locale.ROOT) + "/" + text(item, "name") +
                        ": " + warning.asText());
                }
                if (!item.path("outcome").isNull() && !item.path("outcome").isMissingNode())
                {
                    verb.out().println(text(item, "kind").toLowerCase(java.util.Locale.ROOT) + "/" + text(item, "name") + " " +
                        text(item, "outcome"));
                }
            }
        }
        ApiClient.require(reply);
        return PodnetCtl.EXIT_OK;
    }

    private static byte[] read(final Verb verb, final String file)
    {
        try
        {
            if (file.equals("-"))
            {
                final InputStream in = System.in;
                return in.readAllBytes();
            }
            return Files.readAllBytes(Path.of(file));
        }
        catch (final NoSuchFileException ex)
        {
            throw verb.usage("-f: no such file: " + file);
        }
        catch (final IOException ex)
        {
            throw verb.usage("-f: cannot read " + file + ": " + ex.getMessage());
        }
    }
}
