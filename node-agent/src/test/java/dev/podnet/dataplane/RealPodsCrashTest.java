package dev.podnet.dataplane;

import dev.podnet.testing.RealPodTesting;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an agent that crashed leaves behind: the namespaces it created and the {@code resolv.conf} files
 * (and {@code /etc/netns/NAME/} directories) it wrote, as its ledger names them; the next agent of the
 * node removes them. Runs as root (CI does); the namespace is {@code pn-tap-crash}, removed.
 */
class RealPodsCrashTest
{
    @Test
    void shouldRemoveTheNamespacesAndResolvConfFilesOfADeadAgent() throws Exception
    {
        RealPodTesting.require("ip");
        RealPodTesting.deleteNetns("pn-tap-crash");
        final boolean hadEtcNetns = Files.exists(RealPods.ETC_NETNS);
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        RealPodTesting.run(List.of("ip", "netns", "add", "pn-tap-crash")).ok();
        final Path directory = RealPods.ETC_NETNS.resolve("pn-tap-crash");
        final Path resolvConf = directory.resolve("resolv.conf");
        Files.createDirectories(directory);
        Files.writeString(resolvConf, "nameserver 10.96.0.10\n");
        final Path ledger = Path.of(System.getProperty("java.io.tmpdir"), "podnet-netns-crash-node-" + gone.pid());
        Files.write(ledger, List.of("pn-tap-crash", resolvConf.toString(), directory + "/"));
        try
        {
            RealPods.cleanUpAfterCrash("crash-node");

            assertThat(RealPodTesting.run(List.of("ip", "netns", "list")).output()).doesNotContain("pn-tap-crash");
            assertThat(resolvConf).doesNotExist();
            assertThat(directory).doesNotExist();
            assertThat(Files.exists(RealPods.ETC_NETNS)).isEqualTo(hadEtcNetns);
            assertThat(ledger).doesNotExist();
        }
        finally
        {
            Files.deleteIfExists(resolvConf);
            Files.deleteIfExists(ledger);
            RealPodTesting.deleteNetns("pn-tap-crash");
        }
    }
}
