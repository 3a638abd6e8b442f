package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.CR_TOKEN;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.KEYLESS_KEY;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A broker whose vault is an empty folder (application-keyless.yaml): its one credential is a trusted profile, minted
 * from the compute-resource token the kubelet projected, written to a file sink, listed by the tokens view.
 */
class KeylessBrokerIntegrationTests {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    private static Path vault;
    private static Path sink;
    private static ConfigurableApplicationContext broker;
    private static WebTestClient api;
    private static WebTestClient management;

    @BeforeAll
    static void startWithAnEmptyVault() throws IOException {
        vault = Files.createTempDirectory("token-broker-empty-vault");
        sink = Files.createTempDirectory("token-broker-keyless-sink").resolve("cos-reader.token");
        IAM.reset();
        broker = SeparateBroker.start(
                "keyless", List.of("--tokenbroker.vault.file.directory=" + vault, "--test.keyless-sink=" + sink));
        api = client(SeparateBroker.port(broker));
        management = client(SeparateBroker.managementPort(broker));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void iamTokenWhenVaultHoldsNoKeyThenTrustedProfileMintedFromTheProjectedTokenFile() throws IOException {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(sink));

        Map<String, Object> body = api.post()
                .uri("/v1/credentials/cos-reader/iam-token")
                .headers(headers -> headers.setBearerAuth(KEYLESS_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        try (Stream<Path> anything = Files.list(vault)) {
            assertThat(anything).as("the vault folder").isEmpty();
        }
        String accessToken = (String) body.get("access_token");
        assertThat(body).containsEntry("credential", "cos-reader").containsEntry("token_type", "Bearer");
        assertThat(Files.readString(TestBroker.CR_TOKENS.resolve("reader/sa-token")))
                .isEqualTo(CR_TOKEN);
        assertThat(IAM.requests()).singleElement().satisfies(request -> {
            assertThat(request.contentType()).startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE);
            assertThat(request.accept()).isEqualTo(MediaType.APPLICATION_JSON_VALUE);
            assertThat(request.form())
                    .isEqualTo(Map.of(
                            "grant_type",
                            IamSimulator.CR_TOKEN_GRANT,
                            "cr_token",
                            CR_TOKEN,
                            "profile_id",
                            "Profile-cos-reader"));
        });
        assertThat(IAM.profileThatMinted(accessToken)).isEqualTo("Profile-cos-reader");
        assertThat(IAM.crTokenThatMinted(accessToken)).isEqualTo(CR_TOKEN);
        assertThat(IAM.keyThatMinted(accessToken)).isNull();
    }

    @Test
    void sinkWhenTrustedProfileCredentialThenFileHoldsTheServedTokenWithMode0600() throws IOException {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(sink));
        String served = accessToken();

        String written = Files.readString(sink);

        assertThat(written).isEqualTo(served);
        assertThat(IAM.crTokenThatMinted(written)).isEqualTo(CR_TOKEN);
        assertThat(Files.getPosixFilePermissions(sink)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        management
                .get()
                .uri("/actuator/health/startup")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
    }

    @Test
    void tokensViewWhenTrustedProfileCachedThenListedWithTheProfileVersionAndNoSecret() {
        String served = accessToken();

        String view = management
                .get()
                .uri("/actuator/tokens")
                .headers(headers -> headers.setBearerAuth(OPS_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();

        assertThat(view)
                .contains(
                        "\"credential\":\"cos-reader\"",
                        "\"kind\":\"iam-token\"",
                        "\"secretVersion\":\"" + CredentialIssuer.PROFILE_VERSION + "\"")
                .doesNotContain(served, CR_TOKEN, "CRCANARY");
    }

    private static String accessToken() {
        return (String) api.post()
                .uri("/v1/credentials/cos-reader/iam-token")
                .headers(headers -> headers.setBearerAuth(KEYLESS_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("access_token");
    }

    private static WebTestClient client(int port) {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }
}
