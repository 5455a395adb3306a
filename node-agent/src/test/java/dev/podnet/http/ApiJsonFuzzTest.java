package dev.podnet.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the API's JSON bodies, over HTTP against a real agent API and data
 * plane: any body sent to a route that takes one is answered with a status the API documents (2xx, or a
 * 4xx/5xx error with {@code {error, detail}}), never a 500, a hang or a dropped connection. Pod operations go
 * to a pod that does not exist, so a well-formed one ends at the data plane's 404 instead of running.
 * Regression run of the corpus by default, fuzzing with {@code JAZZER_FUZZ=1} (docs/FUZZING.md).
 */
class ApiJsonFuzzTest
{
    private static final List<String[]> ROUTES = List.of(
        new String[] {"POST", "/api/v1/pods/ghost/ping"},
        new String[] {"POST", "/api/v1/pods/ghost/traceroute"},
        new String[] {"POST", "/api/v1/pods/ghost/udp"},
        new String[] {"POST", "/api/v1/pods"},
        new String[] {"PUT", "/api/v1/endpoints"},
        new String[] {"PUT", "/api/v1/routes"});
    private static final Set<Integer> DOCUMENTED = Set.of(200, 201, 204, 400, 404, 409, 413, 503);
    private static Node node;
    private static ApiServer api;

    @BeforeAll
    static void start()
    {
        node = Node.start(NodeConfig.defaults("node-1", Ipv4Cidr.parse("10.244.1.0/24")));
        api = ApiServer.start("127.0.0.1", 0, node.proxy(), "node-1");
    }

    @AfterAll
    static void stop()
    {
        if (api != null)
        {
            api.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    /** First byte: the route; the rest: the body. */
    @FuzzTest(maxDuration = "10s")
    void anyBodyGetsADocumentedAnswer(final byte[] input) throws Exception
    {
        if (input.length < 1)
        {
            return;
        }
        final String[] route = ROUTES.get((input[0] & 0xFF) % ROUTES.size());
        final int bodyLength = input.length - 1;
        // the fuzz test talks to the API it started, from this thread: Jazzer's SSRF detector lets it, there only
        BugDetectors.allowNetworkConnections((host, port) -> port == api.port());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port()))
        {
            socket.setSoTimeout(20_000);
            final OutputStream out = socket.getOutputStream();
            out.write((route[0] + " " + route[1] + " HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n" +
                "Content-Length: " + bodyLength + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(input, 1, bodyLength);
            out.flush();
            final String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).as(route[0] + " " + route[1]).startsWith("HTTP/1.1 ");
            final int status = Integer.parseInt(reply.substring(9, 12));
            assertThat(status).as(route[0] + " " + route[1] + ": " + reply).isIn(DOCUMENTED);
            if (status >= 400)
            {
                assertThat(reply).as(route[1]).contains("\"error\":").contains("\"detail\":");
            }
        }
    }
}
