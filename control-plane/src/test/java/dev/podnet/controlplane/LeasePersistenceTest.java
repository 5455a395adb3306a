package dev.podnet.controlplane;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.podnet.controlplane.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Leases survive a restart of the whole cluster: every node keeps its replica of the lease table in its
 * state directory (LMDB, through Akka's durable Distributed Data), and a state directory that cannot be
 * used stops the node at start, naming it.
 */
@Timeout(150)
class LeasePersistenceTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    @TempDir
    Path state;
    private TestCluster cluster;

    @AfterEach
    void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldGiveEveryNodeItsCidrBackWhenTheWholeClusterCrashedAndStartsInAnotherOrder()
    {
        final Map<String, String> before = startInOrder("n1", "n2", "n3");
        for (final String name : List.of("n1", "n2", "n3"))
        {
            cluster.crash(name);
        }

        // in memory, n3 (started second now) would get the second /24, which was n2's
        assertThat(startInOrder("n1", "n3", "n2")).isEqualTo(before);
    }

    @Test
    void shouldGiveEveryNodeItsCidrBackWhenEveryNodeLeftGracefully()
    {
        final Map<String, String> before = startInOrder("n1", "n2", "n3");
        final List<ControlPlane> left = new java.util.ArrayList<>();
        for (final String name : List.of("n3", "n2", "n1"))
        {
            left.add(cluster.node(name).controlPlane);
            cluster.leave(name);
        }
        // a node that leaves sees Akka's replicator stop before its own removal: a normal end, not a store failure
        for (final ControlPlane controlPlane : left)
        {
            assertThat(controlPlane.failure().toCompletableFuture().getNow("none")).isEqualTo("none");
        }
        // the cluster stays down for longer than the grace period (3 s): nobody was there to give it back meanwhile
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3_500));

        assertThat(startInOrder("n1", "n3", "n2")).isEqualTo(before);
    }

    @Test
    void shouldRefuseACorruptLeaseStoreNamingIt() throws Exception
    {
        final Path dir = state.resolve("n1");
        Files.createDirectories(dir.resolve("leases"));
        Files.write(dir.resolve("leases/data.mdb"), new byte[64 * 1024]); // zeroes: no LMDB meta page

        assertThatThrownBy(() -> ControlPlane.start(settings("n1", dir), view -> { }, removed -> { }))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("PODNET_STATE_DIR / --state-dir: state directory " + dir + ": its lease store " +
                dir.resolve("leases/data.mdb") + " cannot be read (");
    }

    @Test
    void shouldRefuseAStateDirectoryThatIsAFileNamingIt() throws Exception
    {
        final Path file = Files.writeString(state.resolve("n1"), "not a directory");

        assertThatThrownBy(() -> ControlPlane.start(settings("n1", file), view -> { }, removed -> { }))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("PODNET_STATE_DIR / --state-dir: state directory " + file + ": cannot create it: ");
        assertThatThrownBy(() -> ControlPlane.start(settings("n1", file.resolve("below")), view -> { }, removed -> { }))
            .hasMessageStartingWith("PODNET_STATE_DIR / --state-dir: state directory " + file.resolve("below") + ": cannot create it: ");
    }

    @Test
    void shouldRefuseAStateDirectoryAnotherNodeUses()
    {
        final Path dir = state.resolve("shared");
        final ControlPlane first = ControlPlane.start(settings("n1", dir), view -> { }, removed -> { });
        try
        {
            assertThatThrownBy(() -> ControlPlane.start(settings("n2", dir), view -> { }, removed -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("PODNET_STATE_DIR / --state-dir: state directory " + dir + ": in use by another node in this process: " +
                    "give each node its own state directory");
        }
        finally
        {
            crash(first);
        }
        crash(ControlPlane.start(settings("n1", dir), view -> { }, removed -> { }));
    }

    @Test
    void shouldStopWhenTheLeaseTableInTheStoreCannotBeLoaded() throws Exception
    {
        final Path dir = state.resolve("n1");
        final Path store = Files.createDirectories(dir.resolve("leases"));
        // a well-formed LMDB store whose lease entry is not a serialized lease table
        try (Env<ByteBuffer> env = Env.create().setMapSize(StateDirectory.MAP_SIZE).setMaxDbs(1).open(store.toFile(), EnvFlags.MDB_NOLOCK))
        {
            final var db = env.openDbi("ddata", DbiFlags.MDB_CREATE);
            final ByteBuffer key = ByteBuffer.allocateDirect(16).put("leases".getBytes(StandardCharsets.UTF_8)).flip();
            final ByteBuffer value = ByteBuffer.allocateDirect(16).put(new byte[] {1, 2, 3, 4, 5}).flip();
            db.put(key, value);
        }

        final ControlPlane controlPlane = ControlPlane.start(settings("n1", dir), view -> { }, removed -> { });
        try
        {
            assertThat(controlPlane.failure().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .startsWith("the lease store in " + store + " could not be loaded");
        }
        finally
        {
            crash(controlPlane);
        }
    }

    /** Stops at once and waits: the temporary directory is removed after the test, with nothing writing to it. */
    private static void crash(final ControlPlane controlPlane)
    {
        controlPlane.crash();
        controlPlane.whenTerminated().toCompletableFuture().join();
    }

    /** Starts each node once the one before holds its lease; returns every node's CIDR. */
    private Map<String, String> startInOrder(final String... names)
    {
        if (cluster != null)
        {
            cluster.close();
        }
        cluster = new TestCluster(1, state);
        final Map<String, String> cidrs = new LinkedHashMap<>();
        for (final String name : names)
        {
            final TestCluster.TestNode node = cluster.start(name);
            await(() -> node.cidr() != null, CONVERGE, name + " holds a lease");
            cidrs.put(name, node.cidr());
        }
        cluster.awaitConverged(names);
        return new java.util.TreeMap<>(cidrs);
    }

    private static ControlPlaneSettings settings(final String name, final Path dir)
    {
        return ControlPlaneSettings.of(name, "127.0.0.1", TestCluster.freePort(), List.of(), 1).withStateDir(dir);
    }
}
