package dev.podnet.it.containers;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The podnet image under test, built once per test JVM from this checkout ({@code compose/Dockerfile},
 * the launchers in {@code compose/bin} and the shaded jar) on {@link Docker#baseImage()}: never pulled.
 * Ryuk (which cannot be pulled here either) is off, so the image is removed by a shutdown hook.
 */
public final class PodnetImage
{
    private static String name;

    private PodnetImage()
    {
    }

    /** The image's name, building it on first use. */
    public static synchronized String name()
    {
        if (name == null)
        {
            final Path root = Docker.repositoryRoot();
            final String tag = "podnet-it:" + UUID.randomUUID().toString().substring(0, 8);
            final String base = Docker.baseImage();
            final ImageFromDockerfile image = new ImageFromDockerfile(tag, false)
                .withFileFromPath("compose/Dockerfile", root.resolve("compose/Dockerfile"))
                .withFileFromPath("compose/bin", root.resolve("compose/bin"))
                .withFileFromPath("node-agent/target/podnet-agent.jar", Docker.agentJar())
                .withDockerfilePath("compose/Dockerfile")
                .withBuildArg("BASE_IMAGE", base);
            try
            {
                name = image.get();
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalStateException("cannot build the podnet image on " + base + " (without a registry, build a " +
                    "local base first: compose/build-base-image.sh, or set PODNET_BASE_IMAGE): " + ex.getMessage(), ex);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> remove(tag), "podnet-it-image-cleanup"));
        }
        return name;
    }

    private static void remove(final String tag)
    {
        try
        {
            DockerClientFactory.lazyClient().removeImageCmd(tag).withForce(true).exec();
        }
        catch (final RuntimeException ex)
        {
            System.err.println("podnet-it: could not remove image " + tag + ": " + ex.getMessage());
        }
    }
}
