package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

class MetricsIntegrationTests extends ManagementTest {

    @Test
    void prometheusWhenScriptedSequenceThenEveryMeterCountsIt() {
        PrometheusScrape before = scrape();

        // mints, a hit, a retried 503, a refused key, a refused caller, no caller
        accessTokenFor(SCORER_KEY, "wml-prod");
        accessTokenFor(SCORER_KEY, "wml-prod");
        IAM.enqueueError(503, "BXNIM0002E", "Service unavailable");
        accessTokenFor(SCORER_KEY, "wml-dev");
        iamToken(SCORER_KEY, "wml-badkey").exchange().expectStatus().isEqualTo(502);
        iamToken(STRANGER_KEY, "wml-prod").exchange().expectStatus().isForbidden();
        client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .exchange()
                .expectStatus()
                .isUnauthorized();
        // a refresh that fails, then the stale token is served
        issuer.caches().forEach(cache -> cache.operations().evict("wml-dev"));
        failRefreshOfWmlProd(SCORER_KEY);
        accessTokenFor(SCORER_KEY, "wml-prod");
        // three requests on a cold key while IAM holds its answer: one mint, two joins
        issuer.caches().forEach(cache -> cache.operations().evict("wml-prod"));
        Instant lastMintedAt = TestBroker.CLOCK.instant();
        concurrentRequestsWhileIamHolds(3);
        PrometheusScrape after = scrape();

        assertThat(IAM.tokenCalls()).isEqualTo(1 + 2 + 1 + 4 + 1);

        assertThat(delta(before, after, "tokenbroker_requests_total", "wml-prod", "iam-token", "issued"))
                .isEqualTo(2 + 2 + 3);
        assertThat(delta(before, after, "tokenbroker_requests_total", "wml-dev", "iam-token", "issued"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tokenbroker_requests_total", "wml-badkey", "iam-token", "upstream-rejected"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tokenbroker_requests_total", "wml-prod", "iam-token", "credential-forbidden"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tokenbroker_requests_total", "unknown", "none", "unauthorized"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tokenbroker_upstream_seconds_count", "upstream", "iam", "outcome", "success"))
                .isEqualTo(3);
        assertThat(delta(before, after, "tokenbroker_upstream_seconds_count", "upstream", "iam", "outcome", "rejected"))
                .isEqualTo(1);
        assertThat(delta(
                        before,
                        after,
                        "tokenbroker_upstream_seconds_count",
                        "upstream",
                        "iam",
                        "outcome",
                        "unavailable"))
                .isEqualTo(1);
        assertThat(after.has(
                        "tokenbroker_upstream_seconds_bucket", "upstream", "iam", "outcome", "success", "le", "+Inf"))
                .isTrue();
        assertThat(delta(before, after, "tokenbroker_upstream_retries_total", "upstream", "iam", "reason", "5xx"))
                .isEqualTo(1 + 3);
        assertThat(delta(
                        before,
                        after,
                        "tokenbroker_cache_refreshes_total",
                        "cache",
                        "iam-token",
                        "credential",
                        "wml-prod",
                        "outcome",
                        "failure"))
                .isEqualTo(1);
        assertThat(delta(
                        before, after, "tokenbroker_cache_stale_total", "cache", "iam-token", "credential", "wml-prod"))
                .isEqualTo(1);
        assertThat(delta(
                        before, after, "tokenbroker_cache_joins_total", "cache", "iam-token", "credential", "wml-prod"))
                .isEqualTo(2);
        assertThat(delta(before, after, "cache_gets_total", "cache", "iam-token", "result", "hit"))
                .isEqualTo(1 + 2 + 2);
        assertThat(delta(before, after, "cache_gets_total", "cache", "iam-token", "result", "miss"))
                .isEqualTo(3 + 1);
        assertThat(after.value("tokenbroker_token_remaining_seconds", "credential", "wml-prod"))
                .isEqualTo(remainingSeconds(lastMintedAt));
        assertThat(after.value("tokenbroker_token_remaining_seconds", "credential", "wml-dev"))
                .isNaN();
        assertThat(delta(
                        before,
                        after,
                        "tokenbroker_cache_lookup_seconds_count",
                        "cache",
                        "iam-token",
                        "credential",
                        "wml-prod",
                        "error",
                        "none"))
                .isEqualTo(2 + 2 + 3);
        assertThat(delta(before, after, "tokenbroker_cache_lookup_seconds_count", "credential", "wml-badkey"))
                .isEqualTo(1);
        assertThat(delta(before, after, "http_client_requests_seconds_count", "client_name", "127.0.0.1"))
                .isEqualTo(IAM.tokenCalls());
        assertThat(after.text()).doesNotContain("client:scorer", "client:stranger", "scorer", "stranger");
    }

    @Test
    void prometheusWhenWiotpMintsAndFailsThenBothCountUnderOneUpstream() {
        PrometheusScrape before = scrape();

        iotKey().exchange().expectStatus().isOk();
        issuer.caches().forEach(cache -> cache.operations().evict("factory-iot"));
        IOT.failNextCreates(503, 503, 503, 503);
        iotKey().exchange().expectStatus().isEqualTo(503);
        PrometheusScrape after = scrape();

        assertThat(delta(
                        before, after, "tokenbroker_upstream_seconds_count", "upstream", "wiotp", "outcome", "success"))
                .isEqualTo(1);
        assertThat(delta(
                        before,
                        after,
                        "tokenbroker_upstream_seconds_count",
                        "upstream",
                        "wiotp",
                        "outcome",
                        "unavailable"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tokenbroker_upstream_retries_total", "upstream", "wiotp", "reason", "5xx"))
                .isEqualTo(3);
        assertThat(after.has("tokenbroker_upstream_seconds_count", "upstream", "iot"))
                .isFalse();
        assertThat(after.has("tokenbroker_upstream_retries_total", "upstream", "iot"))
                .isFalse();
    }

    private WebTestClient.RequestHeadersSpec<?> iotKey() {
        return client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY));
    }

    @Test
    void remainingWhenClockAdvancesThenCountsDown() {
        Instant mintedAt = TestBroker.CLOCK.instant();
        accessTokenFor(SCORER_KEY, "wml-prod");

        TestBroker.CLOCK.advance(Duration.ofSeconds(600));

        assertThat(scrape().value("tokenbroker_token_remaining_seconds", "credential", "wml-prod"))
                .isEqualTo(remainingSeconds(mintedAt))
                .isBetween(2999.0, 3000.0);
    }

    // What the gauge shows now of an hour's token minted at `mintedAt` (its expiry cut to the second; milliseconds).
    private static double remainingSeconds(Instant mintedAt) {
        return Duration.between(TestBroker.CLOCK.instant(), TestBroker.anHourFrom(mintedAt))
                        .toMillis()
                / 1000.0;
    }

    private static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
        String[] tags = labels;
        if (name.equals("tokenbroker_requests_total")) {
            tags = new String[] {"credential", labels[0], "grant", labels[1], "outcome", labels[2]};
        }
        return PrometheusScrape.delta(before, after, name, tags);
    }
}
