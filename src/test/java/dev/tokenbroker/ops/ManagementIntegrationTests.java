package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class ManagementIntegrationTests extends ManagementTest {

    @Test
    void probesAndInfoWhenNoCallerThenOpen() {
        management(null)
                .get()
                .uri("/actuator/health/liveness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
        management(null)
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk();
        management(null)
                .get()
                .uri("/actuator/info")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.build.version")
                .isEqualTo("0.1.0-SNAPSHOT")
                .jsonPath("$.git.commit.id")
                .exists()
                .jsonPath("$.java.version")
                .isEqualTo(System.getProperty("java.version"))
                .jsonPath("$.os.name")
                .isEqualTo(System.getProperty("os.name"))
                .jsonPath("$.process.pid")
                .isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void managementWhenNoCallerThen401Problem() {
        for (String path : List.of("/actuator/tokens", "/actuator/prometheus", "/actuator/env", "/actuator")) {
            management(null)
                    .get()
                    .uri(path)
                    .exchange()
                    .expectStatus()
                    .isUnauthorized()
                    .expectHeader()
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader()
                    .valueEquals("WWW-Authenticate", "Bearer")
                    .expectBody()
                    .jsonPath("$.status")
                    .isEqualTo(401);
        }
        management("tbk_CLIENTCANARY0unknown000000000000000000000")
                .delete()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }

    @Test
    void actuatorWhenAskedOnTheCallerPortThenNotThere() {
        client.get()
                .uri("/actuator/env")
                .headers(headers -> headers.setBearerAuth(OPS_KEY))
                .exchange()
                .expectStatus()
                .isNotFound();
    }

    @Test
    void managementWhenCallerIsNotOpsThen403Problem() {
        for (String path : List.of("/actuator/tokens", "/actuator/prometheus", "/actuator/env", "/actuator/loggers")) {
            management(SCORER_KEY)
                    .get()
                    .uri(path)
                    .exchange()
                    .expectStatus()
                    .isForbidden()
                    .expectHeader()
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("https://token-broker.dev/problems/forbidden");
        }
        iamToken(SCORER_KEY, "wml-prod").exchange().expectStatus().isOk();
        management(SCORER_KEY)
                .post()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isForbidden();
        management(SCORER_KEY)
                .delete()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isForbidden();

        assertThat(IAM.tokenCalls()).isEqualTo(1);
        assertThat(iamCache().operations().entries()).hasSize(1);
    }

    @Test
    void healthWhenNotOpsThenStatusOnly() {
        String opsSees = (String) management(OPS_KEY)
                .get()
                .uri("/actuator/health")
                .exchange()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("status");

        management(null)
                .get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(opsSees)
                .jsonPath("$.components")
                .doesNotExist();
    }

    /**
     * DESIGN §7: {@code /actuator/info} holds nothing that changes between two calls. Broker time moves a minute (the
     * fake clock) and real time moves between the calls too, so a contributor reading either clock, live memory or
     * thread counts (Boot's {@code process} contributor does all of these) makes the two bodies differ.
     */
    @Test
    void infoWhenReadAMinuteApartThenIdentical() {
        String first = info();
        TestBroker.CLOCK.advance(Duration.ofMinutes(1));

        String second = info();

        assertThat(second).isEqualTo(first);
        assertThat(first)
                .contains("\"build\"", "\"git\"", "\"java\"", "\"os\"", "\"pid\"", "\"startTime\"")
                .doesNotContain("uptime", "currentTime", "memory", "heap", "virtualThreads", "freeMemory");
    }

    private String info() {
        return management(null)
                .get()
                .uri("/actuator/info")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    @Test
    void tokensWhenCachedThenListsEveryEntryWithItsExpiry() {
        Instant mintedAt = TestBroker.CLOCK.instant();
        Instant expiresAt = TestBroker.anHourFrom(mintedAt);
        accessTokenFor(SCORER_KEY, "wml-prod");
        accessTokenFor(SCORER_KEY, "wml-prod");
        accessTokenFor(SCORER_KEY, "wml-dev");

        Map<String, Object> body = management(OPS_KEY)
                .get()
                .uri("/actuator/tokens")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> tokens = (List<Map<String, Object>>) body.get("tokens");
        assertThat(tokens).extracting(entry -> entry.get("credential")).containsExactly("wml-dev", "wml-prod");
        Map<String, Object> prod = tokens.get(1);
        assertThat(prod)
                .containsEntry("kind", "iam-token")
                .containsEntry("roles", List.of())
                .containsEntry("expiresAt", expiresAt.toString())
                .containsEntry("expiresInSeconds", 3600) // from the clock's second to the expiry's
                .containsEntry("lastRefreshOutcome", "none")
                .containsEntry("mints", 1)
                .containsEntry("hits", 2)
                .containsEntry("source", "minted")
                .containsKey("refreshAt");
        Instant refreshAt = Instant.parse((String) prod.get("refreshAt"));
        // 75-80% of a life that is the hour less the fraction of a second cut off its expiry.
        assertThat(refreshAt).isBetween(mintedAt.plusSeconds(2699), mintedAt.plusSeconds(2880));
    }

    @Test
    void tokensPostWhenCachedThenRefreshesWithExactlyOneUpstreamCall() {
        String before = accessTokenFor(SCORER_KEY, "wml-prod");
        assertThat(IAM.tokenCalls()).isEqualTo(1);

        management(OPS_KEY)
                .post()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.credential")
                .isEqualTo("wml-prod")
                .jsonPath("$.refreshed")
                .isEqualTo(1);

        assertThat(IAM.tokenCalls()).isEqualTo(2);
        String after = accessTokenFor(SCORER_KEY, "wml-prod");
        assertThat(after).isNotEqualTo(before);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
        assertThat(iamCache().operations().entries()).singleElement().satisfies(entry -> {
            assertThat(entry.mints()).isEqualTo(2);
            assertThat(entry.lastRefreshOutcome()).isEqualTo("success");
        });
    }

    @Test
    void tokensPostWhenUpstreamFailsThen502AndOldEntryStays() {
        String before = accessTokenFor(SCORER_KEY, "wml-prod");
        for (int attempt = 0; attempt <= 3; attempt++) {
            IAM.enqueueError(503, "BXNIM0002E", "Service unavailable");
        }

        management(OPS_KEY)
                .post()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isEqualTo(502)
                .expectBody()
                .jsonPath("$.error")
                .isEqualTo("iam unavailable");

        management(OPS_KEY)
                .get()
                .uri("/actuator/tokens")
                .exchange()
                .expectBody()
                .jsonPath("$.tokens[0].lastRefreshOutcome")
                .isEqualTo("failure")
                .jsonPath("$.tokens[0].lastError")
                .isEqualTo("iam unavailable");
        assertThat(accessTokenFor(SCORER_KEY, "wml-prod")).isEqualTo(before);
    }

    @Test
    void tokensDeleteWhenCachedThenNextRequestMintsAgain() {
        String before = accessTokenFor(SCORER_KEY, "wml-prod");

        management(OPS_KEY)
                .delete()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.evicted")
                .isEqualTo(1);

        assertThat(iamCache().operations().entries()).isEmpty();
        String after = accessTokenFor(SCORER_KEY, "wml-prod");
        assertThat(after).isNotEqualTo(before);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
    }

    @Test
    void tokensWhenCredentialNotConfiguredThen404() {
        management(OPS_KEY)
                .post()
                .uri("/actuator/tokens/no-such-credential")
                .exchange()
                .expectStatus()
                .isNotFound();
        management(OPS_KEY)
                .delete()
                .uri("/actuator/tokens/no-such-credential")
                .exchange()
                .expectStatus()
                .isNotFound();
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void healthWhenIamRefusesAMasterKeyThenThatCredentialIsDownUnderIamAndTheBrokerRestrictedButReady() {
        accessTokenFor(SCORER_KEY, "wml-prod");

        iamToken(SCORER_KEY, "wml-badkey").exchange().expectStatus().isEqualTo(502);

        management(OPS_KEY)
                .get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("RESTRICTED")
                .jsonPath("$.components.upstreams.status")
                .isEqualTo("RESTRICTED")
                .jsonPath("$.components.upstreams.details.iam.status")
                .isEqualTo("UP")
                .jsonPath("$.components.upstreams.details.iam.details.wml-badkey.status")
                .isEqualTo("DOWN")
                .jsonPath("$.components.upstreams.details.iam.details.wml-badkey.details.lastErrorCode")
                .isEqualTo("BXNIM0415E")
                .jsonPath("$.components.upstreams.details.iam.details.wml-badkey.details.lastError")
                .isEqualTo("iam rejected (HTTP 400) BXNIM0415E");
        management(null)
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
    }

    @Test
    void healthWhenIamUnavailableThenIamDownWithTheReasonThenUpAgainOnceItMints() {
        accessTokenFor(SCORER_KEY, "wml-prod");
        issuer.caches().forEach(cache -> cache.operations().evict("wml-prod"));
        for (int attempt = 0; attempt <= 3; attempt++) { // the first try and tokenbroker.iam.http.max-retries (3)
            IAM.enqueueError(503, "BXNIM0002E", "Service unavailable");
        }

        iamToken(SCORER_KEY, "wml-prod").exchange().expectStatus().isEqualTo(503);
        Map<String, Object> during = upstream("iam");
        String readinessDuring = readinessStatus();
        accessTokenFor(SCORER_KEY, "wml-prod");
        Map<String, Object> after = upstream("iam");

        assertThat(during).containsEntry("status", "DOWN");
        assertThat(details(during))
                .containsEntry("lastError", "iam answered 503")
                .containsKeys("statusSince", "lastSuccess");
        assertThat(readinessDuring).isEqualTo("UP");
        assertThat(after).containsEntry("status", "UP");
        assertThat(details(after))
                .containsEntry("lastError", "iam answered 503")
                .doesNotContainKey("lastSuccess");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> upstream(String name) {
        Map<String, Object> health = management(OPS_KEY)
                .get()
                .uri("/actuator/health/upstreams")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
        return (Map<String, Object>) details(health).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(Map<String, Object> component) {
        return (Map<String, Object>) component.getOrDefault("details", Map.of());
    }

    private String readinessStatus() {
        return (String) management(null)
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("status");
    }

    @Test
    void actuatorWhenHttpBasicWithOpsClientIdAndKeyThenServed() {
        WebTestClient basic = management(null)
                .mutate()
                .defaultHeaders(headers -> headers.setBasicAuth("ops", OPS_KEY))
                .build();

        basic.get().uri("/actuator/env").exchange().expectStatus().isOk();
        basic.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.vault.status")
                .isEqualTo("UP");
    }

    @Test
    void actuatorWhenHttpBasicWrongThen401Or403AndCallerApiRefusesBasic() {
        management(null)
                .get()
                .uri("/actuator/env")
                .headers(headers -> headers.setBasicAuth("scorer", OPS_KEY))
                .exchange()
                .expectStatus()
                .isUnauthorized();
        management(null)
                .get()
                .uri("/actuator/env")
                .headers(headers -> headers.setBasicAuth("ops", "not-a-client-key"))
                .exchange()
                .expectStatus()
                .isUnauthorized();
        management(null)
                .get()
                .uri("/actuator/env")
                .headers(headers -> headers.setBasicAuth("scorer", SCORER_KEY))
                .exchange()
                .expectStatus()
                .isForbidden();

        client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .headers(headers -> headers.setBasicAuth("scorer", SCORER_KEY))
                .exchange()
                .expectStatus()
                .isUnauthorized();
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void readinessWhenVaultUnreachableThenDownAndLivenessStaysUp() throws IOException {
        Path away = TestBroker.VAULT.resolveSibling(TestBroker.VAULT.getFileName() + "-away");
        Files.move(TestBroker.VAULT, away);
        try {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> management(null)
                            .get()
                            .uri("/actuator/health/readiness")
                            .exchange()
                            .expectStatus()
                            .isEqualTo(503)
                            .expectBody()
                            .jsonPath("$.status")
                            .isEqualTo("DOWN"));
            management(null)
                    .get()
                    .uri("/actuator/health/liveness")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.status")
                    .isEqualTo("UP");
            management(OPS_KEY)
                    .get()
                    .uri("/actuator/health/readiness")
                    .exchange()
                    .expectBody()
                    .jsonPath("$.components.vault.status")
                    .isEqualTo("DOWN")
                    .jsonPath("$.components.upstreams")
                    .doesNotExist();
            assertThat(scrape().value("tokenbroker_vault_reachable")).isZero();
        } finally {
            Files.move(away, TestBroker.VAULT);
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> management(null)
                        .get()
                        .uri("/actuator/health/readiness")
                        .exchange()
                        .expectStatus()
                        .isOk());
    }
}
