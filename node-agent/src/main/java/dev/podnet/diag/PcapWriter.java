package dev.podnet.diag;

import org.agrona.DirectBuffer;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Objects;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Writes Ethernet frames in the classic libpcap file format, readable by tcpdump and Wireshark.
 * <pre>
 * global header (24 bytes, once):
 *   magic_number  u32  0xa1b2c3d4 (microsecond timestamps), written little-endian: d4 c3 b2 a1
 *   version_major u16  2
 *   version_minor u16  4
 *   thiszone      i32  0 (timestamps are UTC)
 *   sigfigs       u32  0
 *   snaplen       u32  65535
 *   network       u32  1 (LINKTYPE_ETHERNET)
 *
 * record header (16 bytes, before each frame):
 *   ts_sec        u32  seconds since the epoch
 *   ts_usec       u32  microseconds within the second
 *   incl_len      u32  bytes of the frame in the file: min(orig_len, snaplen)
 *   orig_len      u32  length of the frame on the wire
 * </pre>
 * Every field is written in little-endian order, as the writer's byte order is recorded by the magic number and
 * every common tool writes little-endian. The global header is written when the writer is made; records are
 * gathered in an internal buffer made once (no allocation per record) and reach the channel when it fills up,
 * on {@link #flush()} and on {@link #close()}.
 * <p>
 * Single-writer: not thread-safe. Only one thread may call {@link #write(long, DirectBuffer, int, int)},
 * {@link #flush()} and {@link #close()}, e.g. the agent that owns the frames; hand frames to it rather than
 * sharing the writer. I/O errors are thrown as {@link UncheckedIOException}.
 */
public final class PcapWriter implements Closeable
{
    /**
     * Magic number of the microsecond-resolution format.
     */
    public static final int MAGIC = 0xa1b2c3d4;

    /**
     * Major version of the format.
     */
    public static final int VERSION_MAJOR = 2;

    /**
     * Minor version of the format.
     */
    public static final int VERSION_MINOR = 4;

    /**
     * Largest number of bytes kept of a frame.
     */
    public static final int SNAPLEN = 65535;

    /**
     * LINKTYPE_ETHERNET.
     */
    public static final int LINKTYPE_ETHERNET = 1;

    /**
     * Length of the global header.
     */
    public static final int GLOBAL_HEADER_LENGTH = 24;

    /**
     * Length of a record header.
     */
    public static final int RECORD_HEADER_LENGTH = 16;

    private static final int BUFFER_CAPACITY = 256 * 1024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MICRO = 1_000L;

    private final WritableByteChannel channel;
    private final ByteBuffer records = ByteBuffer.allocateDirect(BUFFER_CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
    private long packets;
    private boolean closed;

    /**
     * Make a writer on a channel and write the global header to it.
     *
     * @param channel to write to, positioned where the file starts; closed by {@link #close()}.
     * @throws UncheckedIOException if the global header cannot be written.
     */
    public PcapWriter(final WritableByteChannel channel)
    {
        this.channel = Objects.requireNonNull(channel, "channel");

        records.putInt(MAGIC)
            .putShort((short)VERSION_MAJOR)
            .putShort((short)VERSION_MINOR)
            .putInt(0)
            .putInt(0)
            .putInt(SNAPLEN)
            .putInt(LINKTYPE_ETHERNET);
        drain();
    }

    /**
     * Create (or truncate) a file and make a writer on it.
     *
     * @param path of the file, conventionally ending in {@code .pcap}.
     * @return the writer, the global header written.
     * @throws UncheckedIOException if the file cannot be opened or written.
     */
    public static PcapWriter open(final Path path)
    {
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(path, CREATE, TRUNCATE_EXISTING, WRITE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open pcap file: " + path, ex);
        }

        try
        {
            return new PcapWriter(channel);
        }
        catch (final RuntimeException ex)
        {
            try
            {
                channel.close();
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    /**
     * Write one frame as a record; frames longer than {@link #SNAPLEN} are cut, keeping their original length.
     *
     * @param epochNanos time the frame was seen, nanoseconds since the epoch (kept to the microsecond).
     * @param buffer     holding the frame.
     * @param offset     of the first byte of the frame.
     * @param length     of the frame in bytes.
     * @throws UncheckedIOException  if the channel cannot be written.
     * @throws IllegalStateException if the writer is closed.
     */
    public void write(final long epochNanos, final DirectBuffer buffer, final int offset, final int length)
    {
        if (closed)
        {
            throw new IllegalStateException("pcap writer is closed");
        }

        final int includedLength = Math.min(length, SNAPLEN);
        if (records.remaining() < RECORD_HEADER_LENGTH + includedLength)
        {
            drain();
        }

        final long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        final long micros = Math.floorMod(epochNanos, NANOS_PER_SECOND) / NANOS_PER_MICRO;
        final int position = records.position();

        records
            .putInt((int)seconds)
            .putInt((int)micros)
            .putInt(includedLength)
            .putInt(length);
        buffer.getBytes(offset, records, position + RECORD_HEADER_LENGTH, includedLength);
        records.position(position + RECORD_HEADER_LENGTH + includedLength);

        packets++;
    }

    /**
     * Number of records written since the writer was made.
     *
     * @return number of records written.
     */
    public long packets()
    {
        return packets;
    }

    /**
     * Write the buffered records to the channel.
     *
     * @throws UncheckedIOException if the channel cannot be written.
     */
    public void flush()
    {
        if (!closed)
        {
            drain();
        }
    }

    /**
     * Flush and close the channel; closing again does nothing.
     *
     * @throws UncheckedIOException if the channel cannot be written or closed.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }

        closed = true;
        try
        {
            drain();
        }
        finally
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot close pcap channel", ex);
            }
        }
    }

    private void drain()
    {
        records.flip();
        try
        {
            while (records.hasRemaining())
            {
                channel.write(records);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write pcap records", ex);
        }
        finally
        {
            records.clear();
        }
    }
}
