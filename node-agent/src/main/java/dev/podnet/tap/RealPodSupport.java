package dev.podnet.tap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether this process can attach real pods, and if not, why: what {@code GET /api/v1/node} shows and
 * what a refused {@code POST /api/v1/pods {"netns": …}} answers (503).
 * <p>
 * Found out once, by trying what attaching needs rather than guessing from the user id:
 * <ol>
 *   <li>the C library through JNA;</li>
 *   <li>a TAP device: {@code /dev/net/tun} opens and the kernel creates a device (CAP_NET_ADMIN), which
 *       is closed (and so gone) at once;</li>
 *   <li>CAP_SYS_ADMIN in the effective set ({@code /proc/self/status}): creating, entering and naming
 *       network namespaces ({@code unshare}, {@code setns}, the bind mount under {@code /run/netns});</li>
 *   <li>{@code ip} and {@code nsenter} run.</li>
 * </ol>
 *
 * @param available whether real pods can be attached
 * @param reason    why not; null when available
 */
public record RealPodSupport(boolean available, String reason)
{
    private static final int CAP_SYS_ADMIN = 21;
    private static volatile RealPodSupport probed;

    /** This process's support, probed on first use. */
    public static RealPodSupport get()
    {
        RealPodSupport support = probed;
        if (support == null)
        {
            synchronized (RealPodSupport.class)
            {
                support = probed;
                if (support == null)
                {
                    support = probe();
                    probed = support;
                }
            }
        }
        return support;
    }

    static RealPodSupport probe()
    {
        try
        {
            TapDevice.requireLibC();
            try (TapDevice ignored = TapDevice.open("pnprobe" + (ProcessHandle.current().pid() % 100_000_000L)))
            {
                // created and closed: the kernel lets this process make TAP devices
            }
        }
        catch (final TapException ex)
        {
            return new RealPodSupport(false, ex.getMessage());
        }
        if (!hasCapability(CAP_SYS_ADMIN))
        {
            return new RealPodSupport(false, "this process lacks CAP_SYS_ADMIN, which creating and entering network " +
                "namespaces needs (run the agent as root, or grant it CAP_NET_ADMIN and CAP_SYS_ADMIN)");
        }
        for (final List<String> tool : List.of(List.of("ip", "-V"), List.of("nsenter", "--version")))
        {
            try
            {
                if (!Commands.run(tool, null).ok())
                {
                    return new RealPodSupport(false, tool.get(0) + " does not run here");
                }
            }
            catch (final TapException ex)
            {
                return new RealPodSupport(false, ex.getMessage());
            }
        }
        return new RealPodSupport(true, null);
    }

    private static boolean hasCapability(final int capability)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << capability)) != 0;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
        return false;
    }
}
