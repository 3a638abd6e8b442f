package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_TOKEN;
import static dev.tokenbroker.testing.TestBroker.IOT_ORG;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IotSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

class IotKeyIntegrationTests extends BrokerIntegrationTest {

    static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};
    private static final String BOTH_ROLES = "{\"roles\":[\"PD_VISUALIZATION_APP\",\"PD_STANDARD_APP\"]}";

    @Test
    void iotKeyWhenCallerAllowedThenServesKeyShapedForAnApplicationConfig() {
        Instant now = CLOCK.instant();

        Map<String, Object> body = iotKey(GATEWAY_KEY, "factory-iot", null)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("Cache-Control", "no-store")
                .expectHeader()
                .valueEquals("Pragma", "no-cache")
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        IotSimulator.Key minted = IOT.created().get(0);
        assertThat(body)
                .containsOnlyKeys("org", "auth-key", "auth-token", "expires_at", "roles", "credential", "mqtt")
                .containsEntry("org", IOT_ORG)
                .containsEntry("auth-key", minted.key())
                .containsEntry("auth-token", IOT.tokenOf(minted.key()))
                .containsEntry("expires_at", TestBroker.anHourFrom(now).toString())
                .containsEntry("roles", List.of("PD_STANDARD_APP"))
                .containsEntry("credential", "factory-iot");
        assertThat(body.get("mqtt"))
                .isEqualTo(Map.of(
                        "host",
                        "abc123.messaging.internetofthings.ibmcloud.com",
                        "port",
                        8883,
                        "username",
                        minted.key(),
                        "password",
                        IOT.tokenOf(minted.key())));
        assertThat(minted.key()).startsWith("a-abc123-");
        assertThat(minted.comment())
                .matches("token-broker credential=factory-iot roles=PD_STANDARD_APP instance=[0-9a-f]{12}"
                        + " nonce=[0-9a-f]{16}");
        assertThat(minted.roles()).containsExactly("PD_STANDARD_APP");
        assertThat(minted.expiresAt()).isEqualTo(TestBroker.anHourFrom(now));
    }

    @Test
    void iotKeyWhen200ConcurrentRequestsThenOneKeyIsMintedAndOtherRolesGetASecond() {
        WebClient reactive = WebClient.create("http://127.0.0.1:" + port);
        IOT.hold();

        var responses = Flux.range(0, 200)
                .flatMap(
                        i -> reactive.post()
                                .uri("/v1/credentials/factory-iot/iot-key")
                                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                                .retrieve()
                                .bodyToMono(JSON),
                        200)
                .collectList()
                .toFuture();
        await().atMost(Duration.ofSeconds(20)).until(() -> IOT.pendingCreates() == 1);
        IOT.release();
        List<Map<String, Object>> bodies = responses.join();

        assertThat(bodies).hasSize(200);
        assertThat(bodies.stream().map(body -> body.get("auth-key")).collect(Collectors.toSet()))
                .containsExactly(IOT.created().get(0).key());
        assertThat(IOT.created()).hasSize(1);

        String other = authKey(BOTH_ROLES);
        String otherAgain = authKey("{\"roles\":[\"PD_STANDARD_APP\",\"PD_VISUALIZATION_APP\",\"PD_STANDARD_APP\"]}");

        assertThat(IOT.created()).hasSize(2);
        assertThat(other)
                .isEqualTo(IOT.created().get(1).key())
                .isNotEqualTo(IOT.created().get(0).key());
        assertThat(otherAgain).isEqualTo(other);
        assertThat(IOT.created().get(1).roles()).containsExactly("PD_STANDARD_APP", "PD_VISUALIZATION_APP");
    }

    @Test
    void iotKeyWhenKeyReaches80PercentOfItsLifeThenItIsReplacedAndTheOldOneLivesUntilItsExpiresAt() {
        Instant firstExpiresAt = Instant.parse((String) iotKeyBody(null).get("expires_at"));
        String first = IOT.created().get(0).key();

        // The replacement's create is held, so that neither the request nor the scan's refresh can finish it first.
        IOT.hold();
        CLOCK.advance(Duration.ofMinutes(48));
        String stillServed = authKey(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.pendingCreates() == 1);
        IOT.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.created().size() == 2);
        String replacement = authKey(null);
        CLOCK.advance(Duration.between(CLOCK.instant(), firstExpiresAt).minusSeconds(1));
        assertThat(IOT.isLive(first))
                .as("valid until the expires_at it was handed out with")
                .isTrue();
        CLOCK.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.wasDeleted(first));

        assertThat(stillServed).isEqualTo(first);
        assertThat(replacement).isEqualTo(IOT.created().get(1).key()).isNotEqualTo(first);
        assertThat(IOT.isLive(replacement)).isTrue();
        assertThat(IOT.created().get(1).expiresAt()).isAfter(firstExpiresAt);
    }

    @Test
    void iotKeyWhenSharedKeyHasLessThan20PercentLeftThenCallerGetsAFreshOne() {
        String first = authKey(null);
        IOT.stop();
        CLOCK.advance(Duration.ofMinutes(47));
        authKey(null);
        IOT.restart();
        CLOCK.advance(Duration.ofMinutes(2));

        String served = authKey(null);

        assertThat(served).isNotEqualTo(first);
        assertThat(IOT.created().get(IOT.created().size() - 1).key()).isEqualTo(served);
    }

    @Test
    void iotKeyWhenCachedKeyExpiresUnusedThenItIsRevoked() {
        String first = authKey(null);

        CLOCK.advance(Duration.ofMinutes(61));

        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.wasDeleted(first));
        assertThat(IOT.isLive(first)).isFalse();
    }

    @Test
    void iotKeyWhenEvictedThenTheNextCallerGetsAFreshKeyAndTheOldOneIsRevokedAtItsExpiresAt() {
        String first = authKey(null);

        issuer.caches().forEach(cache -> cache.operations().evict("factory-iot"));
        String fresh = authKey(null);
        boolean liveAfterEvict = IOT.isLive(first);
        CLOCK.advance(Duration.ofMinutes(60));

        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.wasDeleted(first));
        assertThat(fresh).isNotEqualTo(first);
        assertThat(liveAfterEvict).isTrue();
    }

    @Test
    void iotKeyWhenMasterKeyChangesInTheVaultThenNewKeysAreMintedWithTheNewKeyAndOldOnesKeepTheirTime() {
        String rotated = "MASTERCANARY0iottoken0rotated";
        String first = authKey(null);
        String second;
        try {
            IOT.addOrg(IOT_ORG, IOT_MASTER_KEY, rotated);
            TestBroker.writeSecret("factory-iot", "token", rotated);

            await().atMost(Duration.ofSeconds(10)).until(() -> !first.equals(authKey(null)));
            second = authKey(null);
        } finally {
            IOT.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
            TestBroker.writeSecret("factory-iot", "token", IOT_MASTER_TOKEN);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !second.equals(authKey(null)));
        String third = authKey(null);

        assertThat(second).isNotEqualTo(first);
        assertThat(IOT.created()).extracting(IotSimulator.Key::key).containsExactly(first, second, third);
        assertThat(IOT.isLive(first)).isTrue();
        assertThat(IOT.isLive(second)).isTrue();
    }

    @Test
    void iotKeyWhenRoleOutsidePolicyThen403AndNothingMinted() {
        iotKey(GATEWAY_KEY, "factory-iot", "{\"roles\":[\"PD_STANDARD_APP\",\"PD_OPERATOR_APP\"]}")
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/roles-forbidden")
                .jsonPath("$.credential")
                .isEqualTo("factory-iot");
        iotKey(GATEWAY_KEY, "wml-dev", "{\"roles\":[\"PD_VISUALIZATION_APP\"]}")
                .exchange()
                .expectStatus()
                .isBadRequest();
        iotKey(STRANGER_KEY, "factory-iot", null).exchange().expectStatus().isForbidden();

        assertThat(IOT.created()).isEmpty();
    }

    @Test
    void iotKeyWhenBodyIsNotAListOfRoleIdsThen400() {
        for (String body : List.of(
                "{\"roles\":\"PD_STANDARD_APP\"}",
                "{\"roles\":[]}",
                "{\"roles\":[\"pd_standard_app\"]}",
                "{\"roles\":[\"PD_STANDARD_APP\"],\"ttl\":3600}",
                "[\"PD_STANDARD_APP\"]",
                "{\"roles\":")) {
            iotKey(GATEWAY_KEY, "factory-iot", body)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("https://token-broker.dev/problems/invalid-request");
        }

        assertThat(IOT.created()).isEmpty();
    }

    @Test
    void grantWhenCredentialTypeDoesNotIssueItThen400() {
        client.post()
                .uri("/v1/credentials/factory-iot/iam-token")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/wrong-credential-type");
        iotKey(GATEWAY_KEY, "wml-dev", null)
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/wrong-credential-type");

        assertThat(IOT.created()).isEmpty();
    }

    @Test
    void iotKeyWhenPlatformAnswers429And503ThenRetriesAndServesOneKey() {
        IOT.failNextCreates(503, 429);

        String served = authKey(null);

        assertThat(IOT.created()).extracting(IotSimulator.Key::key).containsExactly(served);
    }

    @Test
    void iotKeyWhenPlatformRefusesTheMasterKeyThen502WithItsErrorCode() {
        IOT.refuseMasterKey(true);

        iotKey(GATEWAY_KEY, "factory-iot", null)
                .exchange()
                .expectStatus()
                .isEqualTo(502)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/upstream-rejected")
                .jsonPath("$.upstream_error_code")
                .isEqualTo("CUDRS0007E");
    }

    @Test
    void iotKeyWhenPlatformIsDownThenServesTheSharedKeyWhileValidAndThen503() {
        String first = authKey(null);
        IOT.stop();

        CLOCK.advance(Duration.ofMinutes(47));
        String duringOutage = authKey(null);
        CLOCK.advance(Duration.ofMinutes(2));
        iotKey(GATEWAY_KEY, "factory-iot", null)
                .exchange()
                .expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .exists("Retry-After")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/upstream-unavailable");
        iotKey(GATEWAY_KEY, "factory-iot", BOTH_ROLES).exchange().expectStatus().isEqualTo(503);
        IOT.restart();

        assertThat(duringOutage).isEqualTo(first);
    }

    private String authKey(String body) {
        return (String) iotKeyBody(body).get("auth-key");
    }

    private Map<String, Object> iotKeyBody(String body) {
        return iotKey(GATEWAY_KEY, "factory-iot", body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
    }

    WebTestClient.RequestHeadersSpec<?> iotKey(String callerKey, String credential, String body) {
        var request = client.post()
                .uri("/v1/credentials/{name}/iot-key", credential)
                .headers(headers -> headers.setBearerAuth(callerKey));
        return body == null
                ? request
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
}
