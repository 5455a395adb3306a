package dev.podnet.agent.demo;

import dev.podnet.diag.LoopbackPorts;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Runs of consecutive ports free on loopback now (someone may still take one before use). */
final class FreePorts
{
    private FreePorts()
    {
    }

    static int consecutive(final int count, final boolean udp)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final int base = udp ? LoopbackPorts.freeUdpPort() : LoopbackPorts.freeTcpPort();
            if (base + count - 1 > 65535)
            {
                continue;
            }
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
        throw new IllegalStateException("no " + count + " consecutive free " + (udp ? "UDP" : "TCP") + " ports on loopback");
    }

    private static boolean tcpFree(final int port)
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static boolean udpFree(final int port)
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
