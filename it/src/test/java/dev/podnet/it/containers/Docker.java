package dev.podnet.it.containers;

import dev.podnet.chaos.DockerCli;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * What the container tests need from the machine: a Docker engine, the agent's jar and a base image
 * with a Java 17 runtime.
 * <p>
 * Without a Docker engine the tests fail when {@code CI} is set (CI must run them: {@code .ci/run}
 * installs and starts one) and are skipped on a developer's machine, saying why either way.
 * <p>
 * The base image is {@code $PODNET_BASE_IMAGE}, else the local {@value #LOCAL_BASE} when it exists (built
 * by {@code compose/build-base-image.sh}, as {@code .ci/run} does), else the Dockerfile's default, a stock
 * JRE 17 image from a registry.
 */
public final class Docker
{
    public static final String LOCAL_BASE = "podnet-base:bookworm-jre17-2";
    private static final DockerCli CLI = new DockerCli();
    private static final String HOW = "install and start a Docker engine (.ci/run does: apt-get install docker.io " +
        "docker-compose; dockerd), then build the base image with compose/build-base-image.sh";

    private Docker()
    {
    }

    /** Fails (CI) or skips (elsewhere) the calling test when no Docker engine answers. */
    public static void require()
    {
        if (DockerClientFactory.instance().isDockerAvailable())
        {
            return;
        }
        final String message = "no Docker engine answers: " + HOW;
        if (System.getenv("CI") != null)
        {
            fail("CI is set and " + message);
        }
        Assumptions.abort(message);
    }

    /** The repository's root (the {@code it} module's parent). */
    public static Path repositoryRoot()
    {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("..").normalize();
    }

    /** The shaded agent jar the image is built with; fails when it is not built. */
    public static Path agentJar()
    {
        final Path jar = repositoryRoot().resolve("node-agent/target/podnet-agent.jar");
        if (!Files.isRegularFile(jar))
        {
            fail("the agent jar %s is missing: build it first (mvn -B -DskipTests package, or mvn verify from the root)", jar);
        }
        return jar;
    }

    /** The image the podnet image is built on: see the class comment. */
    public static String baseImage()
    {
        final String configured = System.getenv("PODNET_BASE_IMAGE");
        if (configured != null && !configured.isBlank())
        {
            return configured;
        }
        return run(List.of("docker", "image", "inspect", LOCAL_BASE), 60).exitCode() == 0 ? LOCAL_BASE : "eclipse-temurin:17-jre";
    }

    /** Runs a command (docker, docker-compose) to its end, at most {@code seconds}: the chaos engine's runner. */
    public static DockerCli.Result run(final List<String> command, final int seconds)
    {
        return CLI.run(command, seconds);
    }

    /** The command that runs Docker Compose here: {@code docker compose} (v2) when present, else {@code docker-compose} (v1). */
    public static List<String> compose()
    {
        if (run(List.of("docker", "compose", "version"), 30).exitCode() == 0)
        {
            return new ArrayList<>(List.of("docker", "compose"));
        }
        return new ArrayList<>(List.of("docker-compose"));
    }
}
