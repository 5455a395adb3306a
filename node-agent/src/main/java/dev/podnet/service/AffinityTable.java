package dev.podnet.service;

/**
 * Session affinity by client IP ({@code sessionAffinity: ClientIP}), as kube-proxy's iptables rules
 * keep it with the {@code recent} match: per Service port and client address, the endpoint its last
 * new connection went to and when; a new connection within the timeout goes to the same endpoint if
 * it is still one. Fixed capacity, open addressing, nothing allocated per packet; when full, a new
 * client simply gets no stickiness (counted).
 */
final class AffinityTable
{
    private final long[] keys;
    private final int[] ports;
    private final int[] endpoints;
    private final int[] endpointPorts;
    private final long[] lastUsed;
    private final boolean[] used;
    private final int mask;
    private final int capacity;
    private int size;
    private long full;

    AffinityTable(final int capacity)
    {
        final int slots = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) << 1;
        this.capacity = capacity;
        keys = new long[slots];
        ports = new int[slots];
        endpoints = new int[slots];
        endpointPorts = new int[slots];
        lastUsed = new long[slots];
        used = new boolean[slots];
        mask = slots - 1;
    }

    private static long key(final int client, final int clusterIp)
    {
        return (long)client << 32 | (clusterIp & 0xFFFF_FFFFL);
    }

    private int home(final long key, final int port)
    {
        long h = (key ^ (long)port << 17) * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 31;
        return (int)h & mask;
    }

    private int find(final long key, final int port)
    {
        int slot = home(key, port);
        while (used[slot])
        {
            if (keys[slot] == key && ports[slot] == port)
            {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /**
     * The slot of the live affinity of {@code client} to the Service port, or -1; one that outlived
     * {@code timeoutNanos} is forgotten here.
     */
    int lookup(final int client, final int clusterIp, final int protocolAndPort, final long timeoutNanos, final long nowNanos)
    {
        final long key = key(client, clusterIp);
        final int slot = find(key, protocolAndPort);
        if (slot >= 0 && nowNanos - lastUsed[slot] > timeoutNanos)
        {
            remove(slot);
            return -1;
        }
        return slot;
    }

    int endpoint(final int slot)
    {
        return endpoints[slot];
    }

    int endpointPort(final int slot)
    {
        return endpointPorts[slot];
    }

    /** Remembers (or refreshes) that {@code client}'s connections to the Service port go to {@code endpoint}. */
    void record(final int client, final int clusterIp, final int protocolAndPort, final int endpoint, final int endpointPort,
        final long nowNanos)
    {
        final long key = key(client, clusterIp);
        int slot = find(key, protocolAndPort);
        if (slot < 0)
        {
            if (size >= capacity)
            {
                full++;
                return;
            }
            slot = home(key, protocolAndPort);
            while (used[slot])
            {
                slot = (slot + 1) & mask;
            }
            used[slot] = true;
            keys[slot] = key;
            ports[slot] = protocolAndPort;
            size++;
        }
        endpoints[slot] = endpoint;
        endpointPorts[slot] = endpointPort;
        lastUsed[slot] = nowNanos;
    }

    int size()
    {
        return size;
    }

    long refusedWhenFull()
    {
        return full;
    }

    /** Backward-shift deletion. */
    private void remove(final int slot)
    {
        int hole = slot;
        used[hole] = false;
        size--;
        int next = (hole + 1) & mask;
        while (used[next])
        {
            final int movingHome = home(keys[next], ports[next]);
            final boolean homeBetween = hole <= next ? movingHome > hole && movingHome <= next : movingHome > hole || movingHome <= next;
            if (!homeBetween)
            {
                keys[hole] = keys[next];
                ports[hole] = ports[next];
                endpoints[hole] = endpoints[next];
                endpointPorts[hole] = endpointPorts[next];
                lastUsed[hole] = lastUsed[next];
                used[hole] = true;
                used[next] = false;
                hole = next;
            }
            next = (next + 1) & mask;
        }
    }
}
