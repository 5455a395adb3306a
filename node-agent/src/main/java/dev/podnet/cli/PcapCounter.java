package dev.podnet.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes a pcap stream through unchanged and counts the packets in it as they go by, so that
 * {@code capture} can say how many it wrote without reading the file back.
 * <p>
 * The format (libpcap): a 24-byte file header whose magic {@code 0xa1b2c3d4} (or {@code 0xa1b23c4d}
 * for nanosecond timestamps) is written in the writer's byte order, then records of a 16-byte header,
 * with the captured length at offset 8, followed by that many bytes. A record counts once its last
 * byte has passed; a stream that does not start with the magic is passed through uncounted.
 */
final class PcapCounter extends FilterOutputStream
{
    static final int FILE_HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;
    static final int INCLUDED_LENGTH_OFFSET = 8;

    private final byte[] header = new byte[FILE_HEADER_LENGTH];
    private int headerFill;
    private boolean bigEndian;
    private boolean pcap = true;
    private boolean inFileHeader = true;
    private long dataRemaining;
    private long packets;
    private long bytes;

    PcapCounter(final OutputStream out)
    {
        super(out);
    }

    @Override
    public void write(final int b) throws IOException
    {
        write(new byte[] {(byte)b}, 0, 1);
    }

    @Override
    public void write(final byte[] buffer, final int offset, final int length) throws IOException
    {
        out.write(buffer, offset, length);
        bytes += length;
        int at = offset;
        final int end = offset + length;
        while (pcap && at < end)
        {
            if (dataRemaining > 0)
            {
                final int skip = (int)Math.min(dataRemaining, end - at);
                at += skip;
                dataRemaining -= skip;
                if (dataRemaining == 0)
                {
                    packets++;
                }
                continue;
            }
            final int wanted = (inFileHeader ? FILE_HEADER_LENGTH : RECORD_HEADER_LENGTH) - headerFill;
            final int take = Math.min(wanted, end - at);
            System.arraycopy(buffer, at, header, headerFill, take);
            headerFill += take;
            at += take;
            if (take == wanted)
            {
                headerComplete();
            }
        }
    }

    private void headerComplete()
    {
        headerFill = 0;
        if (inFileHeader)
        {
            inFileHeader = false;
            final long magic = readInt(0, true);
            bigEndian = magic == 0xa1b2c3d4L || magic == 0xa1b23c4dL;
            pcap = bigEndian || readInt(0, false) == 0xa1b2c3d4L || readInt(0, false) == 0xa1b23c4dL;
            return;
        }
        dataRemaining = readInt(INCLUDED_LENGTH_OFFSET, bigEndian);
        if (dataRemaining == 0)
        {
            packets++;
        }
    }

    private long readInt(final int offset, final boolean big)
    {
        long value = 0;
        for (int i = 0; i < 4; i++)
        {
            final int b = header[offset + (big ? i : 3 - i)] & 0xFF;
            value = (value << 8) | b;
        }
        return value;
    }

    /** Whole packets that went by; 0 when the stream was not pcap. */
    long packets()
    {
        return packets;
    }

    /** Bytes that went by. */
    long bytes()
    {
        return bytes;
    }

    /** False when the stream did not start with a pcap magic number (its packets were not counted). */
    boolean isPcap()
    {
        return pcap && !inFileHeader;
    }
}
