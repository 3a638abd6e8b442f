package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.VAULT;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BackgroundLoad;
import dev.tokenbroker.testing.LoadClients;
import dev.tokenbroker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Make-before-break rotation under load (DESIGN §4): a new master key that IAM refuses, and a key file that a writer
 * truncates and fills again, never fail a caller while the token minted with the version in service is valid.
 */
@ExtendWith(OutputCaptureExtension.class)
class MasterKeyRotationIntegrationTests extends ManagementTest {

    private static final String REFUSED_KEY = "MASTERCANARY0wmldev0refused";

    @AfterEach
    void restoreKey() {
        TestBroker.writeSecret("wml-dev", "apikey", WML_DEV_KEY);
        await().atMost(Duration.ofSeconds(10)).until(() -> pendingRotations().isEmpty());
    }

    @Test
    void iamTokenWhenNewMasterKeyIsRefusedThenOldTokenKeepsServingUnderLoadAndTheRefusalShows(CapturedOutput output) {
        String old = accessTokenFor(SCORER_KEY, "wml-dev");
        BackgroundLoad<Answer> load = load();

        TestBroker.writeSecret("wml-dev", "apikey", REFUSED_KEY);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !pendingRotations().isEmpty()
                        && pendingRotations().get(0).get("lastError") != null);
        load.atLeast(200);
        Map<String, Object> pending = pendingRotations().get(0);
        PrometheusScrape during = scrape();
        Object readinessDuring = management(null)
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("status");
        TestBroker.writeSecret("wml-dev", "apikey", WML_DEV_KEY);
        await().atMost(Duration.ofSeconds(10)).until(() -> pendingRotations().isEmpty());
        List<Answer> answers = load.stop();

        assertThat(answers).hasSizeGreaterThanOrEqualTo(200).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).contains(old);
        });
        assertThat(pending)
                .containsEntry("secret", "wml-dev")
                .containsEntry("status", "DOWN")
                .containsEntry("vaultStatus", "RESTRICTED")
                .containsEntry("failedAttempts", 1)
                .containsEntry("lastError", "iam rejected (HTTP 400) BXNIM0415E");
        assertThat(readinessDuring)
                .as("a refused rotation is RESTRICTED, which readiness ranks below UP")
                .isEqualTo("UP");
        assertThat(during.value("tokenbroker_vault_rotations_total", "secret", "wml-dev", "outcome", "refused"))
                .isEqualTo(1.0);
        assertThat(during.value("tokenbroker_vault_rotation_pending", "secret", "wml-dev"))
                .isEqualTo(1.0);
        assertThat(scrape().value("tokenbroker_vault_rotation_pending", "secret", "wml-dev"))
                .isZero();
        assertThat(IAM.requests())
                .extracting(request -> request.form().get("apikey"))
                .containsExactly(WML_DEV_KEY, REFUSED_KEY);
        assertThat(output.getAll())
                .containsOnlyOnce("cannot mint (iam rejected (HTTP 400) BXNIM0415E)")
                .contains("\"grant\":\"master-key-rotation\",\"outcome\":\"refused\"")
                .doesNotContain(REFUSED_KEY);
    }

    @Test
    void iamTokenWhenKeyFileIsTruncatedThenRewrittenThenOldTokenKeepsServingAndNothingIsMintedAgain(
            CapturedOutput output) throws IOException {
        String old = accessTokenFor(SCORER_KEY, "wml-dev");
        Path apikey = VAULT.resolve("wml-dev/apikey");
        BackgroundLoad<Answer> load = load();

        Files.writeString(apikey, "");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> output.getAll().contains("has empty field file(s) [apikey]"));
        load.atLeast(100);
        Files.writeString(apikey, WML_DEV_KEY.substring(0, 9));
        await().atMost(Duration.ofSeconds(10)).until(() -> output.getAll().contains("cannot mint"));
        load.atLeast(load.count() + 100);
        Files.writeString(apikey, WML_DEV_KEY + "\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> pendingRotations().isEmpty());
        load.atLeast(load.count() + 100);
        List<Answer> answers = load.stop();

        assertThat(answers).hasSizeGreaterThanOrEqualTo(300).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).contains(old);
        });
        assertThat(IAM.requests())
                .extracting(request -> request.form().get("apikey"))
                .as("the unchanged key is minted with once; the half-written one is tried once and refused")
                .containsExactly(WML_DEV_KEY, WML_DEV_KEY.substring(0, 9));
    }

    // The vault's pending rotations as its health shows them: one sub-component per secret, flattened here to its
    // details plus "secret", "status" and the vault's own status as "vaultStatus".
    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> pendingRotations() {
        Map<String, Object> health = management(OPS_KEY)
                .get()
                .uri("/actuator/health/vault")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
        Map<String, Object> details = (Map<String, Object>) health.getOrDefault("details", Map.of());
        List<Map<String, Object>> rotations = new ArrayList<>();
        details.forEach((secret, component) -> {
            Map<String, Object> rotation = new LinkedHashMap<>(
                    (Map<String, Object>) ((Map<String, Object>) component).getOrDefault("details", Map.of()));
            rotation.put("secret", secret);
            rotation.put("status", ((Map<String, Object>) component).get("status"));
            rotation.put("vaultStatus", health.get("status"));
            rotations.add(rotation);
        });
        return rotations;
    }

    private record Answer(int status, String body) {}

    // Callers asking for the credential, 8 at a time, until stopped.
    private BackgroundLoad<Answer> load() {
        WebClient client = LoadClients.concurrent(port, 8, new AtomicInteger());
        return BackgroundLoad.start(
                i -> client.post()
                        .uri("/v1/credentials/{name}/iam-token", "wml-dev")
                        .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                        .exchangeToMono(response -> response.bodyToMono(String.class)
                                .defaultIfEmpty("")
                                .map(body -> new Answer(response.statusCode().value(), body)))
                        .onErrorResume(failure -> Mono.just(new Answer(0, failure.toString()))),
                8);
    }
}
