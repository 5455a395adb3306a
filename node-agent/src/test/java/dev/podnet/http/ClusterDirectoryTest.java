package dev.podnet.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterDirectoryTest
{
    @Test
    void shouldOrderNamesAsPeopleCount()
    {
        final List<String> names = new ArrayList<>(List.of("node-10", "node-2", "node-1", "b", "a10", "a9", "a", "node-02", "x1y2", "x1y10"));
        names.sort(ClusterDirectory.NATURAL);
        assertThat(names).containsExactly("a", "a9", "a10", "b", "node-1", "node-02", "node-2", "node-10", "x1y2", "x1y10");
    }
}
