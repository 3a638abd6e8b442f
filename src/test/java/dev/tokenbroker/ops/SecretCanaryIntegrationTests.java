package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_TOKEN;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.OTHER_TEAM_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static dev.tokenbroker.testing.TestBroker.UNKNOWN_TO_IAM_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.caller.ClientKeys;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@ExtendWith(OutputCaptureExtension.class)
class SecretCanaryIntegrationTests extends ManagementTest {

    private static final String UNKNOWN_CLIENT_KEY = "tbk_CLIENTCANARY0nobody000000000000000000000";
    private static final String AUDIT_SALT = "test-salt-not-a-secret";
    private static final List<String> ENDPOINTS = List.of(
            "/actuator/env",
            "/actuator/configprops",
            "/actuator/tokens",
            "/actuator/loggers",
            "/actuator/health",
            "/actuator/info",
            "/actuator/prometheus",
            "/actuator/metrics/tokenbroker.requests");

    @Autowired
    LoggingSystem logging;

    @Test
    void actuatorWhenOpsReadsEverythingThenNoSecretShows() {
        List<String> secrets = canaries();
        secrets.addAll(scriptedTraffic());

        for (String path : ENDPOINTS) {
            String body = get(path);

            assertThat(body).as(path).isNotBlank().doesNotContain(secrets);
        }
        assertThat(get("/actuator/env"))
                .contains("tokenbroker.callers.client-keys.scorer", "tokenbroker.audit.salt", "******");
        assertThat(get("/actuator/configprops")).contains("tokenbroker.callers", "******");
    }

    @Test
    void envAndConfigpropsWhenOpsReadsThenHarmlessValuesShowAndOnlySecretsAreMasked() {
        List<String> secrets = canaries();

        String env = get("/actuator/env");
        String configprops = get("/actuator/configprops");

        assertThat(env).doesNotContain(secrets);
        assertThat(envValue(env, "tokenbroker.cache.scan-interval")).isEqualTo("200ms");
        assertThat(envValue(env, "tokenbroker.iam.url")).isEqualTo(IAM.url());
        assertThat(envValue(env, "tokenbroker.credentials.wml-prod.secret")).isEqualTo("wml-prod");
        assertThat(envValue(env, "management.endpoint.health.roles")).isEqualTo("OPS");
        assertThat(envValue(env, "PID"))
                .isEqualTo(String.valueOf(ProcessHandle.current().pid()));
        assertThat(envValue(env, "tokenbroker.callers.client-keys.scorer")).isEqualTo("******");
        assertThat(envValue(env, "tokenbroker.callers.client-keys.ops")).isEqualTo("******");
        assertThat(envValue(env, "tokenbroker.audit.salt")).isEqualTo("******");
        assertThat(envValue(env, "sun.java.command")).isEqualTo("******");
        assertThat(configprops)
                .doesNotContain(secrets)
                .contains("\"scanInterval\":{\"value\":\"200ms\"", "\"refreshJitter\":0.05", "\"salt\":\"******\"");
        assertThat(management(null)
                        .get()
                        .uri("/actuator/env")
                        .exchange()
                        .returnResult(String.class)
                        .getStatus()
                        .value())
                .isEqualTo(401);
    }

    @Test
    void logsWhenRootLoggerAtDebugThenNoSecretShows(CapturedOutput output) {
        LogLevel before =
                logging.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getConfiguredLevel();
        List<String> secrets = canaries();
        try {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
            secrets.addAll(scriptedTraffic());
            ENDPOINTS.forEach(this::get);
        } finally {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, before);
        }

        assertThat(output.getOut() + output.getErr())
                .contains("DEBUG", "\"outcome\":\"issued\"", "BXNIM0415E")
                .doesNotContain(secrets);
    }

    // Every kind of request and failure the broker has; returns the tokens it handed out.
    private List<String> scriptedTraffic() {
        List<String> minted = new ArrayList<>();
        minted.add(accessTokenFor(SCORER_KEY, "wml-prod"));
        accessTokenFor(SCORER_KEY, "wml-prod");
        IAM.enqueueError(503, "BXNIM0002E", "Service unavailable");
        minted.add(accessTokenFor(SCORER_KEY, "wml-dev"));
        iamToken(SCORER_KEY, "wml-badkey").exchange().expectStatus().isEqualTo(502);
        iamToken(STRANGER_KEY, "wml-prod").exchange().expectStatus().isForbidden();
        iamToken(UNKNOWN_CLIENT_KEY, "wml-prod").exchange().expectStatus().isUnauthorized();
        iamToken(GATEWAY_KEY, "wml-prod").exchange().expectStatus().isForbidden();
        management(SCORER_KEY)
                .get()
                .uri("/actuator/env")
                .exchange()
                .expectStatus()
                .isForbidden();
        management(OPS_KEY)
                .post()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isOk();
        minted.add(accessTokenFor(SCORER_KEY, "wml-prod"));
        management(OPS_KEY)
                .delete()
                .uri("/actuator/tokens/wml-dev")
                .exchange()
                .expectStatus()
                .isOk();
        assertThat(IAM.requests()).isNotEmpty();
        return minted;
    }

    // The value of a property in the first property source that has it, as the env endpoint shows it.
    private static String envValue(String env, String key) {
        for (JsonNode source : JsonMapper.builder().build().readTree(env).path("propertySources")) {
            JsonNode property = source.path("properties").path(key);
            if (!property.isMissingNode()) {
                return property.path("value").asString();
            }
        }
        throw new AssertionError("no property " + key + " in /actuator/env");
    }

    private String get(String path) {
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

    private static List<String> canaries() {
        List<String> secrets = new ArrayList<>(List.of(
                WML_PROD_KEY,
                WML_DEV_KEY,
                OTHER_TEAM_KEY,
                UNKNOWN_TO_IAM_KEY,
                IOT_MASTER_KEY,
                IOT_MASTER_TOKEN,
                SCORER_KEY,
                GATEWAY_KEY,
                STRANGER_KEY,
                OPS_KEY,
                UNKNOWN_CLIENT_KEY,
                AUDIT_SALT,
                "MASTERCANARY",
                "CLIENTCANARY"));
        for (String key : List.of(SCORER_KEY, GATEWAY_KEY, STRANGER_KEY, OPS_KEY)) {
            secrets.add(ClientKeys.hash(key).substring("sha256:".length()));
        }
        return secrets;
    }
}
