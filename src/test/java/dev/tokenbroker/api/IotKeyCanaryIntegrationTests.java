package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IotSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Canaries: with the broker's and Spring's web loggers at DEBUG, a run through minting, sharing, refreshing, revoking,
 * a refused master key and an outage shows no master key, master token, Basic credential or minted token in the
 * logs or in any problem body. Responses are read as bytes so that the test's own client does not log them.
 */
@ExtendWith(OutputCaptureExtension.class)
class IotKeyCanaryIntegrationTests extends BrokerIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final List<String> CHATTY =
            List.of("dev.tokenbroker", "org.springframework.web", "org.springframework.http");

    @Test
    void iotKeyWhenMintingRefreshingRevokingAndFailingThenNoMasterKeyOrTokenInLogsOrErrorBodies(CapturedOutput output) {
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        CHATTY.forEach(logger -> logging.setLogLevel(logger, LogLevel.DEBUG));
        List<String> errorBodies = new ArrayList<>();
        try {
            String old = served(null);
            CLOCK.advance(Duration.ofMinutes(48));
            // Past its refresh point: the request or the cache's scan (whichever comes first) replaces it.
            served(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> IOT.created().size() == 2);
            CLOCK.advance(Duration.ofMinutes(12));
            // The first key expires now: the revocation pass (every revocation-interval, 200 ms here) deletes it.
            await().atMost(Duration.ofSeconds(30)).until(() -> IOT.wasDeleted(old));
            errorBodies.add(error("{\"roles\":[\"PD_OPERATOR_APP\"]}", 403));
            errorBodies.add(error("{\"roles\":[\"PD_STANDARD_APP\"],\"token\":\"x\"}", 400));
            IOT.refuseMasterKey(true);
            issuer.caches().forEach(cache -> cache.operations().evict("factory-iot"));
            errorBodies.add(error(null, 502));
            IOT.refuseMasterKey(false);
            issuer.caches().forEach(cache -> cache.operations().evict("factory-iot"));
            IOT.stop();
            errorBodies.add(error(null, 503));
            IOT.restart();
            served("{\"roles\":[\"PD_VISUALIZATION_APP\"]}");
        } finally {
            CHATTY.forEach(logger -> logging.setLogLevel(logger, null));
        }

        List<String> canaries = new ArrayList<>(List.of(
                IOT_MASTER_KEY,
                IOT_MASTER_TOKEN,
                Base64.getEncoder()
                        .encodeToString((IOT_MASTER_KEY + ":" + IOT_MASTER_TOKEN).getBytes(StandardCharsets.UTF_8)),
                "IOTKEYCANARY"));
        IOT.created().stream().map(IotSimulator.Key::key).map(IOT::tokenOf).forEach(canaries::add);
        assertThat(IOT.created()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(output.getAll()).contains("iot-key").contains("CUDRS0007E");
        for (String canary : canaries) {
            assertThat(output.getAll()).doesNotContain(canary);
            assertThat(errorBodies).noneMatch(body -> body.contains(canary));
        }
    }

    private String served(String body) {
        var request = client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY));
        var withBody = body == null
                ? request
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        byte[] json = withBody.exchange()
                .expectStatus()
                .isOk()
                .expectBody(byte[].class)
                .returnResult()
                .getResponseBody();
        return JSON.readTree(json).get("auth-key").asString();
    }

    private String error(String body, int status) {
        var request = client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY));
        var withBody = body == null
                ? request
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        byte[] problem = withBody.exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectBody(byte[].class)
                .returnResult()
                .getResponseBody();
        return new String(problem, StandardCharsets.UTF_8);
    }
}
