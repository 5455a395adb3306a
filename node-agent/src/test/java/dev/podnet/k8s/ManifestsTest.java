package dev.podnet.k8s;

import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.dataplane.ContainerPort;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Manifests as users write them, and the errors that name what is wrong. */
class ManifestsTest
{
    private static List<KubeObject> parse(final String text)
    {
        return Manifests.parse(text.getBytes(StandardCharsets.UTF_8), null, false);
    }

    private static final String APP = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels: {team: payments}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: shop
          labels:
            app: web
            tier: "1"
          annotations: {note: ignored quietly}
        spec:
          nodeName: node-2
          containers:
          - name: netexec
            image: registry.k8s.io/e2e-test-images/agnhost:2.47
            args: ["netexec", "--http-port=8080", "--udp-port=8081"]
            ports:
            - {name: udp, containerPort: 8081, protocol: UDP}
          restartPolicy: Always
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector: {app: web}
          sessionAffinity: ClientIP
          sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
          ports:
          - name: netexec
            protocol: UDP
            port: 80
            targetPort: udp
          - name: raw
            protocol: UDP
            port: 81
        ---
        """;

    @Test
    void shouldReadNamespacesPodsAndServicesFromSeveralDocuments()
    {
        final List<KubeObject> objects = parse(APP);

        assertThat(objects).extracting(KubeObject::reference).containsExactly("namespace/shop", "pod/web-1", "service/web");
        final KubeObject.Namespace namespace = (KubeObject.Namespace)objects.get(0);
        assertThat(namespace.info().labels()).containsEntry("team", "payments").containsEntry("kubernetes.io/metadata.name", "shop");
        final KubeObject.Pod pod = (KubeObject.Pod)objects.get(1);
        assertThat(pod.spec().namespace()).isEqualTo("shop");
        assertThat(pod.spec().labels()).isEqualTo(Map.of("app", "web", "tier", "1"));
        assertThat(pod.spec().ports()).containsExactly(new ContainerPort("udp", 8081, "UDP"));
        assertThat(pod.nodeName()).isEqualTo("node-2");
        assertThat(pod.warnings()).singleElement().asString()
            .startsWith("ignored, an emulated pod runs netexec (UDP 8081, HTTP 8080), echo and discard").contains("spec.containers (all but their ports)")
            .contains("spec.restartPolicy");
        final ServiceInfo service = ((KubeObject.Service)objects.get(2)).service();
        assertThat(service.selector()).isEqualTo(Map.of("app", "web"));
        assertThat(service.type()).isEqualTo(ServiceInfo.CLUSTER_IP);
        assertThat(service.clusterIp()).as("allocated by the registry").isEmpty();
        assertThat(service.sessionAffinity()).isEqualTo(ServiceInfo.AFFINITY_CLIENT_IP);
        assertThat(service.affinityTimeoutSeconds()).isEqualTo(60);
        assertThat(service.ports()).containsExactly(
            new ServicePortInfo("netexec", "UDP", 80, 0, "udp", 0),
            new ServicePortInfo("raw", "UDP", 81, 81, "", 0));
    }

    @Test
    void shouldReadJsonAndAListAndPutObjectsWithoutNamespaceInTheOneGiven()
    {
        final String json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" +
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"db\"}," +
            "\"spec\":{\"clusterIP\":\"None\",\"type\":\"ClusterIP\",\"selector\":{\"app\":\"db\"}}}," +
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"np\"}," +
            "\"spec\":{\"type\":\"NodePort\",\"externalTrafficPolicy\":\"Local\",\"ports\":[{\"port\":53,\"protocol\":\"UDP\"," +
            "\"nodePort\":30053}]}}]}";

        final List<KubeObject> objects = Manifests.parse(json.getBytes(StandardCharsets.UTF_8), "dev", true);

        assertThat(objects).extracting(KubeObject::namespace).containsExactly("dev", "dev");
        assertThat(((KubeObject.Service)objects.get(0)).service().headless()).isTrue();
        final KubeObject.Service nodePort = (KubeObject.Service)objects.get(1);
        assertThat(nodePort.service().ports().get(0).nodePort()).isEqualTo(30053);
        assertThat(nodePort.warnings()).containsExactly("spec.externalTrafficPolicy: ignored (podnet does not emulate it)");
    }

    @Test
    void shouldNameTheDocumentObjectAndFieldOfEveryError()
    {
        assertThatThrownBy(() -> parse(APP + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"))
            .isInstanceOf(ManifestException.class)
            .hasMessage("document 4: kind 'Deployment' is not supported (podnet emulates v1 Namespace, Pod and Service)");
        assertThatThrownBy(() -> parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              ports:
              - port: http
            """)).hasMessage("document 1 (Service web): spec.ports[0].port: must be an integer 1..65535, got a string (\"http\")");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}], " +
            "selctor: {app: web}}\n")).hasMessage("document 1 (Service web): spec.selctor: unknown field");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: Web}\nspec: {ports: [{port: 80}]}\n"))
            .hasMessageStartingWith("document 1 (Service Web): metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 label");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, " +
            "ports: [{port: 80}]}\n")).hasMessageContaining("spec.type: Unsupported value: \"LoadBalancer\"");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}, " +
            "{port: 81}]}\n")).hasMessageContaining("spec.ports[0].name: Required value");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 2}}\n"))
            .hasMessageContaining("metadata.labels.version: expected a string, got a number (2) (quote numbers");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, " +
            "nodePort: 30001}]}\n")).hasMessageContaining("spec.ports[0].nodePort: Forbidden");
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, " +
            "protocol: SCTP}]}\n")).hasMessageContaining("spec.ports[0].protocol: Unsupported value: \"SCTP\"");
    }

    @Test
    void shouldRefuseWhatIsNotYamlAndAnotherNamespaceThanTheOneGiven()
    {
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: [unclosed\n")).hasMessageContaining("not valid YAML or JSON at line");
        assertThatThrownBy(() -> parse("apiVersion: v1\napiVersion: v1\nkind: Namespace\n")).hasMessageContaining("Duplicate field");
        assertThatThrownBy(() -> parse("---\n---\n")).hasMessage("no objects in the manifest");
        assertThatThrownBy(() -> Manifests.parse("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\nspec: {ports: [{port: 80}]}\n"
            .getBytes(StandardCharsets.UTF_8), "b", true)).hasMessageContaining("does not match the namespace \"b\"");
    }
}
