package dev.podnet.http;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.podnet.tap.RealPodSupport;

import java.util.function.Supplier;

/**
 * Whether the agent lives and whether it is ready, as a kubelet probes a pod:
 * <ul>
 *   <li>{@code GET /healthz}: {@code ok} while the process serves HTTP at all (liveness: restarting a
 *       node that waits for its lease would not help it);</li>
 *   <li>{@code GET /readyz}: {@code ok} once the node serves pods, else 503 {@code {error: "not-ready",
 *       detail}} saying why (readiness);</li>
 *   <li>{@code GET /api/v1/node}: {@link NodeStatus} as JSON, ready or not, with {@code realPods}: whether
 *       this node can attach real pods ({@code available}) and if not why ({@code reason}).</li>
 * </ul>
 * These answer from the moment the API listens; in cluster mode that is before the lease, so a node
 * that waits for one can be asked why.
 */
final class StatusApi
{
    private final Supplier<NodeStatus> status;

    StatusApi(final Supplier<NodeStatus> status)
    {
        this.status = status;
    }

    void register(final Dispatcher dispatcher)
    {
        dispatcher
            .add("GET", "/healthz", request -> ApiResponse.text("ok"))
            .add("GET", "/readyz", this::readyz)
            .add("GET", "/api/v1/node", request -> ApiResponse.ok(new NodeView(status.get(), RealPodSupport.get())));
    }

    /** {@code GET /api/v1/node}: the node's status and its capability for real pods. */
    record NodeView(@JsonUnwrapped NodeStatus status, RealPodSupport realPods)
    {
    }

    private ApiResponse readyz(final ApiRequest request)
    {
        final NodeStatus now = status.get();
        if (now.ready())
        {
            return ApiResponse.text("ok");
        }
        throw notReady(now);
    }

    /** A 503 that says why the node is not ready. */
    static ApiException notReady(final NodeStatus status)
    {
        return new ApiException(503, "not-ready", "node " + status.name() + " is not ready: " + status.reason());
    }
}
