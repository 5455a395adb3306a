package dev.podnet.controlplane;

/**
 * One cluster member as a node sees it.
 *
 * @param node      the member's node name
 * @param address   its cluster address ({@code host:port})
 * @param status    Akka's member status: {@code Joining}, {@code WeaklyUp}, {@code Up}, {@code Leaving},
 *                  {@code Exiting}, {@code Down}
 * @param reachable whether the failure detector hears it
 */
public record MemberView(String node, String address, String status, boolean reachable)
{
    /** Whether traffic should be routed to it: a reachable member that is up (or leaving but still serving). */
    public boolean routable()
    {
        return reachable && (status.equals("Up") || status.equals("WeaklyUp") || status.equals("Leaving"));
    }
}
