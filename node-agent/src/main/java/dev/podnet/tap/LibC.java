package dev.podnet.tap;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few C library calls real pods need, bound with JNA's direct mapping (no native code to build;
 * JNA ships its dispatch library in its jar). Direct mapping with primitive arguments neither
 * allocates nor boxes per call, so {@link #read} and {@link #write} are fit for the data plane's duty
 * cycle; {@code errno} is kept per thread and read with {@link Native#getLastError()}.
 * <p>
 * Pointers are passed as {@code long} addresses (an Agrona {@code UnsafeBuffer}'s
 * {@code addressOffset()} over direct memory): on the 64-bit Linux ABIs JNA runs on here, a pointer
 * and a 64-bit integer travel in the same register.
 */
final class LibC
{
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EPERM = 1;
    static final int EACCES = 13;
    static final int ENOENT = 2;
    static final int EBUSY = 16;
    /** {@code setns(2)}: the descriptor must be a network namespace. */
    static final int CLONE_NEWNET = 0x40000000;

    private static final Throwable LOAD_FAILURE;

    static
    {
        Throwable failure = null;
        try
        {
            Native.register(Platform.C_LIBRARY_NAME);
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        LOAD_FAILURE = failure;
    }

    private LibC()
    {
    }

    /** Why the C library could not be bound (no JNA dispatch library for this platform, noexec temp), or null. */
    static Throwable loadFailure()
    {
        return LOAD_FAILURE;
    }

    static native int open(String path, int flags);

    static native int close(int fd);

    static native long read(int fd, long buffer, long count);

    static native long write(int fd, long buffer, long count);

    static native int ioctl(int fd, long request, byte[] argument);

    static native int setns(int fd, int nstype);

    static native String strerror(int errno);

    static int errno()
    {
        return Native.getLastError();
    }

    /** "Operation not permitted (errno 1)". */
    static String describe(final int errno)
    {
        return strerror(errno) + " (errno " + errno + ")";
    }
}
