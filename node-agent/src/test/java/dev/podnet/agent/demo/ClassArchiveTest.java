package dev.podnet.agent.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/** The agents' class archive: one agent writes it, the next agents map it; with a real JVM. */
class ClassArchiveTest
{
    /** What the archive is tried on: a program in a jar of its own. */
    public static final class Hello
    {
        public static void main(final String[] args)
        {
            System.out.println("hello from " + Hello.class.getName());
        }
    }

    @TempDir
    Path dir;

    @Test
    void shouldHaveOneAgentWriteTheArchiveAndTheNextOnesMapIt() throws Exception
    {
        final Path jar = helloJar();
        final Path cache = dir.resolve("cache");
        final ClassArchive archive = ClassArchive.forClassPath(jar.toString(), List.of("-Xmx64m"), cache);

        assertThat(archive.file().getParent()).isEqualTo(cache);
        assertThat(archive.file().getFileName().toString()).startsWith("agent-classes-").endsWith(".jsa");
        assertThat(archive.options(false)).as("no archive yet, not the writer").isEmpty();
        final List<String> writer = archive.options(true);
        assertThat(writer).containsExactly("-XX:ArchiveClassesAtExit=" + archive.file(), "-Xlog:cds=error");

        assertThat(run(jar, writer)).contains("hello from");
        assertThat(archive.file()).isRegularFile();

        final List<String> reader = archive.options(false);
        assertThat(reader).containsExactly("-XX:SharedArchiveFile=" + archive.file(), "-Xlog:cds=error");
        assertThat(archive.options(true)).as("written once").isEqualTo(reader);
        final List<String> verbose = new ArrayList<>(reader);
        verbose.add("-Xlog:class+load=info");
        assertThat(run(jar, verbose)).as("the program's class comes from the archive")
            .containsPattern("ClassArchiveTest\\$Hello source: shared objects file \\(top\\)");
    }

    @Test
    void shouldLeaveAClassPathOfDirectoriesAndAUsersOwnSharingOptionsAlone() throws Exception
    {
        final Path jar = helloJar();

        assertThat(ClassArchive.forClassPath(dir + ":" + jar, List.of(), dir)).isNull();
        assertThat(ClassArchive.forClassPath(dir.toString(), List.of(), dir)).isNull();
        assertThat(ClassArchive.forClassPath(jar.toString(), List.of("-Xshare:off"), dir)).isNull();
        assertThat(ClassArchive.forClassPath(jar.toString(), List.of("-XX:SharedArchiveFile=/mine.jsa"), dir)).isNull();
        assertThat(ClassArchive.forClassPath(jar.toString(), List.of(), null)).isNull();
    }

    @Test
    void shouldNameANewArchiveWhenTheJarChanges() throws Exception
    {
        final Path jar = helloJar();
        final ClassArchive before = ClassArchive.forClassPath(jar.toString(), List.of(), dir);
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 5_000));

        assertThat(ClassArchive.forClassPath(jar.toString(), List.of(), dir).file()).isNotEqualTo(before.file());
    }

    @Test
    void shouldKeepOnlyTheNewestArchivesOfOtherBuildsWhenItWritesANewOne() throws Exception
    {
        final Path jar = helloJar();
        final Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        final List<Path> others = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            final Path other = cache.resolve("agent-classes-old" + i + ".jsa");
            Files.writeString(other, "old");
            Files.setLastModifiedTime(other, java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
            others.add(other);
        }
        final Path unrelated = Files.writeString(cache.resolve("notes.txt"), "mine");
        final ClassArchive archive = ClassArchive.forClassPath(jar.toString(), List.of(), cache);

        assertThat(archive.options(false)).as("a reader deletes nothing").isEmpty();
        assertThat(others).allMatch(Files::exists);

        archive.options(true);

        assertThat(others.subList(0, 2)).as("the oldest two").noneMatch(Files::exists);
        assertThat(others.subList(2, 4)).as("the newest %d", ClassArchive.KEPT).allMatch(Files::exists);
        assertThat(unrelated).exists();
    }

    private Path helloJar() throws IOException
    {
        final Path jar = dir.resolve("hello.jar");
        final Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        final String entry = Hello.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             InputStream in = Hello.class.getClassLoader().getResourceAsStream(entry))
        {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    private static String run(final Path jar, final List<String> options) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(options);
        command.add("-cp");
        command.add(jar.toString());
        command.add(Hello.class.getName());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream())
        {
            // nothing to say
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
