package dev.podnet.tap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Network namespaces for real pods, through iproute2 (the tool every Linux network set-up uses, and
 * the one whose error messages people know):
 * <ul>
 *   <li>a named namespace lives at {@code /run/netns/NAME} ({@code ip netns add}, so that
 *       {@code ip netns exec NAME …} works); one the agent creates gets IPv6 disabled before any device
 *       enters it, so the kernel sends no router solicitations or MLD reports;</li>
 *   <li>a namespace given by path ({@code /proc/PID/ns/net}, or a CNI runtime's bind mount) is joined,
 *       never created nor deleted;</li>
 *   <li>{@link #attach} moves a TAP device in ({@code ip link set DEV netns PATH}: the descriptor stays
 *       valid) and configures it from inside ({@code nsenter --net=PATH ip -batch -}): name, MAC, MTU,
 *       address, {@code lo} and the device up, the default route via the node's gateway.</li>
 * </ul>
 * Everything here blocks for a few milliseconds per command: it runs on API threads, never on the
 * data plane's.
 */
public final class Namespaces
{
    /** Where iproute2 keeps named namespaces. */
    public static final Path RUN_NETNS = Path.of("/run/netns");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private Namespaces()
    {
    }

    /**
     * A namespace a real pod lives in.
     *
     * @param label   what was asked for: a name, or a path
     * @param path    the namespace file
     * @param named   whether it is a named namespace ({@code /run/netns/NAME})
     * @param created whether the agent created it (and so deletes it with the pod)
     */
    public record Ref(String label, Path path, boolean named, boolean created)
    {
    }

    /** What is wrong with {@code name} as a namespace name, or null. */
    public static String nameProblem(final String name)
    {
        return NAME.matcher(name).matches() ? null :
            "'" + name + "' is not a namespace name (letters, digits, '_', '.', '-', 1..63 characters, starting " +
                "with a letter or digit) nor an absolute path";
    }

    /** Whether {@code label} names a namespace by path rather than by name. */
    public static boolean isPath(final String label)
    {
        return label.startsWith("/");
    }

    /**
     * The namespace {@code label} means: a path (which must exist), or a name, created when missing
     * (with IPv6 disabled in it).
     */
    public static Ref open(final String label)
    {
        if (isPath(label))
        {
            final Path path = Path.of(label).normalize();
            if (!Files.exists(path))
            {
                throw new IllegalArgumentException("network namespace " + label + " does not exist");
            }
            return new Ref(label, path, false, false);
        }
        final String problem = nameProblem(label);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        final Path path = RUN_NETNS.resolve(label);
        if (Files.exists(path))
        {
            return new Ref(label, path, true, false);
        }
        Commands.require("create network namespace " + label, List.of("ip", "netns", "add", label), null);
        final Ref created = new Ref(label, path, true, true);
        try
        {
            disableIpv6(created);
        }
        catch (final RuntimeException ex)
        {
            delete(created);
            throw ex;
        }
        return created;
    }

    /**
     * Turns IPv6 off in a namespace the agent made, before any device is in it. Where {@code /proc/sys}
     * is read-only (a container) this cannot be done: the data plane then drops the pod's IPv6 as
     * {@code ipv6} and counts it.
     *
     * @return whether IPv6 is off
     */
    static boolean disableIpv6(final Ref ref)
    {
        return Commands.run(List.of("nsenter", "--net=" + ref.path(), "sh", "-c",
            "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"),
            null).ok();
    }

    /** The pod's interface as it must be inside its namespace. */
    public record Interface(String name, String mac, String address, int prefixLength, int mtu, String gateway)
    {
    }

    /**
     * Moves {@code tap} into {@code ref} and configures it as {@code wanted}. Fails when the namespace
     * already has an interface of that name (as CNI requires) or a default route.
     */
    public static void attach(final TapDevice tap, final Ref ref, final Interface wanted)
    {
        Commands.require("move " + tap.name() + " into network namespace " + ref.label(),
            List.of("ip", "link", "set", "dev", tap.name(), "netns", ref.path().toString()), null);
        final String name = wanted.name();
        final StringBuilder batch = new StringBuilder();
        if (!name.equals(tap.name()))
        {
            batch.append("link set dev ").append(tap.name()).append(" name ").append(name).append('\n');
        }
        batch.append("link set dev ").append(name).append(" address ").append(wanted.mac())
            .append(" mtu ").append(wanted.mtu()).append('\n')
            .append("addr add ").append(wanted.address()).append('/').append(wanted.prefixLength())
            .append(" dev ").append(name).append('\n')
            .append("link set dev lo up\n")
            .append("link set dev ").append(name).append(" up\n")
            .append("route add default via ").append(wanted.gateway()).append(" dev ").append(name).append('\n');
        Commands.require("configure " + name + " in network namespace " + ref.label(),
            List.of("nsenter", "--net=" + ref.path(), "ip", "-batch", "-"), batch.toString());
    }

    /**
     * What {@code ip -o addr show dev NAME} says inside the namespace: one line per address, empty
     * when the interface is missing. For CNI's CHECK.
     */
    public static String addresses(final Path namespace, final String name)
    {
        final Commands.Result result = Commands.run(
            List.of("nsenter", "--net=" + namespace, "ip", "-o", "-4", "addr", "show", "dev", name), null);
        return result.ok() ? result.output() : "";
    }

    /** Deletes a namespace the agent created; one that is already gone is fine. */
    public static void delete(final Ref ref)
    {
        if (ref.created())
        {
            deleteNamed(ref.label());
        }
    }

    /** {@code ip netns del NAME}, when it exists. */
    public static void deleteNamed(final String name)
    {
        if (Files.exists(RUN_NETNS.resolve(name)))
        {
            Commands.require("delete network namespace " + name, List.of("ip", "netns", "del", name), null);
        }
    }
}
