package dev.podnet.tap;

import dev.podnet.dataplane.IdleMode;
import org.agrona.BufferUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the data plane should read TAP devices, measured: from its own duty cycle (non-blocking reads,
 * what podnet does), or by a reader thread per device blocking in {@code read(2)} and handing frames
 * over a lock-free ring buffer (Agrona's {@link OneToOneRingBuffer}) to the duty cycle. For each: the
 * process's CPU with the device idle, and frames per second and CPU per frame while the kernel sends a
 * UDP flood out of the device (python3 in a namespace, to a neighbour with a static ARP entry). The
 * consumer uses the data plane's efficient idle strategy in both.
 * <pre>
 *   mvn -B -q -pl node-agent -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 *   java -cp node-agent/target/test-classes:node-agent/target/classes:$(cat /tmp/cp.txt) dev.podnet.tap.TapReadingBenchmark
 * </pre>
 * As root; makes and removes namespace {@code pn-tap-read}.
 */
public final class TapReadingBenchmark
{
    private static final int SECONDS = 10;

    private TapReadingBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        for (final boolean thread : new boolean[] {false, true})
        {
            final String label = thread ? "reader thread + ring buffer" : "duty-cycle polling";
            run(List.of("ip", "netns", "del", "pn-tap-read"));
            run(List.of("ip", "netns", "add", "pn-tap-read"));
            final TapDevice tap = TapDevice.open("pn-tap-read", thread);
            run(List.of("ip", "link", "set", "pn-tap-read", "netns", "pn-tap-read"));
            for (final String command : List.of("link set pn-tap-read up", "addr add 10.99.0.1/24 dev pn-tap-read",
                "neigh add 10.99.0.2 lladdr 0a:58:0a:63:00:02 dev pn-tap-read"))
            {
                run(List.of("sh", "-c", "ip -n pn-tap-read " + command));
            }
            final AtomicLong frames = new AtomicLong();
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread[] threads = thread ? readerAndConsumer(tap, frames, running) : new Thread[] {poller(tap, frames, running)};
            for (final Thread t : threads)
            {
                t.start();
            }
            Thread.sleep(3000);
            final long idleCpu = cpuNanos();
            Thread.sleep(SECONDS * 1000L);
            final double idleCores = (cpuNanos() - idleCpu) / 1e9 / SECONDS;

            final Process flood = new ProcessBuilder("ip", "netns", "exec", "pn-tap-read", "python3", "-c",
                "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nd=b'x'*1300\nend=time.time()+" +
                (SECONDS + 2) + "\nwhile time.time()<end:\n  try:\n    s.sendto(d,('10.99.0.2',9))\n  except OSError:\n    pass\n")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(1000);
            final long cpu = cpuNanos();
            final long count = frames.get();
            Thread.sleep(SECONDS * 1000L);
            final long busyCpu = cpuNanos() - cpu;
            final long busyFrames = frames.get() - count;
            flood.waitFor(30, TimeUnit.SECONDS);
            running.set(false);
            for (final Thread t : threads)
            {
                t.interrupt();
            }
            tap.close();
            for (final Thread t : threads)
            {
                t.join(5000);
            }
            run(List.of("ip", "netns", "del", "pn-tap-read"));
            System.out.printf("%-28s idle %.4f core; flood %,d frames/s at %.2f cores, %.2f µs of CPU per frame%n", label,
                idleCores, busyFrames / SECONDS, busyCpu / 1e9 / SECONDS, busyCpu / 1e3 / Math.max(1, busyFrames));
        }
    }

    /** podnet's way: the duty cycle reads the non-blocking descriptor, straight into its buffer. */
    private static Thread poller(final TapDevice tap, final AtomicLong frames, final AtomicBoolean running)
    {
        return new Thread(() ->
        {
            final UnsafeBuffer slot = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
            final IdleStrategy idle = IdleMode.EFFICIENT.newStrategy();
            while (running.get())
            {
                int work = 0;
                int n;
                while (work < 64 && (n = tap.read(slot.addressOffset(), 2048)) > 0)
                {
                    frames.lazySet(frames.get() + 1);
                    work++;
                }
                idle.idle(work);
            }
        }, "tap-poller");
    }

    /** The alternative: a thread blocks in read(2) and hands each frame over a ring buffer to the duty cycle. */
    private static Thread[] readerAndConsumer(final TapDevice tap, final AtomicLong frames, final AtomicBoolean running)
    {
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        final Thread reader = new Thread(() ->
        {
            final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
            while (running.get())
            {
                final int n = tap.read(frame.addressOffset(), 2048);
                if (n > 0)
                {
                    ring.write(1, frame, 0, n);
                }
                else if (n < 0)
                {
                    return;
                }
            }
        }, "tap-reader");
        reader.setDaemon(true);
        final Thread consumer = new Thread(() ->
        {
            final UnsafeBuffer slot = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
            final IdleStrategy idle = IdleMode.EFFICIENT.newStrategy();
            while (running.get())
            {
                idle.idle(ring.read((type, buffer, index, length) ->
                {
                    slot.putBytes(0, buffer, index, length);
                    frames.lazySet(frames.get() + 1);
                }, 64));
            }
        }, "tap-consumer");
        return new Thread[] {reader, consumer};
    }

    private static long cpuNanos()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void run(final List<String> command) throws Exception
    {
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
            .waitFor(30, TimeUnit.SECONDS);
    }
}
