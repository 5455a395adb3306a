package dev.podnet.http;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.MacAddress;

import java.time.Duration;

/**
 * Static configuration of the overlay: remote pod endpoints and routes to other nodes, pushed by
 * whoever drives the agent (a test, a script) in static mode. In cluster mode the control plane does
 * this from leases and replicated pod tables, and these routes answer 409 (its next change would undo
 * a hand-made one); the tables are still read through {@code GET /api/v1/routes} and {@code /endpoints}.
 * <ul>
 *   <li>{@code PUT /api/v1/endpoints {ip, mac, node, pod?}} adds or replaces a remote pod (204);</li>
 *   <li>{@code DELETE /api/v1/endpoints/{ip}} forgets it (204, 404 if unknown);</li>
 *   <li>{@code PUT /api/v1/routes {node, cidr, host, port}} routes a CIDR through the tunnel (204);</li>
 *   <li>{@code DELETE /api/v1/routes?cidr=a.b.c.d/n} withdraws it (204, 404 if unknown).</li>
 * </ul>
 */
final class StaticConfigApi
{
    static final String MANAGED = "routes and endpoints are managed by the control plane";

    private final DataPlaneProxy proxy;
    /** Bound for each command, which the data plane answers within a duty cycle. */
    private final Duration quick;
    private final boolean managedByControlPlane;

    /**
     * @param managedByControlPlane cluster mode: every route here answers 409 {@value #MANAGED}
     */
    StaticConfigApi(final DataPlaneProxy proxy, final Duration commandTimeout, final boolean managedByControlPlane)
    {
        this.proxy = proxy;
        this.quick = commandTimeout;
        this.managedByControlPlane = managedByControlPlane;
    }

    void register(final Dispatcher dispatcher)
    {
        if (managedByControlPlane)
        {
            final Dispatcher.Handler refuse = request ->
            {
                throw new ApiException(409, "conflict", MANAGED);
            };
            dispatcher
                .add("PUT", "/api/v1/endpoints", refuse)
                .add("DELETE", "/api/v1/endpoints/{ip}", refuse)
                .add("PUT", "/api/v1/routes", refuse)
                .add("DELETE", "/api/v1/routes", refuse);
            return;
        }
        dispatcher
            .add("PUT", "/api/v1/endpoints", this::putEndpoint)
            .add("DELETE", "/api/v1/endpoints/{ip}", this::deleteEndpoint)
            .add("PUT", "/api/v1/routes", this::putRoute)
            .add("DELETE", "/api/v1/routes", this::deleteRoute);
    }

    private ApiResponse putEndpoint(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("ip", "mac", "node", "pod");
        final int ip = ip("ip", body.requiredString("ip"));
        final long mac = mac(body.requiredString("mac"));
        final String node = dnsLabel("node", body.requiredString("node"));
        final String pod = body.optionalString("pod");
        if (pod != null)
        {
            dnsLabel("pod", pod);
        }
        Await.await(proxy.putEndpoint(new Endpoint(ip, mac, node, pod)), quick, "putting endpoint " + Ipv4Address.format(ip));
        return ApiResponse.noContent();
    }

    private ApiResponse deleteEndpoint(final ApiRequest request) throws InterruptedException
    {
        final int ip = ip("ip", request.param("ip"));
        if (!Await.await(proxy.removeEndpoint(ip), quick, "removing endpoint " + Ipv4Address.format(ip)))
        {
            throw ApiException.notFound("no endpoint " + Ipv4Address.format(ip));
        }
        return ApiResponse.noContent();
    }

    private ApiResponse putRoute(final ApiRequest request) throws InterruptedException
    {
        final JsonBody body = request.json("node", "cidr", "host", "port");
        final String node = dnsLabel("node", body.requiredString("node"));
        final Ipv4Cidr cidr = cidr("cidr", body.requiredString("cidr"));
        final String host = body.requiredString("host");
        final int port = body.requiredInt("port", 1, 65535);
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace))
        {
            throw ApiException.badRequest("field 'host': '" + host + "' is not a host name or address");
        }
        Await.await(proxy.addRoute(node, cidr, host, port), quick, "adding the route to " + cidr);
        return ApiResponse.noContent();
    }

    private ApiResponse deleteRoute(final ApiRequest request) throws InterruptedException
    {
        final String text = request.query("cidr");
        if (text == null)
        {
            throw ApiException.badRequest("missing query parameter 'cidr' (e.g. ?cidr=10.244.2.0/24)");
        }
        final Ipv4Cidr cidr = cidr("query parameter 'cidr'", text);
        if (!Await.await(proxy.removeRoute(cidr), quick, "removing the route to " + cidr))
        {
            throw ApiException.notFound("no route to " + cidr);
        }
        return ApiResponse.noContent();
    }

    private static int ip(final String what, final String text)
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest(what + ": " + ex.getMessage());
        }
    }

    private static long mac(final String text)
    {
        final long mac;
        try
        {
            mac = MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest("field 'mac': " + ex.getMessage());
        }
        if (mac == MacAddress.ZERO || MacAddress.isMulticast(mac))
        {
            throw ApiException.badRequest("field 'mac': " + text + " is not a unicast MAC");
        }
        return mac;
    }

    private static Ipv4Cidr cidr(final String what, final String text)
    {
        try
        {
            return Ipv4Cidr.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ApiException.badRequest(what + ": " + ex.getMessage());
        }
    }

    private static String dnsLabel(final String field, final String value)
    {
        if (!NodeConfig.isDnsLabel(value))
        {
            throw ApiException.badRequest("field '" + field + "': '" + value + "' is not a DNS-1123 label " +
                "(lower-case letters, digits and '-', 1..63 characters, starting and ending with a letter or digit)");
        }
        return value;
    }
}
