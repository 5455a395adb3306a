package dev.podnet.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podnet.tap.Namespaces;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code podnet-cni}: a CNI plugin (spec 1.1) that makes the container a real pod of the node whose
 * agent runs on this machine, so a container runtime can use podnet as its network.
 * <p>
 * The runtime runs it with {@code CNI_COMMAND} and the other {@code CNI_*} variables, and the network
 * configuration on stdin; the plugin asks the local agent's HTTP API ({@code "agent"} in the
 * configuration, default {@code http://127.0.0.1:8080}):
 * <ul>
 *   <li>{@code ADD}: {@code POST /api/v1/pods {name, node, netns: CNI_NETNS, ifname: CNI_IFNAME}}; the pod is
 *       named after the container ({@code cni-} and the first 12 characters of its id, plus the interface
 *       name when it is not {@code eth0}); prints the result: the interface (name, MAC, MTU, sandbox), its
 *       address with the gateway, the default route;</li>
 *   <li>{@code DEL}: {@code DELETE /api/v1/pods/NAME}; a pod that is not there is success (DEL is idempotent);</li>
 *   <li>{@code CHECK}: the pod exists with {@code prevResult}'s address and MAC, the node is Ready, and the
 *       interface has the address inside the namespace;</li>
 *   <li>{@code STATUS}: the agent answers, its node is Ready and can attach real pods; else error 50;</li>
 *   <li>{@code GC}: deletes this node's CNI pods that are not among {@code cni.dev/valid-attachments};</li>
 *   <li>{@code VERSION}: the spec versions it speaks.</li>
 * </ul>
 * Errors are the spec's error result on stdout ({@code cniVersion, code, msg, details}) with exit status 1;
 * logs go to stderr.
 */
public final class PodnetCni
{
    static final List<String> SUPPORTED_VERSIONS = List.of("0.4.0", "1.0.0", "1.1.0");
    static final String DEFAULT_AGENT = "http://127.0.0.1:8080";
    private static final String LATEST = "1.1.0";
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> env;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String cniVersion = LATEST;

    PodnetCni(final Map<String, String> env, final PrintStream out)
    {
        this.env = env;
        this.out = out;
    }

    public static void main(final String[] args)
    {
        System.exit(new PodnetCni(System.getenv(), System.out).run(System.in));
    }

    /** Runs the command in {@code CNI_COMMAND}; the exit status. */
    int run(final InputStream stdin)
    {
        try
        {
            final String command = required("CNI_COMMAND");
            final JsonNode config = readConfig(stdin, command);
            switch (command)
            {
                case "VERSION":
                    version(config);
                    break;
                case "ADD":
                    add(config);
                    break;
                case "DEL":
                    del(config);
                    break;
                case "CHECK":
                    check(config);
                    break;
                case "STATUS":
                    status(config);
                    break;
                case "GC":
                    gc(config);
                    break;
                default:
                    throw new CniException(CniException.INVALID_ENVIRONMENT, "unknown CNI_COMMAND '" + command + "'",
                        "expected one of ADD, DEL, CHECK, STATUS, GC, VERSION");
            }
            out.flush();
            return 0;
        }
        catch (final CniException ex)
        {
            final ObjectNode error = JsonNodeFactory.instance.objectNode()
                .put("cniVersion", cniVersion)
                .put("code", ex.code())
                .put("msg", ex.getMessage());
            if (ex.details() != null)
            {
                error.put("details", ex.details());
            }
            out.println(error);
            out.flush();
            System.err.println("podnet-cni: " + ex.getMessage() + (ex.details() == null ? "" : ": " + ex.details()));
            return 1;
        }
    }

    // ---------------------------------------------------------------- commands

    private void version(final JsonNode config)
    {
        final ObjectNode result = JsonNodeFactory.instance.objectNode().put("cniVersion", cniVersion);
        final ArrayNode versions = result.putArray("supportedVersions");
        SUPPORTED_VERSIONS.forEach(versions::add);
        out.println(result);
    }

    private void add(final JsonNode config)
    {
        final String containerId = containerId();
        final String netns = required("CNI_NETNS");
        final String ifname = required("CNI_IFNAME");
        final String agent = agent(config);
        final JsonNode node = agentNode(agent, CniException.TRY_AGAIN_LATER);
        final ObjectNode body = JsonNodeFactory.instance.objectNode()
            .put("name", podName(containerId, ifname))
            .put("node", node.get("name").asText())
            .put("netns", netns)
            .put("ifname", ifname);
        final Reply reply = call(agent, "POST", "/api/v1/pods", body.toString());
        if (reply.status() != 201)
        {
            throw refused(reply, "the agent did not attach the container");
        }
        final JsonNode pod = reply.json();
        final String gateway = pod.get("gateway").asText();
        final ObjectNode result = JsonNodeFactory.instance.objectNode().put("cniVersion", cniVersion);
        final ObjectNode iface = result.putArray("interfaces").addObject()
            .put("name", pod.get("ifname").asText())
            .put("mac", pod.get("mac").asText());
        if (cniVersion.equals("1.1.0"))
        {
            iface.put("mtu", pod.get("mtu").asInt());
        }
        iface.put("sandbox", netns);
        final ObjectNode ip = result.putArray("ips").addObject();
        if (cniVersion.equals("0.4.0"))
        {
            ip.put("version", "4");
        }
        ip.put("interface", 0)
            .put("address", pod.get("ip").asText() + "/" + pod.get("prefixLength").asInt())
            .put("gateway", gateway);
        result.putArray("routes").addObject().put("dst", "0.0.0.0/0").put("gw", gateway);
        final ObjectNode dns = result.putObject("dns");
        if (pod.path("dns").isObject())
        {
            // the cluster DNS; a runtime that writes resolv.conf from CNI results uses it (the kubelet writes its own)
            dns.setAll((ObjectNode)pod.get("dns"));
        }
        out.println(result);
    }

    private void del(final JsonNode config)
    {
        final String name = podName(containerId(), required("CNI_IFNAME"));
        final Reply reply = call(config == null ? DEFAULT_AGENT : agent(config), "DELETE", "/api/v1/pods/" + encode(name), null);
        if (reply.status() != 204 && reply.status() != 404)
        {
            throw refused(reply, "the agent did not delete pod " + name);
        }
    }

    private void check(final JsonNode config)
    {
        final String containerId = containerId();
        final String netns = required("CNI_NETNS");
        final String ifname = required("CNI_IFNAME");
        final JsonNode previous = config.get("prevResult");
        if (previous == null || !previous.isObject())
        {
            throw new CniException(CniException.INVALID_CONFIG, "CHECK needs prevResult",
                "the network configuration has no prevResult (the result of the ADD)");
        }
        final String agent = agent(config);
        final JsonNode node = agentNode(agent, CniException.CHECK_FAILED);
        if (!node.path("ready").asBoolean())
        {
            throw new CniException(CniException.CHECK_FAILED, "node " + node.path("name").asText() + " is not ready",
                node.path("reason").asText());
        }
        final String name = podName(containerId, ifname);
        final Reply reply = call(agent, "GET", "/api/v1/pods/" + encode(name), null);
        if (reply.status() == 404)
        {
            throw new CniException(CniException.UNKNOWN_CONTAINER, "pod " + name + " does not exist", reply.body());
        }
        if (reply.status() != 200)
        {
            throw refused(reply, "the agent did not show pod " + name);
        }
        final JsonNode pod = reply.json();
        final String address = previous.path("ips").path(0).path("address").asText();
        final String mac = previous.path("interfaces").path(0).path("mac").asText();
        if (!address.startsWith(pod.get("ip").asText() + "/") || !mac.equalsIgnoreCase(pod.get("mac").asText()))
        {
            throw new CniException(CniException.CHECK_FAILED, "pod " + name + " is not what ADD made",
                "prevResult has " + address + " " + mac + ", the agent has " + pod.get("ip").asText() + " " +
                    pod.get("mac").asText());
        }
        if (!netns.equals(pod.path("netns").asText()))
        {
            throw new CniException(CniException.CHECK_FAILED, "pod " + name + " is not in " + netns, pod.toString());
        }
        final String inside = Namespaces.addresses(Path.of(netns), ifname);
        if (!inside.contains(" " + address + " "))
        {
            throw new CniException(CniException.CHECK_FAILED, "interface " + ifname + " in " + netns + " does not have " + address,
                inside.isEmpty() ? "no such interface" : inside);
        }
    }

    private void status(final JsonNode config)
    {
        final JsonNode node = agentNode(agent(config), CniException.NOT_AVAILABLE);
        if (!node.path("ready").asBoolean())
        {
            throw new CniException(CniException.NOT_AVAILABLE, "node " + node.path("name").asText() + " is not ready",
                node.path("reason").asText());
        }
        final JsonNode realPods = node.path("realPods");
        if (!realPods.path("available").asBoolean())
        {
            throw new CniException(CniException.NOT_AVAILABLE, "node " + node.path("name").asText() + " cannot attach real pods",
                realPods.path("reason").asText());
        }
    }

    private void gc(final JsonNode config)
    {
        final String agent = agent(config);
        final String self = agentNode(agent, CniException.TRY_AGAIN_LATER).get("name").asText();
        final Set<String> valid = new HashSet<>();
        for (final JsonNode attachment : config.path("cni.dev/valid-attachments"))
        {
            valid.add(podName(attachment.path("containerID").asText(), attachment.path("ifname").asText("eth0")));
        }
        final Reply pods = call(agent, "GET", "/api/v1/pods", null);
        if (pods.status() != 200)
        {
            throw refused(pods, "the agent did not list its pods");
        }
        for (final JsonNode pod : pods.json())
        {
            final String name = pod.path("name").asText();
            if (self.equals(pod.path("node").asText()) && !pod.path("netns").isNull() && name.startsWith("cni-") &&
                !valid.contains(name))
            {
                final Reply deleted = call(agent, "DELETE", "/api/v1/pods/" + encode(name), null);
                System.err.println("podnet-cni: GC deleted stale pod " + name + " (" + deleted.status() + ")");
            }
        }
    }

    // ---------------------------------------------------------------- parts

    /**
     * The pod a container's attachment is: {@code cni-} and the first 12 characters of the container id
     * (lower-cased, anything but letters and digits made '-'), then {@code -IFNAME} unless it is eth0.
     */
    static String podName(final String containerId, final String ifname)
    {
        final String id = containerId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        String name = "cni-" + id.substring(0, Math.min(12, id.length()));
        if (!"eth0".equals(ifname))
        {
            name += "-" + ifname.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        }
        name = name.replaceAll("-+$", "");
        return name.length() > 63 ? name.substring(0, 63).replaceAll("-+$", "") : name;
    }

    private String containerId()
    {
        final String id = required("CNI_CONTAINERID");
        if (!CONTAINER_ID.matcher(id).matches())
        {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "invalid CNI_CONTAINERID '" + id + "'",
                "it must start with a letter or digit, followed by letters, digits, '_', '.' or '-'");
        }
        return id;
    }

    private String required(final String variable)
    {
        final String value = env.get(variable);
        if (value == null || value.isEmpty())
        {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "missing environment variable " + variable, null);
        }
        return value;
    }

    /** The network configuration: required, with a cniVersion this plugin speaks; optional for VERSION and DEL. */
    private JsonNode readConfig(final InputStream stdin, final String command)
    {
        final byte[] bytes;
        try
        {
            bytes = stdin.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.IO_FAILURE, "cannot read the network configuration on stdin", ex.toString());
        }
        if (new String(bytes, StandardCharsets.UTF_8).isBlank())
        {
            if (command.equals("VERSION"))
            {
                return null;
            }
            throw new CniException(CniException.DECODING_FAILURE, "no network configuration on stdin", null);
        }
        final JsonNode config;
        try
        {
            config = JSON.readTree(bytes);
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.DECODING_FAILURE, "the network configuration is not JSON",
                ex instanceof JsonProcessingException json ? json.getOriginalMessage() : ex.toString());
        }
        if (config == null || !config.isObject())
        {
            throw new CniException(CniException.DECODING_FAILURE, "the network configuration is not a JSON object", null);
        }
        final JsonNode version = config.get("cniVersion");
        if (version == null || !version.isTextual())
        {
            throw new CniException(CniException.INVALID_CONFIG, "the network configuration has no cniVersion", null);
        }
        if (!SUPPORTED_VERSIONS.contains(version.asText()))
        {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "incompatible CNI version " + version.asText(),
                "podnet-cni supports " + String.join(", ", SUPPORTED_VERSIONS));
        }
        cniVersion = version.asText();
        if ((command.equals("STATUS") || command.equals("GC")) && !cniVersion.equals("1.1.0"))
        {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, command + " needs CNI version 1.1.0",
                "the configuration says " + cniVersion);
        }
        return config;
    }

    private static String agent(final JsonNode config)
    {
        final JsonNode agent = config.get("agent");
        if (agent == null || agent.isNull())
        {
            return DEFAULT_AGENT;
        }
        if (!agent.isTextual() || !agent.asText().matches("https?://[^/\\s]+/?"))
        {
            throw new CniException(CniException.INVALID_CONFIG, "field 'agent' must be the agent's API, like " + DEFAULT_AGENT,
                "got " + agent);
        }
        return agent.asText().replaceAll("/$", "");
    }

    /** {@code GET /api/v1/node}: the node the local agent runs; {@code code} when it does not answer. */
    private JsonNode agentNode(final String agent, final int code)
    {
        final Reply reply = call(agent, "GET", "/api/v1/node", null, code);
        if (reply.status() != 200)
        {
            throw new CniException(code, "the agent at " + agent + " answered " + reply.status(), reply.body());
        }
        return reply.json();
    }

    private record Reply(int status, String body)
    {
        JsonNode json()
        {
            try
            {
                return JSON.readTree(body);
            }
            catch (final IOException ex)
            {
                throw new CniException(CniException.DECODING_FAILURE, "the agent answered something else than JSON", body);
            }
        }
    }

    private Reply call(final String agent, final String method, final String path, final String body)
    {
        return call(agent, method, path, body, CniException.TRY_AGAIN_LATER);
    }

    private Reply call(final String agent, final String method, final String path, final String body, final int unreachable)
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(agent + path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        }
        catch (final IOException ex)
        {
            throw new CniException(unreachable, "the podnet agent at " + agent + " does not answer",
                method + " " + path + ": " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CniException(CniException.IO_FAILURE, "interrupted", null);
        }
    }

    private static CniException refused(final Reply reply, final String what)
    {
        String detail = reply.body();
        try
        {
            detail = JSON.readTree(reply.body()).path("detail").asText(reply.body());
        }
        catch (final IOException ex)
        {
            // the body as it is
        }
        return new CniException(reply.status() == 503 ? CniException.TRY_AGAIN_LATER : CniException.AGENT_REFUSED,
            what + " (HTTP " + reply.status() + ")", detail);
    }

    private static String encode(final String name)
    {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }
}
