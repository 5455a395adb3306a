package dev.podnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.dataplane.Node;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.testing.Http;
import dev.podnet.testing.RealPodTesting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.podnet.testing.RealPodTesting.inNetns;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code podnet-cni} driven the way the CNI project's own tools (cnitool, libcni, the plugins' test
 * utilities) drive a plugin: a network namespace made first, then the plugin executable run with
 * {@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME}, {@code CNI_PATH} and the
 * network configuration on stdin, with {@code prevResult} (the ADD's result) added for CHECK and DEL as
 * libcni does; results and errors read from stdout. The agent is a real node in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CniPluginTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NETNS = "pn-tap-cni";
    private static final String CONTAINER = "0123456789abcdef0123456789abcdef";
    private RealPodTesting.LocalNode local;
    private Node node;
    private String emulatedIp;

    private record Result(int exitCode, JsonNode json, String stdout)
    {
    }

    @BeforeAll
    void startNode()
    {
        RealPodTesting.require("ping");
        RealPodTesting.deleteNetns(NETNS);
        local = RealPodTesting.LocalNode.start("pn-tap-cni-node", "10.244.9.0/24");
        node = local.node();
        emulatedIp = Http.post(agent() + "/api/v1/pods", "{\"name\":\"emu\"}").json().get("ip").asText();
    }

    @AfterAll
    void stopNode()
    {
        if (local != null)
        {
            local.close();
        }
        RealPodTesting.deleteNetns(NETNS);
    }

    @Test
    void shouldAddCheckAndDeleteTwiceAContainerWhoseKernelThenUsesPodnet()
    {
        RealPodTesting.run(List.of("ip", "netns", "add", NETNS)).ok();
        final String netns = "/run/netns/" + NETNS;

        final Result status = plugin("STATUS", netns, config(), Map.of());
        assertThat(status.exitCode()).as(status.stdout()).isZero();

        final Result add = plugin("ADD", netns, config(), Map.of());
        assertThat(add.exitCode()).as(add.stdout()).isZero();
        final JsonNode result = add.json();
        assertThat(result.get("cniVersion").asText()).isEqualTo("1.1.0");
        final JsonNode iface = result.get("interfaces").get(0);
        assertThat(iface.get("name").asText()).isEqualTo("eth0");
        assertThat(iface.get("sandbox").asText()).isEqualTo(netns);
        assertThat(iface.get("mac").asText()).startsWith("0a:58:0a:f4:09:");
        assertThat(iface.get("mtu").asInt()).isEqualTo(node.config().pod().mtu());
        final JsonNode ip = result.get("ips").get(0);
        assertThat(ip.get("interface").asInt()).isZero();
        assertThat(ip.get("address").asText()).matches("10\\.244\\.9\\.\\d+/24");
        assertThat(ip.get("gateway").asText()).isEqualTo("10.244.9.1");
        assertThat(result.get("routes").get(0).get("dst").asText()).isEqualTo("0.0.0.0/0");
        assertThat(result.get("routes").get(0).get("gw").asText()).isEqualTo("10.244.9.1");
        assertThat(result.get("dns").get("nameservers").toString()).as("the cluster DNS").isEqualTo("[\"10.96.0.10\"]");
        assertThat(result.get("dns").get("search").get(0).asText()).isEqualTo("default.svc.cluster.local");

        // the interface, its address and the route exist inside the namespace, and traffic flows
        final String address = ip.get("address").asText();
        assertThat(inNetns(NETNS, "ip", "-o", "-4", "addr", "show", "dev", "eth0").ok().output()).contains(address);
        assertThat(inNetns(NETNS, "ip", "route", "show", "default").ok().output()).contains("via 10.244.9.1 dev eth0");
        assertThat(inNetns(NETNS, "ping", "-c", "1", "-W", "2", emulatedIp).ok().output()).contains("1 received");
        final JsonNode pod = Http.get(agent() + "/api/v1/pods/" + PodnetCni.podName(CONTAINER, "eth0")).json();
        assertThat(pod.get("netns").asText()).isEqualTo(netns);

        final Result check = plugin("CHECK", netns, withPrevResult(result), Map.of());
        assertThat(check.exitCode()).as(check.stdout()).isZero();
        assertThat(check.stdout()).isEmpty();

        final Result del = plugin("DEL", netns, withPrevResult(result), Map.of());
        assertThat(del.exitCode()).as(del.stdout()).isZero();
        assertThat(inNetns(NETNS, "ip", "link", "show", "eth0").exitCode()).as("the interface is gone").isNotZero();
        assertThat(RealPodTesting.run(List.of("ip", "netns", "list")).output())
            .as("the runtime's namespace is the runtime's: the plugin leaves it").contains(NETNS);
        final Result again = plugin("DEL", netns, withPrevResult(result), Map.of());
        assertThat(again.exitCode()).as("DEL is idempotent: " + again.stdout()).isZero();
        final Result withoutNetns = plugin("DEL", null, config(), Map.of());
        assertThat(withoutNetns.exitCode()).as("DEL without CNI_NETNS cleans up what it can: " + withoutNetns.stdout()).isZero();

        final Result stale = plugin("CHECK", netns, withPrevResult(result), Map.of());
        assertThat(stale.exitCode()).isNotZero();
        assertThat(stale.json().get("code").asInt()).isEqualTo(3);
    }

    @Test
    void shouldGarbageCollectTheAttachmentsTheRuntimeNoLongerKnows()
    {
        RealPodTesting.run(List.of("ip", "netns", "add", "pn-tap-gc")).ok();
        try
        {
            final Result add = plugin("ADD", "/run/netns/pn-tap-gc", config(), Map.of("CNI_CONTAINERID", "feedfacecafe0001"));
            assertThat(add.exitCode()).as(add.stdout()).isZero();
            final String pod = PodnetCni.podName("feedfacecafe0001", "eth0");
            final String keep = config().replace("\"type\"", "\"cni.dev/valid-attachments\":[{\"containerID\":\"feedfacecafe0001\"," +
                "\"ifname\":\"eth0\"}],\"type\"");
            assertThat(plugin("GC", null, keep, Map.of()).exitCode()).isZero();
            assertThat(Http.get(agent() + "/api/v1/pods/" + pod).status()).as("a valid attachment stays").isEqualTo(200);

            final String none = config().replace("\"type\"", "\"cni.dev/valid-attachments\":[],\"type\"");
            assertThat(plugin("GC", null, none, Map.of()).exitCode()).isZero();
            assertThat(Http.get(agent() + "/api/v1/pods/" + pod).status()).as("a stale attachment goes").isEqualTo(404);
            assertThat(Http.get(agent() + "/api/v1/pods/emu").status()).as("pods the plugin did not make stay").isEqualTo(200);
        }
        finally
        {
            RealPodTesting.deleteNetns("pn-tap-gc");
        }
    }

    @Test
    void shouldAnswerVersionWithTheSpecVersionsItSpeaks()
    {
        final Result version = plugin("VERSION", null, "{\"cniVersion\":\"1.0.0\"}", Map.of());
        assertThat(version.exitCode()).isZero();
        assertThat(version.json().get("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(version.json().get("supportedVersions").toString()).contains("1.1.0").contains("1.0.0");
    }

    @Test
    void shouldAnswerTheSpecsErrorResultWithItsWellKnownCodes()
    {
        final Result missing = plugin("ADD", null, config(), Map.of());
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.json().get("code").asInt()).as(missing.stdout()).isEqualTo(4);
        assertThat(missing.json().get("msg").asText()).contains("CNI_NETNS");
        assertThat(missing.json().get("cniVersion").asText()).isEqualTo("1.1.0");

        final Result version = plugin("ADD", "/run/netns/x", config().replace("1.1.0", "0.2.0"), Map.of());
        assertThat(version.json().get("code").asInt()).as(version.stdout()).isEqualTo(1);

        final Result garbage = plugin("ADD", "/run/netns/x", "{not json", Map.of());
        assertThat(garbage.json().get("code").asInt()).as(garbage.stdout()).isEqualTo(6);

        final Result noSuchNetns = plugin("ADD", "/run/netns/pn-tap-none", config(), Map.of());
        assertThat(noSuchNetns.json().get("code").asInt()).as(noSuchNetns.stdout()).isEqualTo(100);
        assertThat(noSuchNetns.json().get("details").asText()).contains("does not exist");

        final Result badId = plugin("ADD", "/run/netns/x", config(), Map.of("CNI_CONTAINERID", "-bad id"));
        assertThat(badId.json().get("code").asInt()).as(badId.stdout()).isEqualTo(4);

        final Result unknown = plugin("FROB", null, config(), Map.of());
        assertThat(unknown.json().get("code").asInt()).isEqualTo(4);
    }

    @Test
    void shouldSayNotAvailableWhenNoAgentAnswers()
    {
        final String nobody = config().replace(agent(), "http://127.0.0.1:" + LoopbackPorts.freeTcpPort());
        final Result status = plugin("STATUS", null, nobody, Map.of());
        assertThat(status.exitCode()).isNotZero();
        assertThat(status.json().get("code").asInt()).as(status.stdout()).isEqualTo(50);
        assertThat(status.json().get("msg").asText()).contains("does not answer");
    }

    private String config()
    {
        return "{\"cniVersion\":\"1.1.0\",\"name\":\"podnet\",\"type\":\"podnet-cni\",\"agent\":\"" + agent() + "\"}";
    }

    /** The configuration as libcni hands it to CHECK and DEL: with the ADD's result as prevResult. */
    private String withPrevResult(final JsonNode result)
    {
        try
        {
            final ObjectNode config = (ObjectNode)JSON.readTree(config());
            config.set("prevResult", result);
            return config.toString();
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** Runs the plugin executable as a runtime does: environment, configuration on stdin, result on stdout. */
    private Result plugin(final String command, final String netns, final String stdin, final Map<String, String> extra)
    {
        final ProcessBuilder builder = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
            PodnetCni.class.getName());
        final Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("CNI_"));
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", CONTAINER);
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        if (netns != null)
        {
            env.put("CNI_NETNS", netns);
        }
        env.putAll(new HashMap<>(extra));
        try
        {
            final Process process = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (var in = process.getOutputStream())
            {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Result(process.exitValue(), out.isEmpty() ? null : JSON.readTree(out), out);
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private String agent()
    {
        return local.url("");
    }
}
