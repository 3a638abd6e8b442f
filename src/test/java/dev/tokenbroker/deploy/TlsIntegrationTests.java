package dev.tokenbroker.deploy;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.ibm.cloud.sdk.core.http.HttpClientSingleton;
import com.ibm.cloud.sdk.core.security.IamAuthenticator;
import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestCertificates;
import dev.tokenbroker.testing.TestJwts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import okhttp3.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The broker started with the TLS settings the Helm chart renders (read from the rendered ConfigMap and Deployment,
 * so they cannot drift), its certificate Secret mounted the way the kubelet mounts one: files behind a {@code ..data}
 * symlink that a renewal swaps in one rename. Both ports serve https from one bundle; a renewed certificate reaches
 * new connections after the bundle's quiet period, without a restart. Callers trust a test CA, as callers in a
 * cluster trust cert-manager's CA.
 */
@ExtendWith(OutputCaptureExtension.class)
class TlsIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(TlsIntegrationTests.class);

    private static final String EXISTING_SECRET = "token-broker-tls";

    private static final TestCertificates.Authority CA = TestCertificates.authority();

    /** What a caller's trust store holds: the CA, read from its PEM file ({@code ca.crt}). */
    private static final X509TrustManager CALLER_TRUST = TestCertificates.trustManager(CA.certificatePem());

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path mounted;

    private static SecretVolume secret;

    private static Duration quietPeriod;

    private static ConfigurableApplicationContext broker;

    private static volatile X509Certificate current;

    @BeforeAll
    static void startBrokerWithTheChartsTlsSettings() {
        List<HasMetadata> chart = HelmChartTests.render(
                HelmChartTests.template().set("tls.enabled", "true").set("tls.existingSecret", EXISTING_SECRET));
        PodSpec pod = HelmChartTests.podSpec(chart);
        String mountPath = HelmChartTests.mount(HelmChartTests.brokerContainer(pod), "token-broker-tls")
                .getMountPath();
        List<KeyToPath> items =
                HelmChartTests.volume(pod, "token-broker-tls").getSecret().getItems();
        Map<String, String> tls = tlsProperties(HelmChartTests.applicationYaml(chart), mountPath, mounted);
        assertThat(tls)
                .as("the chart's TLS settings")
                .containsKeys(
                        "server.ssl.bundle",
                        "management.server.ssl.bundle",
                        "spring.ssl.bundle.pem.token-broker.reload-on-update");
        quietPeriod = DurationStyle.detectAndParse(tls.get("spring.ssl.bundle.watch.file.quiet-period"));
        secret = new SecretVolume(mounted, items);
        current = secret.write(CA.issue());

        broker = SeparateBroker.start(tls.entrySet().stream()
                .map(property -> "--" + property.getKey() + "=" + property.getValue())
                .toList());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void tokenOverHttpsOnTheAppPortAndActuatorOverHttpsOnTheManagementPort() throws Exception {
        HttpClient caller = trustingCaller();

        HttpResponse<String> token = caller.send(
                HttpRequest.newBuilder(app("/v1/credentials/wml-prod/iam-token"))
                        .header("Authorization", "Bearer " + SCORER_KEY)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> readiness = caller.send(
                HttpRequest.newBuilder(management("/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = caller.send(
                HttpRequest.newBuilder(management("/actuator/health"))
                        .header("Authorization", "Bearer " + OPS_KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> prometheus = caller.send(
                HttpRequest.newBuilder(management("/actuator/prometheus"))
                        .header("Authorization", "Bearer " + OPS_KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(IAM.keyThatMinted(accessToken(token))).isEqualTo(WML_PROD_KEY);
        assertThat(token.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(current);
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"UP\"");
        assertThat(readiness.sslSession().orElseThrow().getPeerCertificates()[0])
                .isEqualTo(current);
        JsonNode ssl = JSON.readTree(health.body()).path("components").path("ssl");
        assertThat(ssl.path("status").asString()).isEqualTo("UP");
        assertThat(ssl.path("details")
                        .path("validChains")
                        .path(0)
                        .path("certificates")
                        .path(0)
                        .path("serialNumber")
                        .asString())
                .isEqualTo(current.getSerialNumber().toString(16));
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("tokenbroker_");
    }

    @Test
    void plainHttpIsNotServedOnEitherPort() {
        HttpClient plain =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        for (URI uri : List.of(
                URI.create("http://127.0.0.1:" + SeparateBroker.port(broker) + "/v3/api-docs"),
                URI.create("http://127.0.0.1:" + SeparateBroker.managementPort(broker) + "/actuator/health"))) {
            assertThatThrownBy(() -> plain.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .as(uri.toString())
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void tokenExchangeAndOpenApiAnswerOverHttpsAsOverHttp() throws Exception {
        HttpClient caller = trustingCaller();
        String form = Stream.of(
                        Map.entry("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                        Map.entry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
                        Map.entry(
                                "subject_token",
                                TestJwts.serviceAccount("ml", "scorer").sign()),
                        Map.entry("audience", "wml-prod"))
                .map(field -> field.getKey() + "=" + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));

        HttpResponse<String> exchanged = caller.send(
                HttpRequest.newBuilder(app("/oauth2/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> apiDocs =
                caller.send(HttpRequest.newBuilder(app("/v3/api-docs")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(exchanged.statusCode()).isEqualTo(200);
        assertThat(IAM.keyThatMinted(accessToken(exchanged))).isEqualTo(WML_PROD_KEY);
        assertThat(apiDocs.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(apiDocs.body()).path("paths").has("/iam/{name}/identity/token"))
                .isTrue();
    }

    @Test
    void iamAuthenticatorWithTheCaInItsTrustStoreGetsATokenFromTheFacadeOverHttps() {
        IamAuthenticator trusting = facadeAuthenticator();
        trusting.setClient(HttpClientSingleton.getInstance()
                .getHttpClient()
                .newBuilder()
                .sslSocketFactory(TestCertificates.sslContext(CALLER_TRUST).getSocketFactory(), CALLER_TRUST)
                .build());
        IamAuthenticator jvmDefaultTrust = facadeAuthenticator();

        String token = bearerOf(trusting);

        assertThat(IAM.keyThatMinted(token)).isEqualTo(WML_PROD_KEY);
        assertThatThrownBy(() -> bearerOf(jvmDefaultTrust)).hasStackTraceContaining("SSLHandshakeException");
    }

    /**
     * A renewal as the kubelet applies it: new files in a new folder, then one rename of the {@code ..data} symlink.
     * Boot's watcher follows that symlink (it watches the mount folder for a new {@code ..data}), waits until the files
     * have been quiet for the quiet period, and swaps the bundle: the next connection on either port gets the new
     * certificate, from the same running broker.
     */
    @Test
    void renewedCertificateFilesReachNewConnectionsOnBothPortsWithoutARestart() throws Exception {
        int port = SeparateBroker.port(broker);
        int managementPort = SeparateBroker.managementPort(broker);
        long startedAt = broker.getStartupDate();
        X509Certificate before = current;
        assertThat(presented(port)).isEqualTo(before);

        long swappedAt = System.nanoTime();
        X509Certificate renewed = secret.write(CA.issue());
        await().atMost(quietPeriod.plus(Duration.ofSeconds(20)))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> presented(port).equals(renewed)
                        && presented(managementPort).equals(renewed));
        Duration reloadedAfter = Duration.ofNanos(System.nanoTime() - swappedAt);
        current = renewed;

        log.info(
                "The renewed certificate was presented on both ports {} ms after the ..data swap (quiet period {})",
                reloadedAfter.toMillis(),
                quietPeriod);
        assertThat(renewed.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(broker.isActive()).isTrue();
        assertThat(broker.getStartupDate()).isEqualTo(startedAt);
        assertThat(SeparateBroker.port(broker)).isEqualTo(port);
        HttpResponse<String> token = trustingCaller()
                .send(
                        HttpRequest.newBuilder(app("/v1/credentials/wml-prod/iam-token"))
                                .header("Authorization", "Bearer " + SCORER_KEY)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(token.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(renewed);
    }

    @Test
    void renewedFilesWhoseKeyDoesNotMatchTheCertificateLeaveThePreviousCertificateInService(CapturedOutput output)
            throws Exception {
        int port = SeparateBroker.port(broker);
        X509Certificate before = current;
        TestCertificates.Issued one = CA.issue();
        TestCertificates.Issued other = CA.issue();

        secret.write(one.certificatePem(), other.privateKeyPem());
        await().atMost(quietPeriod.plus(Duration.ofSeconds(20)))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> output.getAll().contains("Unexpected SSL reload error"));

        assertThat(presented(port)).isEqualTo(before);
        assertThat(presented(SeparateBroker.managementPort(broker))).isEqualTo(before);
        assertThat(output.getAll())
                .doesNotContain(
                        other.privateKeyPem().lines().skip(1).findFirst().orElseThrow());
    }

    /**
     * The chart's TLS properties ({@code spring.ssl.*}, {@code server.ssl.*}, {@code management.server.ssl.*}) as
     * command-line properties, with the Secret's mount path replaced by the test's folder.
     */
    private static Map<String, String> tlsProperties(Map<String, Object> application, String mountPath, Path folder) {
        Map<String, String> all = new LinkedHashMap<>();
        flatten("", application, all);
        Map<String, String> tls = new LinkedHashMap<>();
        all.forEach((name, value) -> {
            if (name.matches("(spring|server|management\\.server)\\.ssl\\..+")) {
                tls.put(name, value.replace(mountPath, folder.toString()));
            }
        });
        return tls;
    }

    private static void flatten(String prefix, Object value, Map<String, String> into) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, nested) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, nested, into));
        } else {
            into.put(prefix, String.valueOf(value));
        }
    }

    /** The certificate the broker presents on a new TLS connection (a new client context: no session resumption). */
    private static X509Certificate presented(int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) TestCertificates.sslContext(CALLER_TRUST)
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static HttpClient trustingCaller() {
        return HttpClient.newBuilder()
                .sslContext(TestCertificates.sslContext(CALLER_TRUST))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static URI app(String path) {
        return URI.create("https://127.0.0.1:" + SeparateBroker.port(broker) + path);
    }

    private static URI management(String path) {
        return URI.create("https://127.0.0.1:" + SeparateBroker.managementPort(broker) + path);
    }

    private static String accessToken(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("access_token").asString();
    }

    private static IamAuthenticator facadeAuthenticator() {
        return new IamAuthenticator.Builder()
                .url("https://127.0.0.1:" + SeparateBroker.port(broker) + "/iam/wml-prod")
                .apikey(SCORER_KEY)
                .build();
    }

    private static String bearerOf(IamAuthenticator sdk) {
        Request.Builder request = new Request.Builder().url("https://us-south.ml.cloud.ibm.com/ml/v4/deployments");
        sdk.authenticate(request);
        String authorization = request.build().header("Authorization");
        assertThat(authorization).startsWith("Bearer ");
        return authorization.substring("Bearer ".length());
    }

    /**
     * A Secret volume written as the kubelet writes one (its AtomicWriter): the files in a timestamped folder, a
     * {@code ..data} symlink to that folder, and one symlink per item to {@code ..data/ITEM}. An update writes a new
     * folder, points {@code ..data_tmp} at it, renames that over {@code ..data} and deletes the old folder.
     */
    private static final class SecretVolume {

        private final Path root;

        private final List<KeyToPath> items;

        private int generation;

        SecretVolume(Path root, List<KeyToPath> items) {
            this.root = root;
            this.items = items;
        }

        /** Writes the Secret's {@code tls.crt} and {@code tls.key} to the item paths; returns the certificate. */
        X509Certificate write(TestCertificates.Issued issued) {
            write(issued.certificatePem(), issued.privateKeyPem());
            return issued.certificate();
        }

        void write(String certificatePem, String privateKeyPem) {
            Map<String, String> secret = Map.of("tls.crt", certificatePem, "tls.key", privateKeyPem);
            try {
                Path data = root.resolve("..data");
                Path previous = Files.isSymbolicLink(data) ? root.resolve(Files.readSymbolicLink(data)) : null;
                Path folder = Files.createDirectory(root.resolve("..2026_11_16_12_00_00." + ++generation));
                for (KeyToPath item : items) {
                    Files.writeString(folder.resolve(item.getPath()), secret.get(item.getKey()));
                }
                Path next = Files.createSymbolicLink(root.resolve("..data_tmp"), folder.getFileName());
                Files.move(next, data, StandardCopyOption.ATOMIC_MOVE);
                for (KeyToPath item : items) {
                    Path visible = root.resolve(item.getPath());
                    if (!Files.isSymbolicLink(visible)) {
                        Files.createSymbolicLink(visible, Path.of("..data", item.getPath()));
                    }
                }
                if (previous != null) {
                    try (Stream<Path> files = Files.list(previous)) {
                        for (Path file : files.toList()) {
                            Files.delete(file);
                        }
                    }
                    Files.delete(previous);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
