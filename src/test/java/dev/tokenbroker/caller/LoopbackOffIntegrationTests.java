package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.SeparateBroker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Sidecar mode off (the default): a loopback request carrying {@code X-Token-Broker-Request: true} grants nothing.
 * The shared test context has the mode on, so this runs a separate broker with {@code loopback-caller} unset.
 */
class LoopbackOffIntegrationTests {

    private static ConfigurableApplicationContext broker;

    @BeforeAll
    static void start() {
        broker = SeparateBroker.start(List.of("--tokenbroker.sidecar.loopback-caller="));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void iamTokenWhenLoopbackModeOffThenHeaderFromLoopbackIs401() {
        long callsBefore = wmlDevMints();
        WebTestClient client = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + SeparateBroker.port(broker))
                .responseTimeout(Duration.ofSeconds(30))
                .build();

        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .header("X-Token-Broker-Request", "true")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .valueEquals("WWW-Authenticate", "Bearer");

        assertThat(wmlDevMints()).isEqualTo(callsBefore);
    }

    // Only wml-dev's: the separate broker mints its own sink credential in the background at start-up.
    private static long wmlDevMints() {
        return IAM.requests().stream()
                .filter(request -> WML_DEV_KEY.equals(request.form().get("apikey")))
                .count();
    }
}
