package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.LIMITED_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The IAM facade over raw HTTP: IAM's request and response shapes, its error shape, policy, audit, upstream errors. */
@ExtendWith(OutputCaptureExtension.class)
class IamFacadeIntegrationTests extends BrokerIntegrationTest {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};
    private static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";

    @Test
    void apikeyGrantWithClientKeyThenTokenInIamShapeWithNoStore() {
        long now = CLOCK.instant().getEpochSecond();

        EntityExchangeResult<Map<String, Object>> result = facade(
                        "wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY + "&response_type=cloud_iam")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .cacheControl(org.springframework.http.CacheControl.noStore())
                .expectHeader()
                .valueEquals("Pragma", "no-cache")
                .expectBody(JSON)
                .returnResult();

        Map<String, Object> body = result.getResponseBody();
        assertThat(IAM.keyThatMinted((String) body.get("access_token"))).isEqualTo(WML_PROD_KEY);
        assertThat(body)
                .containsEntry("refresh_token", "not_supported")
                .containsEntry("token_type", "Bearer")
                .containsEntry("expires_in", 3600)
                .containsEntry("scope", "ibm openid");
        assertThat(((Number) body.get("expiration")).longValue()).isEqualTo(now + 3600);
        assertThat(IAM.requests())
                .singleElement()
                .satisfies(call -> assertThat(call.form()).containsEntry("apikey", WML_PROD_KEY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer not-a-valid-token", "Basic Yng6Yng=", "Bearer " + STRANGER_KEY})
    void apikeyGrantWhenAuthorizationHeaderPresentThenIgnored(String authorization) {
        facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void apikeyGrantWhenClientKeyUnknownThen400Bxnim0415eInIamShape() {
        Map<String, Object> body = iamError(
                facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=tbk_unknown000000000000000000000000000000")
                        .header(RequestIds.HEADER, "req-facade-1"),
                400);

        assertThat(body).containsEntry("errorCode", "BXNIM0415E");
        assertThat((String) body.get("errorMessage")).startsWith("Provided API key could not be found.");
        assertThat(body.get("context"))
                .isEqualTo(Map.of(
                        "requestId",
                        "req-facade-1",
                        "requestType",
                        "incoming.Identity_Token",
                        "credential",
                        "wml-prod"));
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void apikeyGrantWhenCredentialUnknownOrNotAllowedThenSame403(CapturedOutput output) {
        Map<String, Object> notInPolicy =
                iamError(facade("other-team", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY), 403);
        Map<String, Object> unknown =
                iamError(facade("no-such-thing", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY), 403);
        Map<String, Object> noPolicy =
                iamError(facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + STRANGER_KEY), 403);
        Map<String, Object> otherGrantOnly =
                iamError(facade("wml-dev", "grant_type=" + APIKEY_GRANT + "&apikey=" + GATEWAY_KEY), 403);

        assertThat(notInPolicy.get("errorCode"))
                .isEqualTo(unknown.get("errorCode"))
                .isEqualTo(noPolicy.get("errorCode"))
                .isEqualTo(otherGrantOnly.get("errorCode"))
                .isEqualTo("BXNIM0403E");
        assertThat(notInPolicy.get("errorMessage")).isEqualTo(unknown.get("errorMessage"));
        assertThat(IAM.tokenCalls()).isZero();
        assertThat(output.getAll())
                .contains("\"caller\":\"client:scorer\",\"credential\":\"other-team\",\"grant\":\"iam-token\","
                        + "\"outcome\":\"refused\",\"status\":403,\"reason\":\"credential-forbidden\"");
    }

    @Test
    void apikeyGrantWhenIssuedThenAudited(CapturedOutput output) {
        facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY)
                .header(RequestIds.HEADER, "req-facade-audit")
                .exchange()
                .expectStatus()
                .isOk();

        assertThat(output.getAll())
                .containsPattern("\"request_id\":\"req-facade-audit\",\"caller\":\"client:scorer\","
                        + "\"credential\":\"wml-prod\",\"grant\":\"iam-token\",\"outcome\":\"issued\",\"status\":200");
    }

    @Test
    void requestWhenMalformedThen400InIamShape() {
        assertThat(iamError(facade("wml-prod", "apikey=" + SCORER_KEY), 400))
                .containsEntry("errorCode", "BXNIM0109E")
                .containsEntry("errorMessage", "Property 'grant_type' missing or empty.");
        assertThat(iamError(facade("wml-prod", "grant_type=" + APIKEY_GRANT), 400))
                .containsEntry("errorMessage", "Property 'apikey' missing or empty.");
        assertThat(iamError(facade("wml-prod", "grant_type=refresh_token&refresh_token=x"), 400))
                .containsEntry("errorCode", "BXNIM0103E");
        assertThat(iamError(
                        facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY + "&apikey=x"), 400))
                .containsEntry("errorMessage", "parameter 'apikey' is repeated");
        assertThat(iamError(facade("wml-prod", "grant_type=%zz"), 400)).containsEntry("errorCode", "BXNIM0400E");
        assertThat(iamError(facade("UPPER", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY), 400))
                .containsEntry("errorCode", "BXNIM0400E");
        assertThat(iamError(
                        facade(
                                "wml-prod",
                                "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY + "&pad="
                                        + "x".repeat(17 * 1024)),
                        400))
                .containsEntry("errorMessage", "request body exceeds 16 KiB");
        assertThat(iamError(
                        client.post()
                                .uri("/iam/wml-prod/identity/token")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"grant_type\":\"" + APIKEY_GRANT + "\"}"),
                        400))
                .containsEntry("errorMessage", "Content-Type must be application/x-www-form-urlencoded");
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void crTokenGrantWithWorkloadJwtThenTokenAndProfileIdMayNameTheCredential() {
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();

        Map<String, Object> body = facade(
                        "wml-prod",
                        "grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=" + jwt + "&profile_id=wml-prod")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        assertThat(IAM.keyThatMinted((String) body.get("access_token"))).isEqualTo(WML_PROD_KEY);
    }

    @Test
    void apikeyGrantWithAWorkloadJwtThen400WithoutLookingAtIt() {
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();

        assertThat(iamError(facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + jwt), 400))
                .containsEntry("errorCode", "BXNIM0415E");
    }

    @Test
    void apikeyGrantWhenCallerOverItsRateLimitThen429WithRetryAfter() {
        CLOCK.advance(Duration.ofMinutes(1));
        WebTestClient.ResponseSpec[] answers = new WebTestClient.ResponseSpec[3];
        for (int i = 0; i < answers.length; i++) {
            answers[i] = facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + LIMITED_KEY)
                    .exchange();
        }

        answers[0].expectStatus().isOk();
        answers[1].expectStatus().isOk();
        answers[2]
                .expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .valueEquals(HttpHeaders.RETRY_AFTER, "1")
                .expectBody()
                .jsonPath("$.errorCode")
                .isEqualTo("BXNIM0429E");
    }

    @Test
    void crTokenGrantWhenProfileNamesAnotherCredentialThen400() {
        Map<String, Object> body = iamError(
                facade(
                        "wml-prod",
                        "grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=a.b.c&profile_name=other-team"),
                400);

        assertThat(body)
                .containsEntry("errorCode", "BXNIM0400E")
                .containsEntry("errorMessage", "profile_name must name the credential in the URL");
    }

    @Test
    void crTokenGrantWhenTokenInvalidThen400Bxnim0407e() {
        Map<String, Object> body = iamError(
                facade("wml-prod", "grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=" + SCORER_KEY), 400);

        assertThat(body).containsEntry("errorCode", "BXNIM0407E");
    }

    @Test
    void apikeyGrantWhenIamRefusesTheMasterKeyThen502WithUpstreamCode() {
        Map<String, Object> body =
                iamError(facade("wml-badkey", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY), 502);

        assertThat(body).containsEntry("errorCode", "BXNIM0502E");
        assertThat(body.get("context"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("upstreamErrorCode", "BXNIM0415E");
    }

    @Test
    void apikeyGrantWhenIamUnreachableThen503WithRetryAfter() {
        IAM.stop();

        facade("wml-prod", "grant_type=" + APIKEY_GRANT + "&apikey=" + SCORER_KEY)
                .exchange()
                .expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .exists(HttpHeaders.RETRY_AFTER)
                .expectBody()
                .jsonPath("$.errorCode")
                .isEqualTo("BXNIM0503E")
                .jsonPath("$.context.requestId")
                .exists();
    }

    private WebTestClient.RequestHeadersSpec<?> facade(String credential, String body) {
        return client.post()
                .uri("/iam/" + credential + "/identity/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(body.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> iamError(WebTestClient.RequestHeadersSpec<?> request, int status) {
        return request.exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_JSON)
                .expectHeader()
                .valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
    }
}
