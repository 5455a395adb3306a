package dev.podnet.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podnet.transport.TunnelConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deployment files shipped beside the agent, read the way their engines read them and checked against what the
 * agent reads: the Kubernetes manifests ({@code k8s/}) bind to fabric8's Kubernetes model with no field left over
 * (a misspelt or misplaced field would be one), their references hold (selectors, the headless Service, the Secret
 * and its key, volumes, named ports) and the agent accepts the environment they give it; the Docker Swarm stack file
 * ({@code compose/podnet-stack.yml}, run for real by the it module's SwarmStackIT) names only settings the agent
 * knows and gives Aeron its shared memory the way swarm honours.
 */
class DeploymentManifestsTest
{
    private static final Path ROOT = repositoryRoot();
    private static final Pattern SEED = Pattern.compile("([a-z0-9-]+)-(\\d+)\\.([a-z0-9-]+):(\\d+)");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    @TempDir
    Path tmp;

    @Test
    void shouldParseEveryKubernetesManifestAsKubernetesObjectsWithNoUnknownField() throws IOException
    {
        final List<HasMetadata> objects = kubernetesObjects();

        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("Service", "StatefulSet", "Secret");
        for (final HasMetadata object : objects)
        {
            assertThat(object.getMetadata().getName()).as(object.getKind()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(unknownFields(object, object.getKind(), new IdentityHashMap<>()))
                .as("fields no Kubernetes object of that kind has").isEmpty();
        }
    }

    @Test
    void shouldGiveTheStatefulSetStableSeedNamesThroughAHeadlessServiceThatPublishesNotReadyPods() throws IOException
    {
        final StatefulSet set = only(StatefulSet.class);
        final Service service = only(Service.class);
        final Map<String, String> podLabels = set.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(set.getSpec().getServiceName()).isEqualTo(service.getMetadata().getName());
        assertThat(service.getSpec().getClusterIP()).as("headless").isEqualTo("None");
        assertThat(service.getSpec().getPublishNotReadyAddresses()).as("a seed is found before it is Ready").isTrue();
        assertThat(podLabels).containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels())
            .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(set.getSpec().getPodManagementPolicy()).as("the seeds start together").isEqualTo("Parallel");

        final Map<String, String> env = env(agent(set));
        final List<String> seeds = List.of(env.get(AgentSettings.Setting.SEEDS.env()).split(","));
        assertThat(seeds).hasSize(3);
        for (final String seed : seeds)
        {
            final Matcher m = SEED.matcher(seed);
            assertThat(m.matches()).as(seed + " is POD.SERVICE:PORT").isTrue();
            assertThat(m.group(1)).as(seed).isEqualTo(set.getMetadata().getName());
            assertThat(Integer.parseInt(m.group(2))).as(seed + ": an ordinal the StatefulSet has").isLessThan(set.getSpec().getReplicas());
            assertThat(m.group(3)).as(seed).isEqualTo(service.getMetadata().getName());
            assertThat(Integer.parseInt(m.group(4))).as(seed).isEqualTo(containerPort(agent(set), "cluster").getContainerPort());
        }
        assertThat(env.get(AgentSettings.Setting.ADVERTISED_HOST.env())).as("its own stable name")
            .isEqualTo("$(POD_NAME)." + service.getMetadata().getName());
    }

    @Test
    void shouldOpenThePortsTheAgentListensOnWithTheirProtocols() throws IOException
    {
        final StatefulSet set = only(StatefulSet.class);
        final Service service = only(Service.class);
        final Container agent = agent(set);
        final Map<String, String> env = env(agent);
        assertThat(env).doesNotContainKeys(AgentSettings.Setting.CLUSTER_PORT.env(), AgentSettings.Setting.TUNNEL_PORT.env(),
            AgentSettings.Setting.API_PORT.env());

        assertThat(containerPort(agent, "cluster")).extracting(ContainerPort::getContainerPort, ContainerPort::getProtocol)
            .containsExactly(2552, "TCP");
        assertThat(containerPort(agent, "tunnel")).extracting(ContainerPort::getContainerPort, ContainerPort::getProtocol)
            .containsExactly(TunnelConfig.DEFAULT_PORT, "UDP");
        assertThat(containerPort(agent, "api")).extracting(ContainerPort::getContainerPort, ContainerPort::getProtocol)
            .containsExactly(AgentSettings.DEFAULT_API_PORT, "TCP");
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + " " + p.getPort() + "/" + p.getProtocol())
            .containsExactlyInAnyOrder("cluster 2552/TCP", "tunnel " + TunnelConfig.DEFAULT_PORT + "/UDP",
                "api " + AgentSettings.DEFAULT_API_PORT + "/TCP");
        assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(agent.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("api");
        assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    }

    @Test
    void shouldGrantWhatRealPodsNeedAndEnoughSharedMemoryForAeron() throws IOException
    {
        final StatefulSet set = only(StatefulSet.class);
        final Container agent = agent(set);
        final Map<String, Volume> volumes = set.getSpec().getTemplate().getSpec().getVolumes().stream()
            .collect(Collectors.toMap(Volume::getName, v -> v));
        final Set<String> claims = set.getSpec().getVolumeClaimTemplates().stream().map(c -> c.getMetadata().getName())
            .collect(Collectors.toSet());
        for (final VolumeMount mount : agent.getVolumeMounts())
        {
            assertThat(volumes.containsKey(mount.getName()) || claims.contains(mount.getName()))
                .as("volume " + mount.getName() + " mounted on " + mount.getMountPath() + " is declared").isTrue();
        }

        assertThat(agent.getSecurityContext().getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN");
        assertThat(Boolean.FALSE.equals(agent.getSecurityContext().getAllowPrivilegeEscalation()))
            .as("Kubernetes refuses allowPrivilegeEscalation: false next to SYS_ADMIN").isFalse();
        assertThat(agent.getSecurityContext().getRunAsUser()).as("the launcher starts as root and drops to podnet").isZero();
        assertThat(agent.getSecurityContext().getAppArmorProfile().getType()).as("ip netns add mounts").isEqualTo("Unconfined");
        final Volume tun = volumes.get(mount(agent, "/dev/net/tun").getName());
        assertThat(tun.getHostPath().getPath()).isEqualTo("/dev/net/tun");
        assertThat(tun.getHostPath().getType()).isEqualTo("CharDevice");

        final Volume shm = volumes.get(mount(agent, "/dev/shm").getName());
        assertThat(shm.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(Quantity.getAmountInBytes(shm.getEmptyDir().getSizeLimit()).longValue())
            .as("Aeron's files for a 50-node mesh (the runtime's default is 64 MiB)").isGreaterThanOrEqualTo(128L << 20);
        assertThat(mount(agent, "/var/lib/podnet").getName()).as("the lease table outlives the pod").isIn(claims);
    }

    @Test
    void shouldStartAnAgentInClusterModeWithTheEnvironmentTheStatefulSetGivesIt() throws IOException
    {
        final StatefulSet set = only(StatefulSet.class);
        final Secret secret = only(Secret.class);
        final Container agent = agent(set);
        final Map<String, String> given = env(agent);
        assertThat(given.keySet().stream().filter(name -> name.startsWith("PODNET_")))
            .as("every PODNET_ variable is one the agent reads").isSubsetOf(agentVariables());

        // the secret file: in a volume of the Secret, under one of its keys
        final String file = given.get(AgentSettings.Setting.CLUSTER_SECRET_FILE.env());
        final VolumeMount secretMount = agent.getVolumeMounts().stream().filter(m -> file.startsWith(m.getMountPath() + "/"))
            .findFirst().orElseThrow();
        final Volume secretVolume = set.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(secretMount.getName())).findFirst().orElseThrow();
        assertThat(secretVolume.getSecret().getSecretName()).isEqualTo(secret.getMetadata().getName());
        final String key = file.substring(secretMount.getMountPath().length() + 1);
        assertThat(secret.getStringData()).containsKey(key);

        final String pod = set.getMetadata().getName() + "-1";
        final Path secretFile = Files.writeString(tmp.resolve("secret"), "deployment-manifests-test-0123456789");
        final Map<String, String> env = expand(given, Map.of("POD_NAME", pod));
        env.put(AgentSettings.Setting.CLUSTER_SECRET_FILE.env(), secretFile.toString());
        env.put(AgentSettings.Setting.STATE_DIR.env(), tmp.resolve("state").toString());

        final AgentSettings settings = AgentSettings.resolve(new EnumMap<>(AgentSettings.Setting.class), env, () -> "ignored");

        assertThat(settings.clusterMode()).isTrue();
        assertThat(settings.nodeName()).isEqualTo(pod);
        assertThat(settings.cluster().advertisedHost()).isEqualTo(pod + "." + set.getSpec().getServiceName());
        assertThat(settings.cluster().seeds()).hasSize(3);
        assertThat(settings.underlayMtu()).as("a VXLAN pod network's MTU").isEqualTo(1450);

        // the placeholder of k8s/cluster-secret.yaml is refused, naming the setting, so it cannot be deployed as is
        Files.writeString(secretFile, secret.getStringData().get(key));
        assertThatThrownBy(() -> AgentSettings.resolve(new EnumMap<>(AgentSettings.Setting.class), env, () -> "ignored"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(AgentSettings.Setting.CLUSTER_SECRET_FILE.env());
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldDeclareASwarmStackWhoseSeedsAreServicesReachedWithoutAVirtualIpAndWhoseSharedMemoryIsATmpfs() throws IOException
    {
        final Map<String, Object> stack = (Map<String, Object>) yaml().load(Files.readString(ROOT.resolve("compose/podnet-stack.yml")));
        final Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) stack.get("services");
        assertThat(services).containsKeys("node-1", "node-2", "node-3", "node");
        assertThat((Map<String, Object>) stack.get("secrets")).containsKey("podnet_cluster_secret");

        for (final Map.Entry<String, Map<String, Object>> entry : services.entrySet())
        {
            final String name = entry.getKey();
            final Map<String, Object> service = entry.getValue();
            final Map<String, Object> env = (Map<String, Object>) service.get("environment");
            assertThat(env.keySet().stream().filter(v -> v.startsWith("PODNET_"))).as(name).isSubsetOf(agentVariables());
            for (final String seed : env.get(AgentSettings.Setting.SEEDS.env()).toString().split(","))
            {
                final String host = seed.substring(0, seed.indexOf(':'));
                assertThat(services).as(name + "'s seed " + seed + " is a service of the stack").containsKey(host);
                assertThat(seed).endsWith(":2552");
            }
            assertThat(env).as(name).containsEntry(AgentSettings.Setting.CLUSTER_SECRET_FILE.env(), "/run/secrets/podnet_cluster_secret");
            assertThat((List<Object>) service.get("secrets")).as(name).containsExactly("podnet_cluster_secret");
            assertThat(((Map<String, Object>) service.get("deploy")).get("endpoint_mode")).as(name + ": no virtual IP")
                .isEqualTo("dnsrr");
            assertThat(service).as(name + ": swarm ignores shm_size").doesNotContainKey("shm_size");
            final Map<String, Object> shm = ((List<Object>) service.get("volumes")).stream().filter(Map.class::isInstance)
                .map(v -> (Map<String, Object>) v).filter(v -> "/dev/shm".equals(v.get("target"))).findFirst().orElseThrow();
            assertThat(shm.get("type")).isEqualTo("tmpfs");
            assertThat(((Number) ((Map<String, Object>) shm.get("tmpfs")).get("size")).longValue()).isGreaterThanOrEqualTo(128L << 20);
        }
        for (final String seed : List.of("node-1", "node-2", "node-3"))
        {
            final Map<String, Object> env = (Map<String, Object>) services.get(seed).get("environment");
            assertThat(env).as(seed).containsEntry(AgentSettings.Setting.NODE.env(), seed)
                .as(seed + ": the name the others have for it (Akka drops what is addressed to another)")
                .containsEntry(AgentSettings.Setting.ADVERTISED_HOST.env(), seed);
            assertThat((Map<String, Object>) services.get(seed).get("healthcheck"))
                .as(seed + ": swarm's DNS has no name for a task until its health check (/readyz) passes")
                .containsEntry("disable", true);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The environment variables the agent reads: its settings' and the two credentials given by value. */
    private static Set<String> agentVariables()
    {
        final Set<String> names = Arrays.stream(AgentSettings.Setting.values()).map(AgentSettings.Setting::env)
            .collect(Collectors.toSet());
        names.add(AgentSettings.CLUSTER_SECRET_ENV);
        names.add(AgentSettings.API_TOKEN_ENV);
        names.add("PODNET_RUN_AS"); // the image's launcher (compose/bin/podnet)
        return names;
    }

    private static Yaml yaml()
    {
        final LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options);
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> kubernetesObjects() throws IOException
    {
        final List<HasMetadata> objects = new ArrayList<>();
        for (final String file : List.of("k8s/podnet.yaml", "k8s/cluster-secret.yaml"))
        {
            for (final Object document : yaml().loadAll(Files.readString(ROOT.resolve(file))))
            {
                final Map<String, Object> map = (Map<String, Object>) document;
                final String type = map.get("apiVersion") + "/" + map.get("kind");
                final Class<? extends HasMetadata> kind = switch (type)
                {
                    case "v1/Service" -> Service.class;
                    case "v1/Secret" -> Secret.class;
                    case "apps/v1/StatefulSet" -> StatefulSet.class;
                    default -> throw new AssertionError(file + ": unexpected " + type);
                };
                objects.add(JSON.convertValue(map, kind));
            }
        }
        return objects;
    }

    private static <T extends HasMetadata> T only(final Class<T> kind) throws IOException
    {
        final List<T> found = kubernetesObjects().stream().filter(kind::isInstance).map(kind::cast).toList();
        assertThat(found).as(kind.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static Container agent(final StatefulSet set)
    {
        final List<Container> containers = set.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static Map<String, String> env(final Container container)
    {
        final Map<String, String> env = new HashMap<>();
        for (final EnvVar variable : container.getEnv())
        {
            env.put(variable.getName(), variable.getValue() != null ? variable.getValue() : "<from " + variable.getValueFrom() + ">");
        }
        return env;
    }

    /** Kubernetes' $(VAR) expansion of variables defined earlier. */
    private static Map<String, String> expand(final Map<String, String> env, final Map<String, String> known)
    {
        final Map<String, String> expanded = new HashMap<>();
        env.forEach((name, value) -> expanded.put(name, REFERENCE.matcher(value).replaceAll(m ->
            Matcher.quoteReplacement(known.getOrDefault(m.group(1), m.group())))));
        return expanded;
    }

    private static ContainerPort containerPort(final Container container, final String name)
    {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
            .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static VolumeMount mount(final Container container, final String path)
    {
        return container.getVolumeMounts().stream().filter(m -> path.equals(m.getMountPath())).findFirst()
            .orElseThrow(() -> new AssertionError("nothing mounted on " + path));
    }

    /**
     * Fields fabric8 kept aside as additional properties anywhere in {@code object}: those no Kubernetes object of
     * that type has (fabric8's model binds every field of the API and keeps anything else there).
     */
    private static List<String> unknownFields(final Object object, final String path, final Map<Object, Boolean> seen)
    {
        final List<String> unknown = new ArrayList<>();
        if (object == null || seen.put(object, Boolean.TRUE) != null)
        {
            return unknown;
        }
        if (object instanceof Collection<?> items)
        {
            int i = 0;
            for (final Object item : items)
            {
                unknown.addAll(unknownFields(item, path + "[" + i++ + "]", seen));
            }
            return unknown;
        }
        if (object instanceof Map<?, ?> map)
        {
            map.forEach((key, value) -> unknown.addAll(unknownFields(value, path + "." + key, seen)));
            return unknown;
        }
        if (!object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model"))
        {
            return unknown;
        }
        for (final Method getter : object.getClass().getMethods())
        {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get") ||
                getter.getDeclaringClass() == Object.class)
            {
                continue;
            }
            final Object value;
            try
            {
                value = getter.invoke(object);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new AssertionError(path + "." + getter.getName(), ex);
            }
            if (getter.getName().equals("getAdditionalProperties"))
            {
                ((Map<?, ?>) value).keySet().forEach(key -> unknown.add(path + "." + key));
            }
            else
            {
                unknown.addAll(unknownFields(value, path + "." + getter.getName().substring(3), seen));
            }
        }
        return unknown;
    }

    private static Path repositoryRoot()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("k8s")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            throw new AssertionError("no k8s/ above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
