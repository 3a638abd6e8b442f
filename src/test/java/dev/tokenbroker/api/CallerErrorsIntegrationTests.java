package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class CallerErrorsIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenNoAuthorizationThen401WithBearerChallenge() {
        client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .valueEquals("WWW-Authenticate", "Bearer")
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/unauthorized")
                .jsonPath("$.request_id")
                .exists();
        assertThat(IAM.tokenCalls()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tbk_notAKnownKey000000000000000000000000000", "not-a-client-key", "a.b.c"})
    void iamTokenWhenBearerUnknownThen401InvalidToken(String bearer) {
        iamToken(bearer, "wml-prod")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .valueEquals("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void iamTokenWhenAuthorizationIsNotBearerThen401() {
        client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .exists("WWW-Authenticate");
    }

    @Test
    void iamTokenWhenCredentialUnknownOrNotAllowedThenSameForbiddenAnswer() {
        Map<String, Object> unknown = problem(iamToken(SCORER_KEY, "does-not-exist"), 403);
        Map<String, Object> notInPolicy = problem(iamToken(SCORER_KEY, "other-team"), 403);
        Map<String, Object> noPolicyAtAll = problem(iamToken(STRANGER_KEY, "wml-prod"), 403);

        assertThat(withoutRequestSpecifics(unknown))
                .isEqualTo(withoutRequestSpecifics(notInPolicy))
                .isEqualTo(withoutRequestSpecifics(noPolicyAtAll));
        assertThat(unknown.get("type")).isEqualTo("https://token-broker.dev/problems/credential-forbidden");
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenCallerHasOtherGrantOnlyThenForbidden() {
        problem(iamToken(GATEWAY_KEY, "wml-dev"), 403);
    }

    @Test
    void iamTokenWhenCredentialIsIotAppThen400WrongType() {
        Map<String, Object> body = problem(iamToken(GATEWAY_KEY, "factory-iot"), 400);

        assertThat(body.get("type")).isEqualTo("https://token-broker.dev/problems/wrong-credential-type");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "UPPER",
                "under_score",
                "-leading-dash",
                "a.b",
                "%2e%2e",
                "x23456789012345678901234567890123456789012345678901234567890123456"
            })
    void iamTokenWhenNameMalformedThen400(String name) {
        Map<String, Object> body = problem(
                client.post().uri("/v1/credentials/" + name + "/iam-token").headers(h -> h.setBearerAuth(SCORER_KEY)),
                400);

        assertThat(body.get("type")).isEqualTo("https://token-broker.dev/problems/invalid-request");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "[]",
                "\"text\"",
                "{\"min_valid_seconds\":\"300\"}",
                "{\"min_valid_seconds\":30.5}",
                "{\"min_valid_seconds\":3001}",
                "{\"min_valid_seconds\":-1}",
                "{\"min_valid_seconds\":99999999999999999999}",
                "{\"unknown\":1}",
                "{\"min_valid_seconds\":60} trailing"
            })
    void iamTokenWhenBodyInvalidThen400(String body) {
        problem(
                iamToken(SCORER_KEY, "wml-prod")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(body),
                400);

        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenBodyOver16KiBThen400() {
        String padding = " ".repeat(17 * 1024);

        Map<String, Object> body = problem(
                iamToken(SCORER_KEY, "wml-prod")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"min_valid_seconds\":60" + padding + "}"),
                400);

        assertThat(body.get("detail")).isEqualTo("request body exceeds 16 KiB");
    }

    @Test
    void unknownPathAndWrongMethodThenProblemNot500() {
        problem(client.get().uri("/v2/nothing-here").headers(h -> h.setBearerAuth(SCORER_KEY)), 404);
        problem(
                client.method(HttpMethod.PUT)
                        .uri("/v1/credentials/wml-prod/iam-token")
                        .headers(h -> h.setBearerAuth(SCORER_KEY)),
                405);
        problem(client.get().uri("/v1/credentials/wml-prod/iam-token").headers(h -> h.setBearerAuth(SCORER_KEY)), 405);
    }

    private static Map<String, Object> problem(WebTestClient.RequestHeadersSpec<?> request, int status) {
        return request.exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
    }

    private static Map<String, Object> withoutRequestSpecifics(Map<String, Object> problem) {
        Map<String, Object> rest = new java.util.HashMap<>(problem);
        rest.remove("request_id");
        rest.remove("instance");
        rest.remove("credential");
        return rest;
    }
}
