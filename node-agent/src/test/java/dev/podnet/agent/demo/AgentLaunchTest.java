package dev.podnet.agent.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AgentLaunchTest
{
    @Test
    void shouldStartPodnetMainAgentInClusterModeOnLoopbackWithTheNodesPortsAndPods()
    {
        final AgentLaunch launch = new AgentLaunch(null, "/jdk/bin/java", "/podnet.jar", List.of("-Xmx256m"), "efficient", 30_000, 0,
            Path.of("/home/u/.local/state/podnet/demo"), null);
        final DemoLayout.Node node2 = DemoLayout.plan(3, 2, 8080, 2552, 8472).nodes().get(1);

        assertThat(launch.command(node2, "127.0.0.1:2552")).containsExactly(
            "/jdk/bin/java", "-Xmx256m",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-cp", "/podnet.jar", "dev.podnet.agent.PodnetMain", "agent",
            "--node", "node-2", "--seeds", "127.0.0.1:2552",
            "--advertised-host", "127.0.0.1", "--cluster-bind", "127.0.0.1", "--cluster-port", "2553",
            "--tunnel-bind", "127.0.0.1", "--tunnel-port", "8473",
            "--api-bind", "127.0.0.1", "--api-port", "8081",
            "--idle-mode", "efficient", "--tunnel-idle-ms", "30000", "--state-dir", "/home/u/.local/state/podnet/demo/node-2",
            "--pods", "b1,b2", "--stop-on-stdin-close");
    }

    @Test
    void shouldPutSetsidFirstAndLeaveOutPodsWhenThereAreNone()
    {
        final AgentLaunch launch = new AgentLaunch("/usr/bin/setsid", "java", "cp", List.of(), "sleeping", 0, 0, Path.of("/s"), null);
        final List<String> command = launch.command(DemoLayout.plan(1, 0, 8080, 2552, 8472).nodes().get(0), "127.0.0.1:2552");

        assertThat(command.subList(0, 2)).containsExactly("/usr/bin/setsid", "java");
        assertThat(command).doesNotContain("--pods");
    }

    @Test
    void shouldUseThisJvmsJavaAndClassPath()
    {
        final AgentLaunch launch = AgentLaunch.ofThisJvm(" -Xmx128m  -XX:+UseSerialGC ", "efficient", 30_000, 0, Path.of("/s"));

        assertThat(launch.java()).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(launch.classPath()).isEqualTo(System.getProperty("java.class.path"));
        assertThat(launch.jvmOptions()).containsExactly("-Xmx128m", "-XX:+UseSerialGC");
    }

    @Test
    void shouldRemoveTheLaunchersPodnetVariablesFromTheAgentsEnvironmentAndGiveThemTheDemosSecret()
    {
        final Map<String, String> env = new HashMap<>(Map.of("PODNET_POD_CIDR", "10.244.1.0/24", "PODNET_SEEDS", "x:1",
            "PODNET_CLUSTER_SECRET", "the-launchers-own-secret", "PATH", "/usr/bin"));

        AgentLaunch.cleanEnvironment(env);

        assertThat(env).containsOnlyKeys("PATH", "PODNET_CLUSTER_SECRET");
        assertThat(env.get("PODNET_CLUSTER_SECRET")).as("128 random bits, the same for every agent of this demo")
            .matches("[0-9a-f]{32}");
        final Map<String, String> another = new HashMap<>();
        AgentLaunch.cleanEnvironment(another);
        assertThat(another).isEqualTo(Map.of("PODNET_CLUSTER_SECRET", env.get("PODNET_CLUSTER_SECRET")));
    }

    @Test
    void shouldStartAPackWithAnAgentPerNodeAndTheHeapTimesItsAgents()
    {
        final AgentLaunch launch = new AgentLaunch(null, "/jdk/bin/java", "/podnet.jar", List.of("-Xms16m", "-Xmx96m", "-XX:+UseSerialGC"),
            "efficient", 500, 15_000, Path.of("/s"), null);
        final List<DemoLayout.Node> pack = DemoLayout.plan(4, 1, 8080, 2552, 8472, 2).jvms().get(1);

        assertThat(launch.command(pack, node -> "127.0.0.1:2552")).containsExactly(
            "/jdk/bin/java", "-Xms16m", "-Xmx192m", "-XX:+UseSerialGC",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-cp", "/podnet.jar", "dev.podnet.agent.PodnetMain", "pack", "--stop-on-stdin-close",
            "--agent", "--node node-3 --seeds 127.0.0.1:2552 --advertised-host 127.0.0.1 --cluster-bind 127.0.0.1 --cluster-port 2554 " +
                "--tunnel-bind 127.0.0.1 --tunnel-port 8474 --api-bind 127.0.0.1 --api-port 8082 --idle-mode efficient " +
                "--tunnel-idle-ms 500 --acceptable-pause-ms 15000 --state-dir /s/node-3 --pods c1 --cluster-tls off",
            "--agent", "--node node-4 --seeds 127.0.0.1:2552 --advertised-host 127.0.0.1 --cluster-bind 127.0.0.1 --cluster-port 2555 " +
                "--tunnel-bind 127.0.0.1 --tunnel-port 8475 --api-bind 127.0.0.1 --api-port 8083 --idle-mode efficient " +
                "--tunnel-idle-ms 500 --acceptable-pause-ms 15000 --state-dir /s/node-4 --pods d1 --cluster-tls off");
    }
}
