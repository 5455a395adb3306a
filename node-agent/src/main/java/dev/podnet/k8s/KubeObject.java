package dev.podnet.k8s;

import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.dataplane.PodSpec;

import java.util.List;

/**
 * One object of a manifest, parsed and validated into podnet's records: what {@code apply} creates or
 * updates and {@code delete -f} deletes.
 */
public sealed interface KubeObject permits KubeObject.Namespace, KubeObject.Pod, KubeObject.Service
{
    /** {@code Namespace}, {@code Pod} or {@code Service}. */
    String kind();

    /** The object's namespace ("" for a Namespace, which has none). */
    String namespace();

    String name();

    /** What of the document podnet accepted but does not emulate, one line each. */
    List<String> warnings();

    /** kubectl's name for it: {@code service/web}. */
    default String reference()
    {
        return kind().toLowerCase(java.util.Locale.ROOT) + "/" + name();
    }

    record Namespace(NamespaceInfo info, List<String> warnings) implements KubeObject
    {
        @Override
        public String kind()
        {
            return "Namespace";
        }

        @Override
        public String namespace()
        {
            return "";
        }

        @Override
        public String name()
        {
            return info.name();
        }
    }

    /**
     * @param spec     the pod
     * @param nodeName {@code spec.nodeName}: where it runs; null to let the cluster place it
     */
    record Pod(PodSpec spec, String nodeName, List<String> warnings) implements KubeObject
    {
        @Override
        public String kind()
        {
            return "Pod";
        }

        @Override
        public String namespace()
        {
            return spec.namespace();
        }

        @Override
        public String name()
        {
            return spec.name();
        }
    }

    record Service(ServiceInfo service, List<String> warnings) implements KubeObject
    {
        @Override
        public String kind()
        {
            return "Service";
        }

        @Override
        public String namespace()
        {
            return service.namespace();
        }

        @Override
        public String name()
        {
            return service.name();
        }
    }
}
