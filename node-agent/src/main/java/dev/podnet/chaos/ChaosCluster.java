package dev.podnet.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The containers a chaos run works on: one node agent each, on one Docker network. Each agent's API
 * is reached at its container's address on that network (port 8080), looked up again after every
 * restart, so no port needs publishing (Linux: the host routes to its bridge networks).
 */
public final class ChaosCluster implements LinkChaos.Agents
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final DockerCli docker;
    private final String network;
    /** Node name to container id or name, in node order. */
    private final Map<String, String> containers;
    private final Map<String, String> addresses = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param network the Docker network's name or id */
    public ChaosCluster(final DockerCli docker, final String network, final Map<String, String> containers)
    {
        this.docker = docker;
        // containers list their networks by name
        final DockerCli.Result name = docker.run(30, "docker", "network", "inspect", "-f", "{{.Name}}", network);
        this.network = name.ok() ? name.output().trim() : network;
        this.containers = new LinkedHashMap<>(containers);
    }

    /**
     * The containers of a Compose project ({@code docker compose -p PROJECT …}): its node agents, named by
     * their host names, on the project's network.
     */
    public static ChaosCluster compose(final DockerCli docker, final String project)
    {
        final DockerCli.Result ps = docker.run(30, "docker", "ps", "-a", "-q", "--filter", "label=com.docker.compose.project=" + project);
        if (!ps.ok() || ps.output().isBlank())
        {
            throw new IllegalArgumentException("no containers of Compose project '" + project + "' (docker ps: " +
                ps.output().trim() + "); start it with: docker compose -p " + project + " -f compose/docker-compose.yml up -d");
        }
        final Map<String, String> containers = new java.util.TreeMap<>(dev.podnet.http.NaturalOrder.COMPARATOR);
        String network = null;
        for (final String id : ps.output().trim().split("\\s+"))
        {
            containers.put(docker.state(id).hostname(), id);
            if (network == null)
            {
                final DockerCli.Result networks = docker.run(30, "docker", "inspect", "-f",
                    "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}", id);
                final String[] names = networks.output().trim().split("\\s+");
                network = names.length == 0 ? null : names[0];
            }
        }
        return new ChaosCluster(docker, network, containers);
    }

    public DockerCli docker()
    {
        return docker;
    }

    public String network()
    {
        return network;
    }

    public List<String> nodes()
    {
        return new ArrayList<>(containers.keySet());
    }

    public String container(final String node)
    {
        return containers.get(node);
    }

    /** Forgets the node's address (after a restart its container may have another one). */
    public void forget(final String node)
    {
        addresses.remove(node);
    }

    /** {@code GET path} on the node's own agent; null when it does not answer (down, partitioned, starting). */
    public JsonNode get(final String node, final String path)
    {
        return call(node, "GET", path, null);
    }

    public JsonNode post(final String node, final String path, final String body)
    {
        return call(node, "POST", path, body);
    }

    /** {@code method path} on the node's own agent: the answer of a 2xx, else null (down, partitioned, refused). */
    @Override
    public JsonNode call(final String node, final String method, final String path, final String body)
    {
        final String address = addresses.computeIfAbsent(node, name -> docker.ip(containers.get(name), network));
        if (address.isEmpty())
        {
            addresses.remove(node);
            return null;
        }
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + ":8080" + path))
            .timeout(Duration.ofSeconds(path.endsWith("/check") ? 60 : 3))
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try
        {
            final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2)
            {
                return null;
            }
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        }
        catch (final IOException ex)
        {
            addresses.remove(node);
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
