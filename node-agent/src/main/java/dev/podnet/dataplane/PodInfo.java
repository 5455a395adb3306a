package dev.podnet.dataplane;

/**
 * A pod as the outside world sees it.
 *
 * @param name its name
 * @param node the node it runs on
 * @param ip   its address
 * @param mac  its MAC ({@code 0a:58:} + the address bytes)
 */
public record PodInfo(String name, String node, int ip, long mac)
{
}
