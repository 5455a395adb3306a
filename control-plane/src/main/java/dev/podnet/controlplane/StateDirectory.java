package dev.podnet.controlplane;

import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A node's state directory: what must outlive the agent, so that leases survive a restart of the whole
 * cluster. Inside:
 * <ul>
 *   <li>{@value #LEASE_STORE}/: this node's replica of the lease table, written by Akka's durable
 *       Distributed Data ({@code akka.cluster.ddata.LmdbDurableStore}: LMDB, one {@code data.mdb} file,
 *       copy-on-write pages, so a process killed mid-write leaves the last committed table). Every node
 *       stores each change of the table it sees, its own or gossiped, before it acknowledges it;</li>
 *   <li>{@value #LOCK}: held (an OS file lock) while the agent runs. Akka opens LMDB without LMDB's own
 *       lock file ({@code MDB_NOLOCK}), so two processes writing one store would corrupt it: the second
 *       agent pointed at a directory in use is refused.</li>
 * </ul>
 * Opened once, before the actor system starts, and checked: the directory is created if missing, must
 * be a writable directory, must not be in use, and the store must open and read to its end. Anything
 * else fails the start with a message that names the directory: a node that silently started with an
 * empty table could hand out a CIDR another node still holds. (A store that opens but whose table Akka
 * cannot deserialize stops the replicator; the control plane reports that too, see {@code ControlPlane#failure}.)
 * <p>
 * Why Akka's durable Distributed Data (LMDB) rather than a file of leases written atomically (temporary
 * file, fsync, rename):
 * <ul>
 *   <li>it stores the CRDT itself, causal metadata included: merging a replica that was down while a lease
 *       was reclaimed or re-granted cannot bring the old entry back. A file of plain lease records would
 *       need merge rules of its own (whose copy wins, when is an entry stale), the very thing the CRDT gives;</li>
 *   <li>the replicator loads the store before it answers anyone (the allocator's read-majority included),
 *       and stores every change it sees, its own before acknowledging it and the others' from gossip: every
 *       node has a copy without code of ours on the write path;</li>
 *   <li>nothing to add: lmdbjava comes with akka-distributed-data, LMDB's library inside its jar (x86_64
 *       Linux, macOS, Windows; elsewhere a system liblmdb is needed, and the check above says so at start).
 *       LMDB's copy-on-write pages leave the last committed table after a SIGKILL.</li>
 * </ul>
 * What it costs: Akka opens LMDB without LMDB's lock ({@code MDB_NOLOCK}), hence the lock file here; LMDB
 * trusts its pages, so a file damaged inside (not truncated or replaced, which the check catches) could
 * take the process down when mapped, where a checksummed file would be refused cleanly; and a replica
 * offline for longer than Akka's {@code durable.pruning-marker-time-to-live} (10 days) should be started
 * without its directory.
 */
public final class StateDirectory implements AutoCloseable
{
    public static final String LEASE_STORE = "leases";
    public static final String LOCK = "lock";
    /** LMDB's map: the lease table of a full /8 of /28 leases is a few MB; the file is sparse. */
    public static final long MAP_SIZE = 64L * 1024 * 1024;
    /** What Akka's durable store calls its one database inside the LMDB environment. */
    private static final String DATABASE = "ddata";
    private static final String SETTING = "PODNET_STATE_DIR / --state-dir";

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StateDirectory(final Path path, final FileChannel lockChannel, final FileLock lock)
    {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens, locks and checks {@code path}.
     *
     * @throws IllegalStateException naming the directory and what is wrong with it
     */
    public static StateDirectory open(final Path path)
    {
        final Path dir = path.toAbsolutePath().normalize();
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException | SecurityException ex)
        {
            throw failure(dir, "cannot create it: " + describe(ex));
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir) || !Files.isReadable(dir))
        {
            throw failure(dir, "not a directory this user can read and write");
        }
        final FileChannel channel;
        final FileLock lock;
        try
        {
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw failure(dir, "cannot open its lock file: " + describe(ex));
        }
        try
        {
            lock = channel.tryLock();
            if (lock == null)
            {
                throw failure(dir, "in use by another agent (" + holder(channel) + "): give each node its own state directory");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        }
        catch (final OverlappingFileLockException ex)
        {
            close(channel);
            throw failure(dir, "in use by another node in this process: give each node its own state directory");
        }
        catch (final IOException ex)
        {
            close(channel);
            throw failure(dir, "cannot lock it: " + describe(ex));
        }
        catch (final IllegalStateException ex)
        {
            close(channel);
            throw ex;
        }
        final StateDirectory opened = new StateDirectory(dir, channel, lock);
        try
        {
            opened.checkLeaseStore();
        }
        catch (final RuntimeException ex)
        {
            opened.close();
            throw ex;
        }
        return opened;
    }

    public Path path()
    {
        return path;
    }

    /** The LMDB directory of the lease table (Akka's {@code durable.lmdb.dir}). */
    public Path leaseStore()
    {
        return path.resolve(LEASE_STORE);
    }

    /** Releases the lock (the agent stopped). */
    @Override
    public void close()
    {
        try
        {
            if (lock.isValid())
            {
                lock.release();
            }
        }
        catch (final IOException ex)
        {
            // the channel's close releases it too
        }
        close(lockChannel);
    }

    /**
     * Opens the store as Akka will and reads it to its end: a file that is not LMDB, a newer LMDB version,
     * a truncated or damaged file, one this user cannot write, or a platform LMDB's native library is not
     * shipped for, fails here rather than leaving the node without its lease table (or unable to write it).
     */
    private void checkLeaseStore()
    {
        final Path store = leaseStore();
        try
        {
            Files.createDirectories(store);
        }
        catch (final IOException ex)
        {
            throw failure(path, "cannot create its lease store " + store + ": " + describe(ex));
        }
        final Path data = store.resolve("data.mdb");
        try (Env<ByteBuffer> env = Env.create().setMapSize(MAP_SIZE).setMaxDbs(1).open(store.toFile(), EnvFlags.MDB_NOLOCK))
        {
            final Dbi<ByteBuffer> db = env.openDbi(DATABASE, DbiFlags.MDB_CREATE);
            try (Txn<ByteBuffer> txn = env.txnRead(); var entries = db.iterate(txn, KeyRange.all()))
            {
                while (entries.hasNext())
                {
                    if (entries.next().key().remaining() == 0)
                    {
                        throw new IllegalStateException("an entry without a key");
                    }
                }
            }
        }
        catch (final LinkageError ex)
        {
            throw failure(path, "LMDB (the lease store) cannot be loaded on this platform (" + System.getProperty("os.name") + " " +
                System.getProperty("os.arch") + "; its library is shipped for x86_64): " + describe(ex));
        }
        catch (final RuntimeException ex)
        {
            throw failure(path, "its lease store " + data + " cannot be read (" + describe(ex) + "): if it is damaged, move " +
                "the directory away; the node then starts with the lease table the other nodes hold");
        }
    }

    private static String holder(final FileChannel channel)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(32);
            final int read = channel.read(buffer, 0);
            final String pid = read <= 0 ? "" : new String(buffer.array(), 0, read, StandardCharsets.US_ASCII).trim();
            return pid.isEmpty() ? "locked" : "pid " + pid;
        }
        catch (final IOException ex)
        {
            return "locked";
        }
    }

    private static IllegalStateException failure(final Path path, final String what)
    {
        return new IllegalStateException(SETTING + ": state directory " + path + ": " + what);
    }

    private static String describe(final Throwable ex)
    {
        return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    private static void close(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // nothing more to do
        }
    }
}
