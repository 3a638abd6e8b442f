package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

class UpstreamOutageIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenIamRefusesConnectionsThenCachedTokenServedUntilBelowMinValidThen503() {
        String cached = accessToken(SCORER_KEY, "wml-prod");
        IAM.stop();
        CLOCK.advance(Duration.ofSeconds(2900)); // refresh due: it fails in the background

        int served = 0;
        for (int i = 0; i < 50; i++) {
            assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
            served++;
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lastRefreshOutcome().equals("failure"));
        assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        CLOCK.advance(Duration.ofSeconds(660)); // 40 s left, less than the default 60 s

        iamToken(SCORER_KEY, "wml-prod")
                .exchange()
                .expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader()
                .exists("Retry-After")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/upstream-unavailable")
                .jsonPath("$.credential")
                .isEqualTo("wml-prod");
        assertThat(served).isEqualTo(50);
    }

    @Test
    void iamTokenWhenIamAnswers500ThenCachedTokenServedAndCallerAskingMoreThanItHasGets503() {
        String cached = accessToken(SCORER_KEY, "wml-prod");
        for (int i = 0; i < 40; i++) {
            IAM.enqueueError(500, "BXNIM0000E", "Internal error");
        }
        CLOCK.advance(Duration.ofSeconds(2900)); // 700 s left

        assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastRefreshOutcome().equals("failure"));
        assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        iamToken(SCORER_KEY, "wml-prod")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"min_valid_seconds\":900}")
                .exchange()
                .expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .exists("Retry-After");
    }

    @Test
    void iamTokenWhenIamRateLimitsThenCachedTokenServedAndRetryWaitsForRetryAfter() {
        String cached = accessToken(SCORER_KEY, "wml-prod");
        IAM.enqueue(
                429, Map.of("Retry-After", "1", "Content-Type", "application/json"), "{\"errorCode\":\"BXNIM0429E\"}");
        // Held, so that no refresh (the request's or the scan's) can answer before the request has been served.
        IAM.hold();
        CLOCK.advance(Duration.ofSeconds(2900));

        assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        IAM.release();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> !accessToken(SCORER_KEY, "wml-prod").equals(cached));

        var requests = IAM.requests();
        assertThat(requests).hasSize(3); // the first mint, the 429, the retry
        long waitedNanos = requests.get(2).nanoTime() - requests.get(1).nanoTime();
        assertThat(Duration.ofNanos(waitedNanos)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void iamTokenWhenRefreshRefusedPermanentlyThenCachedTokenStillServedAndIamNotHammered() {
        String cached = accessToken(SCORER_KEY, "wml-prod");
        IAM.enqueueError(400, "BXNIM0415E", "Provided API key could not be found.");
        CLOCK.advance(Duration.ofSeconds(2900));

        assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastRefreshOutcome().equals("failure"));
        for (int i = 0; i < 20; i++) {
            assertThat(accessToken(SCORER_KEY, "wml-prod")).isEqualTo(cached);
        }

        assertThat(IAM.tokenCalls()).isEqualTo(2);
        iamToken(SCORER_KEY, "wml-prod")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"min_valid_seconds\":900}")
                .exchange()
                .expectStatus()
                .isEqualTo(502)
                .expectBody()
                .jsonPath("$.upstream_error_code")
                .isEqualTo("BXNIM0415E");
        assertThat(IAM.tokenCalls()).isEqualTo(2);
    }

    @Test
    void iamTokenWhenColdAndIamRateLimitsThenRetriedNoSoonerThanRetryAfter() {
        IAM.enqueue(429, Map.of("Retry-After", "1"), "");

        String token = accessToken(SCORER_KEY, "wml-prod");

        assertThat(IAM.keyThatMinted(token)).isNotNull();
        var requests = IAM.requests();
        assertThat(requests).hasSize(2);
        assertThat(Duration.ofNanos(requests.get(1).nanoTime() - requests.get(0).nanoTime()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    private String lastRefreshOutcome() {
        return issuer.caches().get(0).operations().entries().stream()
                .filter(entry -> entry.credential().equals("wml-prod"))
                .findFirst()
                .orElseThrow()
                .lastRefreshOutcome();
    }
}
