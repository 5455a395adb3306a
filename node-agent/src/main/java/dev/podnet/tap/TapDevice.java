package dev.podnet.tap;

import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP device (an Ethernet NIC whose other side is a file descriptor), opened from
 * {@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI}: each {@link #read} returns exactly one
 * Ethernet frame the kernel sent out of the device, each {@link #write} hands the kernel one frame
 * as if it had arrived on the wire.
 * <p>
 * The descriptor is non-blocking: a read with nothing queued returns 0 at once, so the data plane
 * polls it from its duty cycle. The device is not persistent: it disappears when the descriptor is
 * closed (and with it the process), wherever it was moved to, so a crashed agent leaves no TAP
 * behind. Moving the device into another network namespace keeps the descriptor valid.
 * <p>
 * {@link #read} and {@link #write} allocate nothing; a descriptor is read and written by one thread
 * (the data plane's) and closed once, after the data plane let go of it.
 */
public final class TapDevice implements AutoCloseable
{
    /** Linux device names are at most 15 bytes (IFNAMSIZ 16 with the NUL). */
    public static final int MAX_NAME_LENGTH = 15;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final int IFREQ_SIZE = 40;

    private final String name;
    private volatile int fd;

    private TapDevice(final String name, final int fd)
    {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates TAP device {@code name} in the caller's network namespace.
     *
     * @throws TapException when the C library cannot be bound, {@code /dev/net/tun} cannot be opened,
     *                      or the kernel refuses the device (no CAP_NET_ADMIN, the name is taken)
     */
    public static TapDevice open(final String name)
    {
        return open(name, false);
    }

    /** As {@link #open(String)}; {@code blocking} makes reads wait for a frame (a reader thread's way, for measuring). */
    static TapDevice open(final String name, final boolean blocking)
    {
        requireName(name);
        requireLibC();
        final int fd = LibC.open("/dev/net/tun", LibC.O_RDWR | (blocking ? 0 : LibC.O_NONBLOCK) | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            final int errno = LibC.errno();
            throw new TapException("cannot open /dev/net/tun: " + LibC.describe(errno) +
                (errno == LibC.ENOENT ? ": the tun module is not loaded or the device node is missing (in a " +
                    "container: --device /dev/net/tun)" : ""));
        }
        final byte[] ifreq = new byte[IFREQ_SIZE];
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, ifreq, 0, bytes.length);
        final short flags = IFF_TAP | IFF_NO_PI;
        ifreq[16] = (byte)flags;
        ifreq[17] = (byte)(flags >> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifreq) < 0)
        {
            final int errno = LibC.errno();
            LibC.close(fd);
            throw new TapException("cannot create TAP device " + name + ": " + LibC.describe(errno) +
                (errno == LibC.EPERM ? ": creating a TAP device needs CAP_NET_ADMIN" :
                    errno == LibC.EBUSY ? ": a device of that name exists" : ""));
        }
        return new TapDevice(name, fd);
    }

    static void requireLibC()
    {
        final Throwable failure = LibC.loadFailure();
        if (failure != null)
        {
            throw new TapException("cannot call the C library through JNA: " + failure +
                " (where the temporary directory is noexec, set -Djna.tmpdir)");
        }
    }

    /** Checks a Linux interface name: 1..15 bytes, no '/', ':' or white space, not "." or "..". */
    public static void requireName(final String name)
    {
        final String problem = nameProblem(name);
        if (problem != null)
        {
            throw new IllegalArgumentException("interface name '" + name + "' " + problem);
        }
    }

    /** What is wrong with {@code name} as a Linux interface name, or null when nothing is. */
    public static String nameProblem(final String name)
    {
        if (name == null || name.isEmpty())
        {
            return "is empty";
        }
        if (name.length() > MAX_NAME_LENGTH)
        {
            return "is longer than " + MAX_NAME_LENGTH + " characters";
        }
        if (name.equals(".") || name.equals(".."))
        {
            return "is '.' or '..'";
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e)
            {
                return "contains '" + c + "' (not allowed: '/', ':', white space, non-ASCII)";
            }
        }
        return null;
    }

    public String name()
    {
        return name;
    }

    /**
     * Reads one frame into the {@code capacity} bytes at {@code address}.
     *
     * @return the frame's length; 0 when no frame is queued; -errno on an error (a frame longer than
     *         {@code capacity} is cut to it by the kernel)
     */
    public int read(final long address, final int capacity)
    {
        final long n = LibC.read(fd, address, capacity);
        if (n >= 0)
        {
            return (int)n;
        }
        final int errno = LibC.errno();
        return errno == LibC.EAGAIN || errno == LibC.EINTR ? 0 : -errno;
    }

    /**
     * Writes one frame of {@code length} bytes at {@code address}.
     *
     * @return true when the kernel took it
     */
    public boolean write(final long address, final int length)
    {
        return LibC.write(fd, address, length) == length;
    }

    /** Closes the descriptor: the device disappears. Idempotent. */
    @Override
    public void close()
    {
        final int open = fd;
        if (open >= 0)
        {
            fd = -1;
            LibC.close(open);
        }
    }

    @Override
    public String toString()
    {
        return "TapDevice{" + name + ", fd " + fd + "}";
    }
}
