package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;

/**
 * Lints and renders the Helm chart with the Helm library that helm-java bundles (no helm binary, no cluster, no
 * network), reads the rendered objects back with the fabric8 model and checks the contract of DESIGN §6–§8.
 */
class HelmChartTests {

    private static final Path CHART = Path.of("helm/token-broker");

    private static final Path SIDECAR_VALUES = CHART.resolve("ci/sidecar-values.yaml");

    private static final Path ALL_ON_VALUES = CHART.resolve("ci/all-on-values.yaml");

    private static final Path BAD_VALUES = CHART.resolve("ci/bad-values.yaml");

    private static final Path SHARED_VALUES = CHART.resolve("ci/shared-values.yaml");

    private static final Path TLS_VALUES = CHART.resolve("ci/tls-values.yaml");

    private static final Path DASHBOARD = CHART.resolve("dashboards/token-broker.json");

    private static final Path SIDECAR_EXAMPLE = Path.of("docs/examples/sidecar-pod.yaml");

    private static final String RELEASE = "token-broker";

    private static final Pattern VALUES_KEY = Pattern.compile("^\\s*(- )?[\"A-Za-z0-9_./-]+:(\\s|$)");

    /** A pod of an app that includes the broker the way docs/deploy.md tells users to. */
    private static final String SIDECAR_POD_TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{ .Release.Name }}
            spec:
              serviceAccountName: {{ include "token-broker.serviceAccountName" (index .Subcharts "token-broker") }}
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                runAsGroup: 10001
                fsGroup: 10001
                seccompProfile:
                  type: RuntimeDefault
              initContainers:
                {{- include "token-broker.sidecar" (index .Subcharts "token-broker") | nindent 4 }}
              containers:
                - name: scorer
                  image: registry.example.com/scorer:1.0.0
                  env:
                    - name: WML_TOKEN_FILE
                      value: /var/run/token-broker/wml-prod.token
                  volumeMounts:
                    {{- include "token-broker.sinkMount" (index .Subcharts "token-broker") | nindent 8 }}
              volumes:
                {{- include "token-broker.sidecarVolumes" (index .Subcharts "token-broker") | nindent 4 }}
            """;

    private static final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void lintWhenDefaultValuesThenPasses() {
        LintResult result = new Helm(CHART).lint().strict().call();

        assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"ci/sidecar-values.yaml", "ci/all-on-values.yaml", "ci/shared-values.yaml", "ci/tls-values.yaml"
            })
    void lintWhenCiValuesThenPasses(String valuesFile, @TempDir Path tempDir) {
        Path chart = chartWithValues(CHART.resolve(valuesFile), tempDir);

        LintResult result = new Helm(chart).lint().strict().call();

        assertThat(result.isFailed())
                .as("helm lint -f %s: %s", valuesFile, result.getMessages())
                .isFalse();
    }

    @Test
    void renderWhenDefaultValuesThenBrokerRunsLockedDown() {
        PodSpec pod = podSpec(render(template()));

        assertThat(pod.getSecurityContext()).satisfies(context -> {
            assertThat(context.getRunAsNonRoot()).isTrue();
            assertThat(context.getRunAsUser()).isEqualTo(10001L);
            assertThat(context.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        });
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertLockedDown(brokerContainer(pod).getSecurityContext());
    }

    @Test
    void renderWhenDefaultValuesThenProbesUseActuatorGroupsOnManagementPort() {
        Container broker = brokerContainer(podSpec(render(template())));

        assertThat(broker.getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(tuple("http", 8080), tuple("management", 8081));
        assertHttpProbe(broker.getStartupProbe(), "/actuator/health/startup", new IntOrString("management"));
        assertHttpProbe(broker.getLivenessProbe(), "/actuator/health/liveness", new IntOrString("management"));
        assertHttpProbe(broker.getReadinessProbe(), "/actuator/health/readiness", new IntOrString("management"));
    }

    @Test
    void renderWhenDefaultValuesThenResourcesAreBounded() {
        Container broker = brokerContainer(podSpec(render(template())));

        assertThat(broker.getResources().getRequests()).containsOnlyKeys("cpu", "memory");
        assertThat(broker.getResources().getLimits().get("memory")).hasToString("288Mi");
    }

    @Test
    void renderWhenDefaultValuesThenServiceExposesOnlyHttp() {
        List<HasMetadata> objects = render(template());

        assertThat(objects).filteredOn(Service.class::isInstance).hasSize(1);
        assertThat(named(objects, Service.class, RELEASE).getSpec().getPorts())
                .singleElement()
                .satisfies(port -> {
                    assertThat(port.getName()).isEqualTo("http");
                    assertThat(port.getPort()).isEqualTo(8080);
                    assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
                });
    }

    @Test
    void renderWhenDefaultValuesThenConfigMapIsMountedAsAdditionalConfigLocation() {
        List<HasMetadata> objects = render(template());

        Container broker = brokerContainer(podSpec(objects));
        assertThat(broker.getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .contains(tuple("SPRING_CONFIG_ADDITIONAL_LOCATION", "file:/config/"));
        assertThat(mount(broker, "token-broker-config").getMountPath()).isEqualTo("/config");
        assertThat(mount(broker, "token-broker-tmp").getMountPath()).isEqualTo("/tmp");
        assertThat(volume(podSpec(objects), "token-broker-tmp").getEmptyDir()).isNotNull();
        Map<String, Object> application = applicationYaml(objects);
        assertThat(GenericKubernetesResource.<Object>get(application, "server", "port"))
                .isEqualTo(8080);
        assertThat(GenericKubernetesResource.<Object>get(application, "management", "server", "port"))
                .isEqualTo(8081);
        assertThat(GenericKubernetesResource.<Object>get(application, "tokenbroker", "vault", "file", "directory"))
                .isEqualTo("/var/run/secrets/token-broker/vault");
    }

    @Test
    void renderWhenDefaultValuesThenServiceAccountTokenIsProjectedNotAutomounted() {
        List<HasMetadata> objects = render(template());

        assertThat(only(objects, ServiceAccount.class).getAutomountServiceAccountToken())
                .isFalse();
        PodSpec pod = podSpec(objects);
        List<VolumeProjection> sources =
                volume(pod, "token-broker-token").getProjected().getSources();
        ServiceAccountTokenProjection token = sources.get(0).getServiceAccountToken();
        assertThat(token.getAudience()).isEqualTo("token-broker");
        assertThat(token.getExpirationSeconds()).isEqualTo(3600L);
        assertThat(token.getPath()).isEqualTo("token");
        assertThat(sources.get(1).getConfigMap().getName()).isEqualTo("kube-root-ca.crt");
        assertThat(mount(brokerContainer(pod), "token-broker-token").getMountPath())
                .isEqualTo("/var/run/secrets/tokens");
    }

    @Test
    void renderWhenTrustedProfileCredentialThenAnIamTokenIsProjectedAtTheDefaultPathItReads() {
        List<HasMetadata> objects = render(template()
                .set("vault.file.existingSecret", "broker-keys")
                .set("config.credentials.wml-prod.type", "iam-apikey")
                .set("config.credentials.cos-reader.type", "iam-trusted-profile")
                .set("config.credentials.cos-reader.profile-id", "Profile-cos-reader")
                .set("config.credentials.wml-staging.type", "iam-assume")
                .set("config.credentials.wml-staging.secret", "wml-prod")
                .set("config.credentials.wml-staging.profile-id", "Profile-wml-staging"));

        PodSpec pod = podSpec(objects);
        List<VolumeProjection> sources =
                volume(pod, "token-broker-token").getProjected().getSources();
        assertThat(sources)
                .filteredOn(source -> source.getServiceAccountToken() != null)
                .extracting(
                        source -> source.getServiceAccountToken().getAudience(),
                        source -> source.getServiceAccountToken().getExpirationSeconds(),
                        source -> source.getServiceAccountToken().getPath())
                .containsExactly(tuple("token-broker", 3600L, "token"), tuple("iam", 3600L, "sa-token"));
        assertThat(mount(brokerContainer(pod), "token-broker-token"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly("/var/run/secrets/tokens", true);
        assertThat(pod.getVolumes()).extracting(Volume::getName).noneMatch(name -> name.contains("iam-token"));
        assertThat(volume(pod, "token-broker-vault").getSecret().getItems())
                .extracting(KeyToPath::getKey)
                .containsExactly("wml-prod.apikey");
        assertThat(applicationYaml(objects))
                .extractingByKey("tokenbroker")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .extractingByKey("credentials")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("cos-reader", Map.of("type", "iam-trusted-profile", "profile-id", "Profile-cos-reader"));
    }

    @Test
    void renderWhenTrustedProfileReadsAnotherFolderThenThatFolderIsAProjectedVolumeOfItsOwn() {
        PodSpec pod = podSpec(render(template()
                .set("serviceAccount.projectedToken.enabled", "false")
                .set("config.credentials.cos-reader.type", "iam-trusted-profile")
                .set("config.credentials.cos-reader.profile-name", "cos-reader")
                .set("config.credentials.cos-reader.cr-token-file", "/var/run/secrets/iam/token")));

        Volume iamToken = volume(pod, "token-broker-iam-token-0");
        assertThat(iamToken.getProjected().getSources())
                .singleElement()
                .extracting(VolumeProjection::getServiceAccountToken)
                .extracting(
                        ServiceAccountTokenProjection::getAudience,
                        ServiceAccountTokenProjection::getExpirationSeconds,
                        ServiceAccountTokenProjection::getPath)
                .containsExactly("iam", 3600L, "token");
        assertThat(mount(brokerContainer(pod), "token-broker-iam-token-0"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly, VolumeMount::getSubPath)
                .containsExactly("/var/run/secrets/iam", true, null);
        assertThat(pod.getVolumes()).extracting(Volume::getName).doesNotContain("token-broker-token");
        assertThat(volume(pod, "token-broker-vault").getEmptyDir())
                .as("no master key to mount: an empty vault folder, no Secret to create first")
                .isNotNull();
    }

    @Test
    void renderWhenNoTrustedProfileCredentialThenNoIamAudienceTokenIsProjected() {
        PodSpec pod = podSpec(render(template().set("config.credentials.wml-prod.type", "iam-apikey")));

        assertThat(pod.getVolumes())
                .filteredOn(volume -> volume.getProjected() != null)
                .flatExtracting(volume -> volume.getProjected().getSources())
                .filteredOn(source -> source.getServiceAccountToken() != null)
                .extracting(source -> source.getServiceAccountToken().getAudience())
                .containsExactly("token-broker");
    }

    @Test
    void templateWhenKeylessCredentialsAreMisconfiguredThenRefused() {
        TemplateCommand twoProfiles = template()
                .set("config.credentials.cos-reader.type", "iam-trusted-profile")
                .set("config.credentials.cos-reader.profile-id", "Profile-1")
                .set("config.credentials.cos-reader.profile-name", "reader");
        TemplateCommand assumeWithoutSecret = template()
                .set("config.credentials.wml-staging.type", "iam-assume")
                .set("config.credentials.wml-staging.profile-id", "Profile-1");
        TemplateCommand vaultTokensPath = template()
                .set("config.credentials.cos-reader.type", "iam-trusted-profile")
                .set("config.credentials.cos-reader.profile-id", "Profile-1")
                .set("config.credentials.cos-reader.cr-token-file", "/var/run/secrets/tokens/token");

        assertThatThrownBy(twoProfiles::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("cos-reader");
        assertThatThrownBy(assumeWithoutSecret::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("wml-staging");
        assertThatThrownBy(vaultTokensPath::call).hasMessageContaining("is serviceAccount.projectedToken's");
    }

    @Test
    void renderWhenVaultSecretsGivenThenEachKeyBecomesFileInFolderPerSecret() {
        List<HasMetadata> objects = render(template()
                .set("vault.file.secrets.wml-prod.apikey", "not-a-real-key")
                .set("vault.file.secrets.factory-iot.apikey", "a-abc123-notreal")
                .set("vault.file.secrets.factory-iot.token", "not-a-real-token"));

        assertThat(named(objects, Secret.class, "token-broker-vault").getData())
                .containsOnlyKeys("wml-prod.apikey", "factory-iot.apikey", "factory-iot.token");
        PodSpec pod = podSpec(objects);
        assertThat(volume(pod, "token-broker-vault").getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactlyInAnyOrder(
                        tuple("wml-prod.apikey", "wml-prod/apikey"),
                        tuple("factory-iot.apikey", "factory-iot/apikey"),
                        tuple("factory-iot.token", "factory-iot/token"));
        assertThat(mount(brokerContainer(pod), "token-broker-vault"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly("/var/run/secrets/token-broker/vault", true);
    }

    @Test
    void renderWhenExistingSecretAndCredentialsThenItemsFollowCredentialTypes() {
        List<HasMetadata> objects = render(template()
                .set("vault.file.existingSecret", "broker-keys")
                .set("config.credentials.wml-prod.type", "iam-apikey")
                .set("config.credentials.factory-iot.type", "iot-app")
                .set("config.credentials.factory-iot.secret", "factory"));

        assertThat(objects).noneMatch(Secret.class::isInstance);
        Volume vault = volume(podSpec(objects), "token-broker-vault");
        assertThat(vault.getSecret().getSecretName()).isEqualTo("broker-keys");
        assertThat(vault.getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactlyInAnyOrder(
                        tuple("wml-prod.apikey", "wml-prod/apikey"),
                        tuple("factory.apikey", "factory/apikey"),
                        tuple("factory.token", "factory/token"));
    }

    @Test
    void renderWhenDefaultValuesThenSharedTierIsOffAndNoRedisIsConfigured() {
        List<HasMetadata> objects = render(template());

        Map<String, Object> application = applicationYaml(objects);
        assertThat(application).doesNotContainKey("spring");
        assertThat(GenericKubernetesResource.<Object>get(application, "tokenbroker", "shared"))
                .isNull();
        assertThat(brokerContainer(podSpec(objects)).getEnv())
                .extracting(EnvVar::getName)
                .doesNotContain("SPRING_DATA_REDIS_PASSWORD");
    }

    @Test
    void renderWhenSharedValuesThenRedisSettingsReachConfigMapAndPasswordComesFromSecret() {
        List<HasMetadata> objects = render(SHARED_VALUES);

        Map<String, Object> application = applicationYaml(objects);
        assertThat(GenericKubernetesResource.<Object>get(application, "tokenbroker", "shared"))
                .isEqualTo(Map.of("enabled", true, "encryption-key-secret", "shared-tier", "timeout", "50ms"));
        assertThat(GenericKubernetesResource.<Object>get(application, "spring", "data", "redis"))
                .isEqualTo(Map.of(
                        "host",
                        "redis-master.redis.svc.cluster.local",
                        "port",
                        6380,
                        "database",
                        2,
                        "username",
                        "token-broker",
                        "ssl",
                        Map.of("enabled", true)));
        assertThat(named(objects, ConfigMap.class, RELEASE).getData().get("application.yaml"))
                .doesNotContain("password");
        assertThat(brokerContainer(podSpec(objects)).getEnv())
                .filteredOn(env -> env.getName().equals("SPRING_DATA_REDIS_PASSWORD"))
                .singleElement()
                .satisfies(env -> {
                    assertThat(env.getValue()).isNull();
                    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("redis-auth");
                    assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("redis-password");
                });
    }

    @Test
    void renderWhenSharedValuesThenEncryptionKeyIsMountedFromTheVaultSecretLikeMasterKeys() {
        List<HasMetadata> objects = render(SHARED_VALUES);

        assertThat(volume(podSpec(objects), "token-broker-vault").getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactlyInAnyOrder(
                        tuple("wml-prod.apikey", "wml-prod/apikey"),
                        tuple("factory-iot.apikey", "factory-iot/apikey"),
                        tuple("factory-iot.token", "factory-iot/token"),
                        tuple("shared-tier.key", "shared-tier/key"));
    }

    @Test
    void renderWhenSharedValuesThenNetworkPolicyLetsBrokerReachRedisOnly() {
        NetworkPolicy policy = only(render(SHARED_VALUES), NetworkPolicy.class);

        NetworkPolicyEgressRule redis = policy.getSpec().getEgress().stream()
                .filter(rule -> rule.getPorts().stream()
                        .anyMatch(port -> Integer.valueOf(6380).equals(portNumber(port))))
                .findFirst()
                .orElseThrow();
        assertThat(redis.getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsExactly(Map.entry("kubernetes.io/metadata.name", "redis"));
            assertThat(peer.getPodSelector().getMatchLabels())
                    .containsExactly(Map.entry("app.kubernetes.io/name", "redis"));
        });
        assertThat(redis.getPorts())
                .extracting(NetworkPolicyPort::getProtocol, HelmChartTests::portNumber)
                .containsExactly(tuple("TCP", 6380));
    }

    @Test
    void renderWhenSharedRedisSentinelThenBootsSentinelSettingsInsteadOfHostAndTheSentinelsPortsOpen() {
        List<HasMetadata> objects = render(template(SHARED_VALUES)
                .set("shared.redis.host", "")
                .set("shared.redis.sentinel.master", "mymaster")
                .set("shared.redis.sentinel.nodes[0]", "redis-node-0.redis-headless.redis.svc.cluster.local:26379")
                .set("shared.redis.sentinel.nodes[1]", "redis-node-1.redis-headless.redis.svc.cluster.local:26379"));

        Map<String, Object> redis = GenericKubernetesResource.get(applicationYaml(objects), "spring", "data", "redis");
        assertThat(redis).doesNotContainKeys("host", "port", "cluster");
        assertThat(redis.get("sentinel"))
                .isEqualTo(Map.of(
                        "master",
                        "mymaster",
                        "nodes",
                        List.of(
                                "redis-node-0.redis-headless.redis.svc.cluster.local:26379",
                                "redis-node-1.redis-headless.redis.svc.cluster.local:26379")));
        assertThat(redisEgressPorts(objects)).containsExactly(6380, 26379);
    }

    @Test
    void renderWhenSharedRedisClusterThenBootsClusterNodesInsteadOfHostAndEveryNodesPortOpen() {
        List<HasMetadata> objects = render(template(SHARED_VALUES)
                .set("shared.redis.host", "")
                .set("shared.redis.cluster.nodes[0]", "redis-cluster-0.redis-cluster-headless.redis:6379")
                .set("shared.redis.cluster.nodes[1]", "redis-cluster-1.redis-cluster-headless.redis:6379")
                .set("shared.redis.cluster.nodes[2]", "redis-cluster-2.redis-cluster-headless.redis:6390"));

        Map<String, Object> redis = GenericKubernetesResource.get(applicationYaml(objects), "spring", "data", "redis");
        assertThat(redis).doesNotContainKeys("host", "port", "sentinel");
        assertThat(redis.get("cluster"))
                .isEqualTo(Map.of(
                        "nodes",
                        List.of(
                                "redis-cluster-0.redis-cluster-headless.redis:6379",
                                "redis-cluster-1.redis-cluster-headless.redis:6379",
                                "redis-cluster-2.redis-cluster-headless.redis:6390")));
        assertThat(redisEgressPorts(objects)).containsExactly(6380, 6379, 6390);
    }

    @Test
    void templateWhenSharedRedisSentinelAndClusterBothSetThenRefused() {
        TemplateCommand command = template(SHARED_VALUES)
                .set("shared.redis.sentinel.master", "mymaster")
                .set("shared.redis.sentinel.nodes[0]", "sentinel:26379")
                .set("shared.redis.cluster.nodes[0]", "node:6379");

        assertThatThrownBy(command::call).hasMessageContaining("not both");
    }

    @Test
    void templateWhenSharedEnabledWithoutRedisHostThenRefused() {
        TemplateCommand command = template().set("shared.enabled", "true");

        assertThatThrownBy(command::call).hasMessageContaining("shared");
    }

    @Test
    void templateWhenSharedRedisPortIsNotANumberThenSchemaRejectsIt() {
        TemplateCommand command = template(SHARED_VALUES).set("shared.redis.port", "redis");

        assertThatThrownBy(command::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("/shared/redis/port");
    }

    @Test
    void renderWhenSidecarValuesThenNoWorkloadRenders() {
        List<HasMetadata> objects = render(SIDECAR_VALUES);

        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ConfigMap", "ServiceAccount");
        assertThat(GenericKubernetesResource.<Object>get(applicationYaml(objects), "server", "address"))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void renderWhenSidecarValuesThenInitContainerHasRestartPolicyAlways(@TempDir Path tempDir) {
        PodSpec pod = only(renderSidecarPod(tempDir), Pod.class).getSpec();

        Container sidecar = named(pod.getInitContainers(), "token-broker");
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertHttpProbe(sidecar.getStartupProbe(), "/actuator/health/startup", new IntOrString(8081));
        assertLockedDown(sidecar.getSecurityContext());
        // docs/benchmarks.md#footprint: the highest peak RSS of three 5-minute runs ÷ 0.80, requests = limits.
        assertThat(sidecar.getResources().getLimits().get("memory")).hasToString("208Mi");
        assertThat(sidecar.getResources().getRequests().get("memory")).hasToString("208Mi");
        assertThat(sidecar.getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .contains(tuple("SPRING_PROFILES_ACTIVE", "sidecar"));
        // The JVM flags come from the image's jvm/sidecar.flags (src/main/jvm), not from the chart's values.
        assertThat(sidecar.getEnv()).extracting(EnvVar::getName).doesNotContain("JAVA_TOOL_OPTIONS");
        assertThat(sidecar.getCommand())
                .containsExactly("java", "-XX:AOTCache=app.aot", "@jvm/sidecar.flags", "-jar", "token-broker.jar");
        assertThat(JvmFlagsTests.flags("sidecar.flags")).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        assertThat(volume(pod, "token-broker-sinks").getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(mount(sidecar, "token-broker-sinks").getMountPath()).isEqualTo("/var/run/token-broker");
        assertThat(mount(named(pod.getContainers(), "scorer"), "token-broker-sinks"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly("/var/run/token-broker", true);
    }

    @Test
    void sidecarExampleWhenParsedThenMatchesWhatChartRenders(@TempDir Path tempDir) throws IOException {
        PodSpec rendered = only(renderSidecarPod(tempDir), Pod.class).getSpec();

        PodSpec example =
                only(parse(Files.readString(SIDECAR_EXAMPLE)), Pod.class).getSpec();

        assertThat(example.getInitContainers()).isEqualTo(rendered.getInitContainers());
        assertThat(example.getVolumes()).isEqualTo(rendered.getVolumes());
    }

    @Test
    void renderWhenAllOnValuesThenAutoscalerAndDisruptionBudgetKeepOneReplicaUp() {
        List<HasMetadata> objects = render(ALL_ON_VALUES);

        assertThat(only(objects, Deployment.class).getSpec().getReplicas()).isNull();
        HorizontalPodAutoscaler autoscaler = only(objects, HorizontalPodAutoscaler.class);
        assertThat(autoscaler.getSpec().getScaleTargetRef().getName()).isEqualTo(RELEASE);
        assertThat(autoscaler.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(autoscaler.getSpec().getMetrics()).singleElement().satisfies(metric -> {
            assertThat(metric.getResource().getName()).isEqualTo("cpu");
            assertThat(metric.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        });
        assertThat(only(objects, PodDisruptionBudget.class)
                        .getSpec()
                        .getMinAvailable()
                        .getIntVal())
                .isEqualTo(1);
    }

    // The ports of the NetworkPolicy's egress rule to the shared tier's Redis (the one with pod or namespace peers).
    private static List<Integer> redisEgressPorts(List<HasMetadata> objects) {
        return only(objects, NetworkPolicy.class).getSpec().getEgress().stream()
                .filter(rule -> rule.getTo() != null
                        && rule.getTo().stream()
                                .anyMatch(peer -> peer.getNamespaceSelector() != null
                                        && peer.getNamespaceSelector()
                                                .getMatchLabels()
                                                .containsValue("redis")))
                .findFirst()
                .orElseThrow()
                .getPorts()
                .stream()
                .map(HelmChartTests::portNumber)
                .toList();
    }

    @Test
    void renderWhenAllOnValuesThenNetworkPolicySeparatesCallersFromScrapers() {
        NetworkPolicy policy = only(render(ALL_ON_VALUES), NetworkPolicy.class);

        List<NetworkPolicyIngressRule> ingress = policy.getSpec().getIngress();
        assertThat(ingress).hasSize(2);
        assertThat(ingress.get(0).getPorts())
                .extracting(HelmChartTests::portNumber)
                .containsExactly(8080);
        assertThat(ingress.get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("token-broker.dev/client", "true");
        assertThat(ingress.get(1).getPorts())
                .extracting(HelmChartTests::portNumber)
                .containsExactly(8081);
        assertThat(ingress.get(1).getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("kubernetes.io/metadata.name", "monitoring");
        assertThat(policy.getSpec().getEgress())
                .flatExtracting(NetworkPolicyEgressRule::getPorts)
                .extracting(NetworkPolicyPort::getProtocol, HelmChartTests::portNumber)
                .contains(tuple("UDP", 53), tuple("TCP", 53), tuple("TCP", 443));
    }

    @Test
    void renderWhenAllOnValuesThenServiceMonitorScrapesManagementServiceOnly() {
        List<HasMetadata> objects = render(ALL_ON_VALUES);

        assertThat(named(objects, Service.class, RELEASE).getSpec().getPorts())
                .extracting(ServicePort::getPort)
                .containsExactly(8080);
        Service management = named(objects, Service.class, "token-broker-management");
        assertThat(management.getSpec().getPorts())
                .extracting(ServicePort::getName, ServicePort::getPort)
                .containsExactly(tuple("management", 8081));
        GenericKubernetesResource monitor = custom(objects, "ServiceMonitor");
        assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.<String>get("spec", "endpoints", 0, "port")).isEqualTo("management");
        assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
        assertThat(management.getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(named(objects, Service.class, RELEASE).getMetadata().getLabels())
                .doesNotContainEntry("app.kubernetes.io/component", "management");
    }

    @Test
    void renderWhenAllOnValuesThenPrometheusRuleAlertsOnExpiryUpstreamErrorsAndFlapping() {
        GenericKubernetesResource rule = custom(render(ALL_ON_VALUES), "PrometheusRule");

        List<Map<String, Object>> rules = rule.get("spec", "groups", 0, "rules");
        assertThat(rules)
                .extracting(alert -> String.valueOf(alert.get("expr")))
                .anySatisfy(expr -> assertThat(expr)
                        .contains("tokenbroker_token_remaining_seconds")
                        .contains("< 300"))
                .anySatisfy(expr -> assertThat(expr)
                        .contains("rate(tokenbroker_upstream_seconds_count{")
                        .contains("outcome!=\"success\"}[5m])"))
                .anySatisfy(expr -> assertThat(expr)
                        .contains("changes(tokenbroker_vault_reachable{")
                        .contains("> 4"));
    }

    @Test
    void renderWhenAllOnValuesThenDashboardConfigMapCarriesDashboard() throws IOException {
        ConfigMap dashboard = named(render(ALL_ON_VALUES), ConfigMap.class, "token-broker-dashboard");

        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getData().get("token-broker.json"))
                .isEqualTo(Files.readString(DASHBOARD).strip());
    }

    @Test
    void renderWhenHashicorpVaultThenSettingsReachConfigMapAndNoSecretIsMounted() {
        List<HasMetadata> objects = render(ALL_ON_VALUES);

        Map<String, Object> vault = GenericKubernetesResource.get(applicationYaml(objects), "tokenbroker", "vault");
        assertThat(vault).containsEntry("type", "hashicorp");
        assertThat(GenericKubernetesResource.<Object>get(vault, "hashicorp", "uri"))
                .isEqualTo("https://vault.vault.svc:8200");
        assertThat(GenericKubernetesResource.<Object>get(vault, "hashicorp", "authentication", "kubernetes", "role"))
                .isEqualTo("token-broker");
        assertThat(GenericKubernetesResource.<Object>get(
                        vault, "hashicorp", "authentication", "kubernetes", "service-account-token-file"))
                .isEqualTo("/var/run/secrets/tokens/token");
        assertThat(podSpec(objects).getVolumes()).extracting(Volume::getName).doesNotContain("token-broker-vault");
    }

    @Test
    void renderWhenDefaultValuesThenAuditLinesAreBareJsonOnStandardOutput() {
        Map<String, Object> application = applicationYaml(render(template()));

        assertThat(GenericKubernetesResource.<Object>get(application, "tokenbroker", "audit", "stdout"))
                .isEqualTo("json-lines");
    }

    @Test
    void renderWhenAuditSaltSecretGivenThenEveryReplicaReadsSameSalt() {
        Container broker = brokerContainer(podSpec(render(ALL_ON_VALUES)));

        assertThat(broker.getEnv())
                .filteredOn(env -> env.getName().equals("TOKENBROKER_AUDIT_SALT"))
                .singleElement()
                .satisfies(env -> {
                    assertThat(env.getValue()).isNull();
                    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("token-broker-audit");
                    assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("salt");
                });
    }

    @Test
    void renderWhenTlsFromCertManagerThenCertificateNamesTheServiceAndItsSecretIsMountedReadOnly() {
        List<HasMetadata> objects =
                render(template().set("tls.enabled", "true").set("tls.certManager.issuerRef.name", "cluster-ca"));

        GenericKubernetesResource certificate = custom(objects, "Certificate");
        assertThat(certificate.getApiVersion()).isEqualTo("cert-manager.io/v1");
        assertThat(certificate.<String>get("spec", "secretName")).isEqualTo("token-broker-tls");
        assertThat(certificate.<Map<String, Object>>get("spec", "issuerRef"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("name", "cluster-ca", "kind", "ClusterIssuer", "group", "cert-manager.io"));
        assertThat(certificate.<List<String>>get("spec", "dnsNames"))
                .containsExactly(
                        "token-broker",
                        "token-broker.token-broker",
                        "token-broker.token-broker.svc",
                        "token-broker.token-broker.svc.cluster.local");
        assertThat(certificate.<Map<String, Object>>get("spec", "privateKey"))
                .containsEntry("encoding", "PKCS8")
                .containsEntry("rotationPolicy", "Always");
        assertTlsSecretMounted(podSpec(objects), "token-broker-tls");
        assertServedOverTls(objects);
    }

    @Test
    void renderWhenTlsFromExistingSecretThenNoCertificateRendersAndTheSecretIsMounted() {
        List<HasMetadata> objects =
                render(template().set("tls.enabled", "true").set("tls.existingSecret", "broker-tls"));

        assertThat(objects).noneMatch(object -> object.getKind().equals("Certificate"));
        assertThat(objects).noneMatch(object -> object.getMetadata().getName().equals("broker-tls"));
        assertTlsSecretMounted(podSpec(objects), "broker-tls");
        assertServedOverTls(objects);
    }

    @Test
    void renderWhenTlsValuesThenServiceMonitorScrapesHttpsCheckingTheServiceName() {
        List<HasMetadata> objects = render(TLS_VALUES);

        GenericKubernetesResource monitor = custom(objects, "ServiceMonitor");
        assertThat(monitor.<String>get("spec", "endpoints", 0, "scheme")).isEqualTo("https");
        assertThat(monitor.<Map<String, Object>>get("spec", "endpoints", 0, "tlsConfig"))
                .isEqualTo(Map.of(
                        "ca",
                        Map.of("secret", Map.of("name", "token-broker-tls", "key", "ca.crt")),
                        "serverName",
                        "token-broker.token-broker.svc"));
        assertThat(custom(objects, "Certificate").<List<String>>get("spec", "dnsNames"))
                .contains("token-broker.token-broker.svc", "token-broker-management.token-broker.svc")
                .endsWith("token-broker.example.com");
        assertServedOverTls(objects);
    }

    @Test
    void renderWhenServiceMonitorTlsConfigGivenThenItReplacesTheDefault() {
        GenericKubernetesResource monitor = custom(
                render(template(TLS_VALUES)
                        .set("serviceMonitor.tlsConfig.ca.configMap.name", "cluster-trust")
                        .set("serviceMonitor.tlsConfig.ca.configMap.key", "trust-bundle.pem")
                        .set("serviceMonitor.tlsConfig.serverName", "token-broker.token-broker.svc")),
                "ServiceMonitor");

        assertThat(monitor.<Map<String, Object>>get("spec", "endpoints", 0, "tlsConfig"))
                .isEqualTo(Map.of(
                        "ca",
                        Map.of("configMap", Map.of("name", "cluster-trust", "key", "trust-bundle.pem")),
                        "serverName",
                        "token-broker.token-broker.svc"));
    }

    @Test
    void renderWhenTlsValuesThenNetworkPolicyIsTheSameAsWithout() {
        NetworkPolicy withTls = only(render(TLS_VALUES), NetworkPolicy.class);

        NetworkPolicy without = only(render(template(TLS_VALUES).set("tls.enabled", "false")), NetworkPolicy.class);

        assertThat(withTls).isEqualTo(without);
    }

    @Test
    void renderWhenDefaultValuesThenPlainHttpWithoutCertificate() {
        List<HasMetadata> objects = render(template());

        Map<String, Object> application = applicationYaml(objects);
        assertThat(GenericKubernetesResource.<Object>get(application, "server", "ssl"))
                .isNull();
        assertThat(GenericKubernetesResource.<Object>get(application, "management", "server", "ssl"))
                .isNull();
        assertThat(objects).noneMatch(object -> object.getKind().equals("Certificate"));
        assertThat(probes(brokerContainer(podSpec(objects))))
                .extracting(probe -> probe.getHttpGet().getScheme())
                .containsOnlyNulls();
    }

    @Test
    void renderWhenSidecarWithTlsEnabledThenLoopbackStaysPlainHttpUnlessSidecarTls(@TempDir Path tempDir) {
        Map<String, Object> tls = Map.of("enabled", true, "existingSecret", "scorer-tls");

        Container plain = named(
                only(renderSidecarPod(tempDir.resolve("plain"), Map.of("tls", tls)), Pod.class)
                        .getSpec()
                        .getInitContainers(),
                "token-broker");
        List<HasMetadata> asked =
                renderSidecarPod(tempDir.resolve("asked"), Map.of("tls", tls, "sidecar", Map.of("tls", true)));

        assertThat(probes(plain))
                .extracting(probe -> probe.getHttpGet().getScheme())
                .containsOnlyNulls();
        assertThat(plain.getVolumeMounts()).extracting(VolumeMount::getName).doesNotContain("token-broker-tls");
        PodSpec pod = only(asked, Pod.class).getSpec();
        Container sidecar = named(pod.getInitContainers(), "token-broker");
        assertThat(probes(sidecar))
                .extracting(probe -> probe.getHttpGet().getScheme())
                .containsOnly("HTTPS");
        assertTlsSecretMounted(pod, sidecar, "scorer-tls");
    }

    @Test
    void renderWhenSidecarTlsFromCertManagerThenCertificateNamesLoopback() {
        List<HasMetadata> objects = render(template(SIDECAR_VALUES)
                .set("tls.enabled", "true")
                .set("sidecar.tls", "true")
                .set("tls.certManager.issuerRef.name", "cluster-ca"));

        GenericKubernetesResource certificate = custom(objects, "Certificate");
        assertThat(certificate.<List<String>>get("spec", "dnsNames")).containsExactly("localhost");
        assertThat(certificate.<List<String>>get("spec", "ipAddresses")).containsExactly("127.0.0.1");
        assertThat(GenericKubernetesResource.<Object>get(applicationYaml(objects), "server", "ssl", "bundle"))
                .isEqualTo("token-broker");
    }

    @Test
    void templateWhenTlsEnabledWithoutCertificateSourceThenSchemaRefusesIt() {
        TemplateCommand command = template().set("tls.enabled", "true");

        assertThatThrownBy(command::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("at '/tls': 'oneOf' failed, none matched")
                .hasMessageContaining("at '/tls/existingSecret': minLength")
                .hasMessageContaining("at '/tls/certManager/issuerRef/name': minLength");
    }

    @Test
    void templateWhenTlsHasBothCertificateSourcesThenSchemaRefusesIt() {
        TemplateCommand command = template(TLS_VALUES).set("tls.existingSecret", "broker-tls");

        assertThatThrownBy(command::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("at '/tls': 'oneOf' failed, none matched")
                .hasMessageContaining("at '/tls/existingSecret': maxLength")
                .hasMessageContaining("at '/tls/certManager/issuerRef/name': maxLength");
    }

    @Test
    void templateWhenTlsDisabledThenCertificateSourcesAreNotRequired() {
        List<HasMetadata> objects = render(template().set("tls.existingSecret", "broker-tls"));

        assertThat(applicationYaml(objects)).doesNotContainKey("spring");
        assertThat(podSpec(objects).getVolumes()).extracting(Volume::getName).doesNotContain("token-broker-tls");
    }

    @Test
    void templateWhenBadValuesThenSchemaRejectsThem() {
        TemplateCommand command = template(BAD_VALUES);

        assertThatThrownBy(command::call)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("/replicaCount");
    }

    @Test
    void valuesWhenReadThenEveryKeyIsDocumented() throws IOException {
        List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));

        List<String> undocumented = new ArrayList<>();
        String previous = "";
        for (String line : lines) {
            if (VALUES_KEY.matcher(line).find() && !line.contains(" # ") && !previous.startsWith("#")) {
                undocumented.add(line);
            }
            if (!line.isBlank()) {
                previous = line.strip();
            }
        }
        assertThat(undocumented).isEmpty();
    }

    static TemplateCommand template() {
        return new Helm(CHART).template().withName(RELEASE).withNamespace(RELEASE);
    }

    private static TemplateCommand template(Path valuesFile) {
        return template().withValuesFile(valuesFile);
    }

    private static List<HasMetadata> render(Path valuesFile) {
        return render(template(valuesFile));
    }

    static List<HasMetadata> render(TemplateCommand command) {
        return parse(command.call());
    }

    /** Renders a Pod of an app chart that has token-broker as a dependency with the sidecar CI values. */
    private static List<HasMetadata> renderSidecarPod(Path tempDir) {
        return renderSidecarPod(tempDir, Map.of());
    }

    /** The same, with {@code values} overlaid on the sidecar CI values. */
    private static List<HasMetadata> renderSidecarPod(Path tempDir, Map<String, Object> values) {
        Path app = tempDir.resolve("scorer");
        copyTree(CHART, app.resolve("charts/token-broker"));
        write(app.resolve("Chart.yaml"), """
                apiVersion: v2
                name: scorer
                version: 1.0.0
                dependencies:
                  - name: token-broker
                    version: 0.1.0
                """);
        write(
                app.resolve("values.yaml"),
                serialization.asYaml(Map.of("token-broker", overlay(readYaml(SIDECAR_VALUES), values))));
        write(app.resolve("templates/pod.yaml"), SIDECAR_POD_TEMPLATE);
        return parse(
                new Helm(app).template().withName("scorer").withNamespace("ml").call());
    }

    /**
     * helm lint takes no values file through helm-java, so lint a copy of the chart whose values.yaml is the chart's
     * defaults overlaid with the file, as `helm lint -f FILE` would coalesce them.
     */
    private static Path chartWithValues(Path valuesFile, Path tempDir) {
        Path copy = tempDir.resolve("token-broker");
        copyTree(CHART, copy);
        Map<String, Object> values = overlay(readYaml(CHART.resolve("values.yaml")), readYaml(valuesFile));
        write(copy.resolve("values.yaml"), serialization.asYaml(values));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> overlay(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> merged.merge(key, value, (left, right) -> {
            if (left instanceof Map && right instanceof Map) {
                return overlay((Map<String, Object>) left, (Map<String, Object>) right);
            }
            return right;
        }));
        return merged;
    }

    private static List<HasMetadata> parse(String manifests) {
        return Arrays.stream(manifests.split("(?m)^---\\s*$"))
                .filter(HelmChartTests::hasContent)
                .map(document -> serialization.unmarshal(document, HasMetadata.class))
                .toList();
    }

    private static boolean hasContent(String document) {
        return document.lines().anyMatch(line -> !line.isBlank() && !line.startsWith("#"));
    }

    private static Map<String, Object> readYaml(Path file) {
        try {
            return serialization.unmarshal(Files.readString(file), new TypeReference<Map<String, Object>>() {});
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static Map<String, Object> applicationYaml(List<HasMetadata> objects) {
        String yaml = named(objects, ConfigMap.class, RELEASE).getData().get("application.yaml");
        return serialization.unmarshal(yaml, new TypeReference<Map<String, Object>>() {});
    }

    private static void copyTree(Path source, Path target) {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination);
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void assertLockedDown(SecurityContext context) {
        assertThat(context.getRunAsNonRoot()).isTrue();
        assertThat(context.getRunAsUser()).isEqualTo(10001L);
        assertThat(context.getReadOnlyRootFilesystem()).isTrue();
        assertThat(context.getAllowPrivilegeEscalation()).isFalse();
        assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(context.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(context.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    /** The one SSL bundle both ports serve, read from the files of the mounted Secret, and probes over https. */
    private static void assertServedOverTls(List<HasMetadata> objects) {
        Map<String, Object> application = applicationYaml(objects);
        assertThat(GenericKubernetesResource.<Object>get(application, "spring", "ssl", "bundle", "pem", "token-broker"))
                .isEqualTo(Map.of(
                        "reload-on-update",
                        true,
                        "keystore",
                        Map.of(
                                "certificate",
                                "/var/run/secrets/token-broker/tls/tls.crt",
                                "private-key",
                                "/var/run/secrets/token-broker/tls/tls.key",
                                "verify-keys",
                                true)));
        assertThat(GenericKubernetesResource.<Object>get(
                        application, "spring", "ssl", "bundle", "watch", "file", "quiet-period"))
                .isEqualTo("10s");
        assertThat(GenericKubernetesResource.<Object>get(application, "server", "ssl", "bundle"))
                .isEqualTo("token-broker");
        assertThat(GenericKubernetesResource.<Object>get(application, "management", "server", "ssl", "bundle"))
                .isEqualTo("token-broker");
        assertThat(probes(brokerContainer(podSpec(objects))))
                .hasSize(3)
                .extracting(probe -> probe.getHttpGet().getScheme())
                .containsOnly("HTTPS");
    }

    private static void assertTlsSecretMounted(PodSpec pod, String secretName) {
        assertTlsSecretMounted(pod, brokerContainer(pod), secretName);
    }

    private static void assertTlsSecretMounted(PodSpec pod, Container broker, String secretName) {
        Volume tls = volume(pod, "token-broker-tls");
        assertThat(tls.getSecret().getSecretName()).isEqualTo(secretName);
        assertThat(tls.getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(tuple("tls.crt", "tls.crt"), tuple("tls.key", "tls.key"));
        assertThat(mount(broker, "token-broker-tls"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly, VolumeMount::getSubPath)
                .containsExactly("/var/run/secrets/token-broker/tls", true, null);
    }

    private static List<Probe> probes(Container container) {
        return Stream.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())
                .filter(Objects::nonNull)
                .toList();
    }

    private static void assertHttpProbe(Probe probe, String path, IntOrString port) {
        assertThat(probe.getHttpGet())
                .extracting(HTTPGetAction::getPath, HTTPGetAction::getPort)
                .containsExactly(path, port);
    }

    private static Integer portNumber(NetworkPolicyPort port) {
        return port.getPort().getIntVal();
    }

    static PodSpec podSpec(List<HasMetadata> objects) {
        return only(objects, Deployment.class).getSpec().getTemplate().getSpec();
    }

    static Container brokerContainer(PodSpec pod) {
        return named(pod.getContainers(), "token-broker");
    }

    private static Container named(List<Container> containers, String name) {
        return containers.stream()
                .filter(container -> container.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + containers));
    }

    static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(volume -> volume.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static VolumeMount mount(Container container, String name) {
        return container.getVolumeMounts().stream()
                .filter(mount -> mount.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no mount " + name + " in " + container.getName()));
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matches =
                objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matches).as("rendered %s objects", type.getSimpleName()).hasSize(1);
        return matches.get(0);
    }

    private static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(object -> object.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static GenericKubernetesResource custom(List<HasMetadata> objects, String kind) {
        return objects.stream()
                .filter(GenericKubernetesResource.class::isInstance)
                .map(GenericKubernetesResource.class::cast)
                .filter(object -> object.getKind().equals(kind))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }
}
