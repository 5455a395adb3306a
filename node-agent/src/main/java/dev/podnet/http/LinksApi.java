package dev.podnet.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.LinkInfo;
import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.netem.LinkStats;
import dev.podnet.packet.Ipv4Address;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Link impairments (netem) over HTTP. A link is one direction between two nodes, and its impairment lives
 * in the data plane of the sending node, so every operation on {@code /api/v1/links/{from}/{to}} is carried
 * out by {@code from}'s agent (forwarded there in cluster mode; in static mode only this node's links exist).
 * <ul>
 *   <li>{@code PUT /api/v1/links/{from}/{to}} {@code {delay?, jitter?, ..., seed?}}: changes only the fields
 *       named ({@link ImpairmentPatch}); 200 with the link;</li>
 *   <li>{@code GET /api/v1/links/{from}/{to}}: the link, 404 when nothing is set on it;</li>
 *   <li>{@code DELETE /api/v1/links/{from}/{to}}: removes the impairment (what it held goes on at once), 204;</li>
 *   <li>{@code GET /api/v1/links}: every impaired link of the cluster, asking every node at once; nodes that
 *       do not answer are listed with why;</li>
 *   <li>{@code GET /api/v1/nodes/{node}/links}: one node's.</li>
 * </ul>
 */
final class LinksApi
{
    /**
     * One impaired link: {@code tunnel} is the receiving node's tunnel address (null while there is no route
     * to it), {@code impairment} one line in tc's words, {@code settings} the fields set, {@code stats} what it did.
     */
    record Link(String from, String to, String tunnel, String impairment, Map<String, Object> settings, LinkStats stats)
    {
        static Link of(final LinkInfo info)
        {
            return new Link(info.from(), info.to(), info.peer() == 0 ? null : Ipv4Address.format(info.peer()),
                info.impairment().describe(), info.impairment().fields(), info.stats());
        }
    }

    /** A node that did not say what its links are. */
    record Unanswered(String node, String error)
    {
    }

    record AllLinks(List<Link> links, List<Unanswered> unanswered)
    {
    }

    private static final TypeReference<List<Link>> LINKS = new TypeReference<>()
    {
    };

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final DataPlaneProxy proxy;
    private final String self;
    private final Duration quick;
    /** The cluster (forwarding, other nodes' links), or null in static mode. */
    private final ClusterApi cluster;

    LinksApi(final DataPlaneProxy proxy, final String self, final Duration quick, final ClusterApi cluster)
    {
        this.proxy = proxy;
        this.self = self;
        this.quick = quick;
        this.cluster = cluster;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/api/v1/links", this::all)
            .add("GET", "/api/v1/links/{from}/{to}", request -> onFrom(request, this::getHere))
            .add("PUT", "/api/v1/links/{from}/{to}", request -> onFrom(request, this::setHere))
            .add("DELETE", "/api/v1/links/{from}/{to}", request -> onFrom(request, this::clearHere));
        if (cluster != null)
        {
            dispatcher.add("GET", "/api/v1/nodes/{node}/links", request -> cluster.onNode(request, this::listHere));
        }
    }

    /** This node's impaired links. */
    List<Link> here() throws InterruptedException
    {
        return Await.await(proxy.links(), quick, "reading the links").stream().map(Link::of).toList();
    }

    private ApiResponse listHere(final ApiRequest request) throws InterruptedException
    {
        return ApiResponse.ok(here());
    }

    private ApiResponse all(final ApiRequest request) throws Exception
    {
        final List<Link> links = new ArrayList<>(here());
        final List<Unanswered> unanswered = new ArrayList<>();
        if (cluster != null)
        {
            for (final ClusterApi.NodeAnswer answer : cluster.askOthers(node -> "/api/v1/nodes/" + node + "/links"))
            {
                try
                {
                    if (answer.error() != null)
                    {
                        unanswered.add(new Unanswered(answer.node(), answer.error()));
                    }
                    else
                    {
                        links.addAll(mapper.readValue(answer.body(), LINKS));
                    }
                }
                catch (final IOException ex)
                {
                    unanswered.add(new Unanswered(answer.node(), "unreadable answer: " + ex.getMessage()));
                }
            }
        }
        links.sort(Comparator.comparing(Link::from, NaturalOrder.COMPARATOR).thenComparing(Link::to, NaturalOrder.COMPARATOR));
        return ApiResponse.ok(new AllLinks(links, unanswered));
    }

    /** Carried out by the agent of the link's sending node. */
    private ApiResponse onFrom(final ApiRequest request, final Dispatcher.Handler handler) throws Exception
    {
        final String from = request.param("from");
        if (from.equals(self))
        {
            return handler.handle(request);
        }
        if (cluster == null)
        {
            throw ApiException.notFound("node " + from + " is not this node (" + self + "): in static mode an agent has " +
                "only the links from itself");
        }
        return cluster.onNode(request.withParam("node", from), handler);
    }

    private String knownTarget(final ApiRequest request) throws InterruptedException
    {
        final String to = request.param("to");
        if (cluster != null)
        {
            cluster.directory().node(to); // 404 for a node nobody knows
        }
        return to;
    }

    private ApiResponse getHere(final ApiRequest request) throws InterruptedException
    {
        final String to = request.param("to");
        return ApiResponse.ok(here().stream()
            .filter(link -> link.to().equals(to))
            .findFirst()
            .orElseThrow(() -> ApiException.notFound("nothing is set on the link from " + self + " to " + to)));
    }

    private ApiResponse setHere(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json(ImpairmentPatch.FIELDS.toArray(new String[0]));
        final ImpairmentPatch patch;
        try
        {
            patch = ImpairmentPatch.of(body.scalars());
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest(ex.getMessage());
        }
        final String to = knownTarget(request);
        final LinkInfo link = Await.await(proxy.setLink(to, patch), quick, "impairing the link to " + to);
        return ApiResponse.ok(Link.of(link));
    }

    private ApiResponse clearHere(final ApiRequest request) throws InterruptedException
    {
        final String to = request.param("to");
        if (!Await.await(proxy.clearLink(to), quick, "clearing the link to " + to))
        {
            throw ApiException.notFound("nothing is set on the link from " + self + " to " + to);
        }
        return ApiResponse.noContent();
    }
}
