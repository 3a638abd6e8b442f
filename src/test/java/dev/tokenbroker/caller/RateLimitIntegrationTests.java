package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.TestBroker.LIMITED_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code client:limited} may send 2 requests at once and 1 per second (application-it.yaml). */
class RateLimitIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenCallerIsOverItsLimitThen429WithRetryAfterWhileOthersAreServed() {
        iamToken(LIMITED_KEY, "wml-prod").exchange().expectStatus().isOk();
        iamToken(LIMITED_KEY, "wml-prod").exchange().expectStatus().isOk();

        iamToken(LIMITED_KEY, "wml-prod")
                .exchange()
                .expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .valueEquals("Retry-After", "1")
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/rate-limited")
                .jsonPath("$.access_token")
                .doesNotExist();
        iamToken(SCORER_KEY, "wml-prod").exchange().expectStatus().isOk();

        TestBroker.CLOCK.advance(Duration.ofSeconds(1));
        iamToken(LIMITED_KEY, "wml-prod").exchange().expectStatus().isOk();
        iamToken(LIMITED_KEY, "wml-prod").exchange().expectStatus().isEqualTo(429);
    }
}
