package dev.podnet.diag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free ports on the loopback interface, for everything that starts several agents on one host
 * (benchmarks, tests): the port is free when asked, and someone else may still take it before use.
 */
public final class LoopbackPorts
{
    private LoopbackPorts()
    {
    }

    public static int freeTcpPort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Whether TCP {@code port} can be bound on loopback now. */
    public static boolean tcpFree(final int port)
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Whether UDP {@code port} can be bound on loopback now. */
    public static boolean udpFree(final int port)
    {
        try (DatagramSocket socket = new DatagramSocket(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * The first of {@code count} consecutive TCP or UDP ports free on loopback now (node i takes base + i - 1), chosen
     * outside the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}): a block handed out there collides, a
     * few minutes into a long start, with the source ports of the agents' own outbound connections (fifty agents found
     * it every time).
     */
    public static int consecutiveFree(final int count, final boolean udp)
    {
        final int[] ephemeral = ephemeralRange();
        final java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++)
        {
            final int base = pickBase(count, ephemeral, random);
            boolean free = true;
            for (int port = base; port < base + count && free; port++)
            {
                free = udp ? udpFree(port) : tcpFree(port);
            }
            if (free)
            {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free " + (udp ? "UDP" : "TCP") + " ports on loopback"
            + " outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
    }

    /** A base for {@code count} ports below the ephemeral range (from 10000), or above it when there is no room below. */
    static int pickBase(final int count, final int[] ephemeral, final java.util.random.RandomGenerator random)
    {
        final int lowest = 10_000;
        if (ephemeral[0] - count > lowest)
        {
            return random.nextInt(lowest, ephemeral[0] - count + 1);
        }
        if (65_535 - count > ephemeral[1])
        {
            return random.nextInt(ephemeral[1] + 1, 65_535 - count + 2);
        }
        throw new IllegalStateException("no room for " + count + " ports outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
    }

    /** {@code net.ipv4.ip_local_port_range}, or Linux's default when it cannot be read. */
    static int[] ephemeralRange()
    {
        try
        {
            final String[] range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .trim().split("\\s+");
            return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
        }
        catch (final IOException | RuntimeException ex)
        {
            return new int[] {32768, 60999};
        }
    }

    public static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
