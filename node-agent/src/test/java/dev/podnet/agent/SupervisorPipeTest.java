package dev.podnet.agent;

import dev.podnet.agent.demo.AgentLaunch;
import dev.podnet.diag.LoopbackPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --stop-on-stdin-close}: over a real pipe in this JVM (the exit and the halt recorded, not
 * done), then a real agent process whose supervisor's end of the pipe closes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupervisorPipeTest
{
    private final CountDownLatch exited = new CountDownLatch(1);
    private final CountDownLatch halted = new CountDownLatch(1);
    private final AtomicLong haltedAt = new AtomicLong();
    private final List<String> steps = new ArrayList<>();

    @Test
    void shouldExitNormallyAsSoonAsTheSupervisorsEndClosesWhateverItWroteBefore() throws Exception
    {
        final Pipe pipe = Pipe.open();
        SupervisorPipe.watch(Channels.newInputStream(pipe.source()), "n1", Duration.ofMinutes(5), this::exit, this::cleanUp,
            this::halt);

        pipe.sink().write(ByteBuffer.wrap("still here\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(exited.await(300, TimeUnit.MILLISECONDS)).as("what the supervisor writes is no reason to stop").isFalse();
        pipe.sink().close();

        assertThat(exited.await(5, TimeUnit.SECONDS)).as("exit once the pipe ends").isTrue();
        assertThat(steps).containsExactly("exit 0");
        assertThat(halted.getCount()).as("no halt before the grace").isEqualTo(1);
    }

    @Test
    void shouldCleanUpAndHaltWhenTheStopDoesNotEndTheJvmWithinTheGrace() throws Exception
    {
        final Pipe pipe = Pipe.open();
        final Duration grace = Duration.ofMillis(300);
        SupervisorPipe.watch(Channels.newInputStream(pipe.source()), "n1", grace, this::exit, this::cleanUp, this::halt);

        final long closedAt = System.nanoTime();
        pipe.sink().close(); // the exit recorded here returns: the JVM is still there after the grace, as with a stuck leave

        assertThat(halted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(steps).containsExactly("exit 0", "clean up", "halt 0");
        assertThat(haltedAt.get() - closedAt).as("halted after the grace").isGreaterThanOrEqualTo(grace.toNanos());
    }

    @Test
    void shouldTakeAReadErrorAsTheEnd() throws Exception
    {
        final Pipe pipe = Pipe.open();
        SupervisorPipe.watch(Channels.newInputStream(pipe.source()), "n1", Duration.ofMinutes(5), this::exit, this::cleanUp,
            this::halt);

        pipe.source().close(); // the blocked read fails

        assertThat(exited.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(steps).containsExactly("exit 0");
    }

    @Test
    void shouldStopARunningAgentProcessWithinFiveSecondsOfItsSupervisorsEnd(@TempDir final Path dir) throws Exception
    {
        final int apiPort = LoopbackPorts.freeTcpPort();
        final List<String> command = new ArrayList<>(List.of(
            ProcessHandle.current().info().command().orElseThrow(), "-Xmx128m", "-XX:+UseSerialGC"));
        command.addAll(AgentLaunch.ADD_OPENS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PodnetMain.class.getName(), "agent",
            "--node", "pn-pipe", "--pod-cidr", "10.244.1.0/24", "--pods", "1",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(LoopbackPorts.freeUdpPort()),
            "--api-bind", "127.0.0.1", "--api-port", Integer.toString(apiPort), "--stop-on-stdin-close"));
        final Path log = dir.resolve("agent.log");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PODNET_"));
        final Process agent = builder.start(); // standard input: a pipe, its write end ours
        try
        {
            awaitReady(agent, apiPort, log);
            assertThat(aeronDirectories(agent.pid())).as("the running agent's Aeron directory").isNotEmpty();

            agent.getOutputStream().close();
            final long closedAt = System.nanoTime();

            assertThat(agent.waitFor(5, TimeUnit.SECONDS)).as("exited within 5 s; its log:%n%s", read(log)).isTrue();
            System.out.printf("SupervisorPipeTest: the agent exited %d ms after its standard input closed%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt));
            assertThat(agent.exitValue()).isZero();
            assertThat(read(log)).contains("standard input closed (end of file): the supervisor of node pn-pipe is gone");
            assertThat(LoopbackPorts.tcpFree(apiPort)).as("API port free").isTrue();
            assertThat(aeronDirectories(agent.pid())).as("no Aeron directory left").isEmpty();
        }
        finally
        {
            agent.destroyForcibly();
        }
    }

    private void exit(final int status)
    {
        record("exit " + status);
        exited.countDown();
    }

    private void cleanUp()
    {
        record("clean up");
    }

    private void halt(final int status)
    {
        record("halt " + status);
        haltedAt.set(System.nanoTime());
        halted.countDown();
    }

    private void record(final String step)
    {
        synchronized (steps)
        {
            steps.add(step);
        }
    }

    private static void awaitReady(final Process agent, final int apiPort, final Path log) throws Exception
    {
        final HttpClient client = HttpClient.newHttpClient();
        final HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            assertThat(agent.isAlive()).as("the agent runs; its log:%n%s", read(log)).isTrue();
            try
            {
                if (client.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200)
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("Ready within 60 s; its log:%n%s", read(log)).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static List<Path> aeronDirectories(final long pid) throws IOException
    {
        final List<Path> found = new ArrayList<>();
        for (final String base : List.of("/dev/shm", System.getProperty("java.io.tmpdir")))
        {
            if (Files.isDirectory(Path.of(base)))
            {
                try (Stream<Path> entries = Files.list(Path.of(base)))
                {
                    entries.filter(path -> path.getFileName().toString().startsWith("podnet-pn-pipe-" + pid + "-")).forEach(found::add);
                }
            }
        }
        return found;
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + log + ": " + ex + ")";
        }
    }
}
