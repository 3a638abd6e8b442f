package dev.tokenbroker;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.audit.AuditEvent;
import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * Known secret values (master keys, client keys, minted tokens) must not show in any log line, even at DEBUG, in any
 * error body, or in the {@code toString()} of anything that holds them.
 */
@ExtendWith(OutputCaptureExtension.class)
class CanaryIntegrationTests extends BrokerIntegrationTest {

    private static final String WRONG_CLIENT_KEY = "tbk_CLIENTCANARY0wrongkey00000000000000000000";

    @Autowired
    private LoggingSystem logging;

    @Autowired
    private SecretRepository secrets;

    @AfterEach
    void quietAgain() {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
    }

    @Test
    void secretsNeverAppearInLogsOrErrorBodiesEvenAtDebug(CapturedOutput output) {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
        List<String> errorBodies = new ArrayList<>();

        // The test's own client sends and receives raw bytes: its codecs would log content at DEBUG too, and only
        // the broker's logging is under test.
        String okBody = new String(
                iamToken(SCORER_KEY, "wml-prod")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .returnResult()
                        .getResponseBodyContent(),
                StandardCharsets.UTF_8);
        String minted = okBody.replaceFirst("^.*\"access_token\":\"([^\"]+)\".*$", "$1");
        iamToken(SCORER_KEY, "wml-prod").exchange().expectStatus().isOk();
        errorBodies.add(
                body(iamToken(SCORER_KEY, "wml-badkey").exchange().expectBody().returnResult()));
        errorBodies.add(body(
                iamToken(WRONG_CLIENT_KEY, "wml-prod").exchange().expectBody().returnResult()));
        errorBodies.add(
                body(iamToken(STRANGER_KEY, "wml-prod").exchange().expectBody().returnResult()));
        errorBodies.add(body(iamToken(SCORER_KEY, "wml-prod")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(("{\"" + WML_PROD_KEY + "\":\"" + minted + "\"}").getBytes(StandardCharsets.UTF_8))
                .exchange()
                .expectBody()
                .returnResult()));
        errorBodies.add(body(iamToken(SCORER_KEY, "wml-prod")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(("{\"min_valid_seconds\":\"" + WML_PROD_KEY + "\"}").getBytes(StandardCharsets.UTF_8))
                .exchange()
                .expectBody()
                .returnResult()));
        IAM.stop();
        CLOCK.advance(Duration.ofSeconds(3590));
        errorBodies.add(
                body(iamToken(SCORER_KEY, "wml-prod").exchange().expectBody().returnResult()));

        List<String> canaries = List.of(
                TestBroker.WML_PROD_KEY,
                TestBroker.UNKNOWN_TO_IAM_KEY,
                TestBroker.IOT_MASTER_TOKEN,
                SCORER_KEY,
                STRANGER_KEY,
                WRONG_CLIENT_KEY,
                minted);
        assertThat(IAM.keyThatMinted(minted)).isEqualTo(WML_PROD_KEY);
        assertThat(errorBodies).hasSize(6).allSatisfy(body -> assertThat(body).doesNotContain(canaries));
        assertThat(output.getAll()).contains("AUDIT").doesNotContain(canaries);
    }

    @Test
    void toStringOfEverythingHoldingASecretIsRedacted() {
        Instant now = Instant.now();
        Secret key = Secret.of(WML_PROD_KEY);
        StoredSecret stored = secrets.read("wml-prod").block(Duration.ofSeconds(5));
        List<Object> holders = List.of(
                key,
                stored,
                new IamToken(Secret.of("eyJ.token.canary"), "Bearer", now, now.plusSeconds(60), "ibm"),
                new CallerAuthentication("client:scorer", List.of()),
                new AuditEvent(now, "r1", "client:scorer", "wml-prod", "iam-token", "issued", 200, null, "0011"),
                new UpstreamRejectedException(Upstream.IAM, 400, "BXNIM0415E", true, "iam refused the API key"));

        assertThat(holders)
                .allSatisfy(holder ->
                        assertThat(holder.toString()).doesNotContain(WML_PROD_KEY, "eyJ.token.canary", SCORER_KEY));
        assertThat(stored.require("apikey").reveal()).isEqualTo(WML_PROD_KEY);
    }

    private static String body(EntityExchangeResult<byte[]> result) {
        assertThat(result.getStatus().value()).isBetween(400, 599);
        return new String(result.getResponseBodyContent(), StandardCharsets.UTF_8);
    }
}
