package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.ASSUME_ONLY_KEY;
import static dev.tokenbroker.testing.TestBroker.CR_TOKEN;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.KEYLESS_KEY;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.ROTATING_CR_TOKEN;
import static dev.tokenbroker.testing.TestBroker.STOLEN_CR_TOKEN;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestCrTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a caller of a keyless credential sees when it cannot be minted: IAM refusing the compute-resource token (502
 * with IAM's code, remembered), a profile not linked to the broker's compute resource (502), a token file that is gone
 * (503, IAM not asked). No compute-resource token, master key or minted token shows in a log line (even at DEBUG), a
 * problem body or an actuator response.
 */
@ExtendWith(OutputCaptureExtension.class)
class KeylessFailuresIntegrationTests extends ManagementTest {

    private static final Path VANISHING = TestBroker.CR_TOKENS.resolve("vanishing");
    private static final String UPSTREAM_REJECTED = "https://token-broker.dev/problems/upstream-rejected";
    private static final JsonMapper JSON_MAPPER = JsonMapper.builder().build();

    @Autowired
    LoggingSystem logging;

    @Test
    void iamTokenWhenIamRefusesTheCrTokenThen502WithIamsCodeRememberedForTheFailureTtl() {
        Map<String, Object> problem = problem("cos-stolen", 502);
        Map<String, Object> again = problem("cos-stolen", 502);

        assertThat(problem)
                .containsEntry("type", UPSTREAM_REJECTED)
                .containsEntry("credential", "cos-stolen")
                .containsEntry("upstream_error_code", IamSimulator.INVALID_TOKEN)
                .containsEntry(
                        "detail",
                        "iam refused the compute-resource token or the trusted profile: HTTP 400 "
                                + IamSimulator.INVALID_TOKEN);
        assertThat(again).containsEntry("upstream_error_code", IamSimulator.INVALID_TOKEN);
        assertThat(IAM.requests())
                .singleElement()
                .satisfies(request -> assertThat(request.form()).containsEntry("cr_token", STOLEN_CR_TOKEN));
    }

    @Test
    void iamTokenWhenProfileNotLinkedToTheBrokersComputeResourceThen502WithIamsCode() {
        Map<String, Object> problem = problem("cos-unlinked", 502);

        assertThat(problem)
                .containsEntry("type", UPSTREAM_REJECTED)
                .containsEntry("upstream_error_code", IamSimulator.NOT_TRUSTED);
        assertThat(IAM.requests())
                .singleElement()
                .satisfies(request -> assertThat(request.form())
                        .containsEntry("cr_token", CR_TOKEN)
                        .containsEntry("profile_crn", TestBroker.profileCrn("cos-unlinked")));
    }

    @Test
    void iamTokenWhenTokenFileIsGoneThen503NamingTheFileWithoutAskingIamAndServedAgainOnceItIsBack(
            CapturedOutput output) {
        TestCrTokens.remove(VANISHING);
        EntityExchangeResult<byte[]> gone;
        try {
            gone = iamToken(KEYLESS_KEY, "cos-vanishing")
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503)
                    .expectHeader()
                    .valueEquals(HttpHeaders.RETRY_AFTER, "5")
                    .expectBody()
                    .returnResult();
        } finally {
            TestCrTokens.project(VANISHING, "sa-token", CR_TOKEN);
        }
        String back = accessTokenFor(KEYLESS_KEY, "cos-vanishing");

        assertThat(json(gone))
                .containsEntry("type", "https://token-broker.dev/problems/upstream-unavailable")
                .containsEntry(
                        "detail",
                        "compute-resource token file '" + VANISHING.resolve("sa-token")
                                + "' cannot be read (NoSuchFileException); no cached credential is valid long enough")
                .doesNotContainKey("upstream_error_code");
        assertThat(IAM.crTokenThatMinted(back)).isEqualTo(CR_TOKEN);
        assertThat(IAM.requests()).hasSize(1);
        assertThat(output.getAll())
                .contains("Credential 'cos-vanishing': compute-resource token file '" + VANISHING.resolve("sa-token")
                        + "' cannot be read (NoSuchFileException); is the projected service-account token mounted?");
    }

    @Test
    void everythingWhenKeylessCredentialsMintAndFailEvenAtDebugThenNoSecretInLogsProblemsOrActuator(
            CapturedOutput output) {
        List<String> bodies = new ArrayList<>();
        List<String> minted = new ArrayList<>();
        try {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
            minted.add(accessTokenFor(KEYLESS_KEY, "cos-reader"));
            minted.add(accessTokenFor(KEYLESS_KEY, "assumed-staging"));
            minted.add(accessTokenFor(KEYLESS_KEY, "assumed-batch"));
            bodies.add(raw("cos-stolen", 502));
            bodies.add(raw("cos-unlinked", 502));
            TestCrTokens.remove(VANISHING);
            try {
                bodies.add(raw("cos-vanishing", 503));
            } finally {
                TestCrTokens.project(VANISHING, "sa-token", CR_TOKEN);
            }
            for (String path : List.of(
                    "/actuator/tokens",
                    "/actuator/env",
                    "/actuator/configprops",
                    "/actuator/health",
                    "/actuator/prometheus",
                    "/actuator/metrics/tokenbroker.requests")) {
                bodies.add(actuator(path));
            }
        } finally {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
        }
        IAM.requests().forEach(request -> {
            String masterToken = request.form().get("access_token");
            if (masterToken != null) {
                minted.add(masterToken);
            }
        });

        List<String> secrets = new ArrayList<>(List.of(
                CR_TOKEN,
                STOLEN_CR_TOKEN,
                ROTATING_CR_TOKEN,
                "CRCANARY",
                ASSUME_ONLY_KEY,
                WML_PROD_KEY,
                "MASTERCANARY"));
        secrets.addAll(minted);
        assertThat(minted).hasSize(5);
        assertThat(bodies)
                .hasSize(9)
                .anySatisfy(body -> assertThat(body).contains("\"credential\":\"assumed-batch\""))
                .allSatisfy(body -> assertThat(body).doesNotContain(secrets));
        assertThat(output.getAll())
                .contains(
                        "DEBUG", "\"credential\":\"cos-reader\"", IamSimulator.INVALID_TOKEN, IamSimulator.NOT_TRUSTED)
                .doesNotContain(secrets);
    }

    private Map<String, Object> problem(String credential, int status) {
        EntityExchangeResult<byte[]> result = iamToken(KEYLESS_KEY, credential)
                .exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .returnResult();
        return json(result);
    }

    private String raw(String credential, int status) {
        return new String(
                iamToken(KEYLESS_KEY, credential)
                        .exchange()
                        .expectStatus()
                        .isEqualTo(status)
                        .expectBody()
                        .returnResult()
                        .getResponseBodyContent(),
                StandardCharsets.UTF_8);
    }

    private String actuator(String path) {
        return management(OPS_KEY)
                .get()
                .uri(path)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(EntityExchangeResult<byte[]> result) {
        return JSON_MAPPER.readValue(result.getResponseBodyContent(), Map.class);
    }
}
