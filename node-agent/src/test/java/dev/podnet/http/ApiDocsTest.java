package dev.podnet.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/API.md lists every endpoint: each route an API class registers ({@code .add("METHOD", "/path/{param}")}) appears
 * there, parameters named as the docs like ({@code {name}} or {@code {ns}} for the code's {@code {node}} or
 * {@code {namespace}}), an optional last segment written {@code [/{name}]}.
 */
class ApiDocsTest
{
    private static final Pattern ROUTE = Pattern.compile("\\.add\\(\"(GET|POST|PUT|DELETE|PATCH)\",\\s*\"([^\"]+)\"");
    private static final Pattern PARAMETER = Pattern.compile("\\{[^}]+}");

    @Test
    void shouldDocumentEveryRouteTheApiRegisters() throws IOException
    {
        final Path root = repositoryRoot();
        final String docs = normalized(Files.readString(root.resolve("docs/API.md")).replace("[/{", "/{").replace("}]", "}"));
        final List<String> routes = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(root.resolve("node-agent/src/main/java/dev/podnet")))
        {
            for (final Path source : sources.filter(path -> path.toString().endsWith(".java")).toList())
            {
                final Matcher route = ROUTE.matcher(Files.readString(source));
                while (route.find())
                {
                    routes.add(route.group(1) + " " + route.group(2) + "  (" + source.getFileName() + ")");
                }
            }
        }

        assertThat(routes).as("routes registered").hasSizeGreaterThan(40);
        assertThat(routes).as("routes docs/API.md does not list").allSatisfy(route ->
            assertThat(docs).contains(normalized(route.substring(route.indexOf(' ') + 1, route.indexOf("  (")))));
    }

    private static String normalized(final String text)
    {
        return PARAMETER.matcher(text).replaceAll("{}");
    }

    private static Path repositoryRoot()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/API.md")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            throw new AssertionError("no docs/API.md above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
