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

    /** The first of {@code count} consecutive TCP or UDP ports free on loopback now (node i takes base + i - 1). */
    public static int consecutiveFree(final int count, final boolean udp)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final int base = udp ? freeUdpPort() : freeTcpPort();
            boolean free = base + count - 1 <= 65535;
            for (int port = base; port < base + count && free; port++)
            {
                free = udp ? udpFree(port) : tcpFree(port);
            }
            if (free)
            {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free " + (udp ? "UDP" : "TCP") + " ports on loopback");
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
