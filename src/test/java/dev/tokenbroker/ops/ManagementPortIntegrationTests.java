package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.TestJwts;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec;

/**
 * DESIGN §2: the management port serves Actuator and nothing else. Every caller endpoint answers 404 there, whoever
 * asks and however the credential would be served on the caller port (warm or cold, client key or JWT), and nothing
 * is minted for such a request; the same requests on the caller port are served.
 */
class ManagementPortIntegrationTests extends ManagementTest {

    private static final String JWT = TestJwts.serviceAccount("ml", "scorer").sign();

    static List<Arguments> callerRequests() {
        return List.of(
                request(
                        "list, client key",
                        client -> client.get()
                                .uri("/v1/credentials")
                                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                                .exchange()),
                request("iam-token, client key", client -> iamTokenAs(client, SCORER_KEY)),
                request("iam-token, JWT", client -> iamTokenAs(client, JWT)),
                request(
                        "iam-token, client key with a body",
                        client -> client.post()
                                .uri("/v1/credentials/wml-prod/iam-token")
                                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"min_valid_seconds\":120}")
                                .exchange()),
                request(
                        "iam-token, loopback caller",
                        client -> client.post()
                                .uri("/v1/credentials/wml-dev/iam-token")
                                .header("X-Token-Broker-Request", "true")
                                .exchange()),
                request(
                        "iot-key",
                        client -> client.post()
                                .uri("/v1/credentials/factory-iot/iot-key")
                                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                                .exchange()),
                request(
                        "IAM facade, apikey",
                        client -> client.post()
                                .uri("/iam/wml-prod/identity/token")
                                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                                .bodyValue("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=" + SCORER_KEY)
                                .exchange()),
                request(
                        "IAM facade, cr-token",
                        client -> client.post()
                                .uri("/iam/wml-prod/identity/token")
                                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                                .bodyValue("grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=" + JWT)
                                .exchange()),
                request(
                        "token exchange",
                        client -> client.post()
                                .uri("/oauth2/token")
                                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                                .bodyValue("grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token="
                                        + JWT
                                        + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&resource=wml-prod")
                                .exchange()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callerRequests")
    void callerEndpointWhenAskedOnTheManagementPortColdThenNotFoundAndNothingMinted(
            String what, Function<WebTestClient, ResponseSpec> request) {
        String body = notFound(request.apply(management(null)));

        assertThat(body).doesNotContain("access_token", "auth-token", "wml-prod\",\"type\"");
        assertThat(IAM.tokenCalls()).as("IAM calls").isZero();
        assertThat(IOT.created()).as("WIoTP keys minted").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callerRequests")
    void callerEndpointWhenServedWarmOnTheCallerPortThenStillNotFoundOnTheManagementPort(
            String what, Function<WebTestClient, ResponseSpec> request) {
        ResponseSpec onCallerPort = request.apply(client);
        onCallerPort.expectStatus().is2xxSuccessful();

        String body = notFound(request.apply(management(null)));

        assertThat(body).doesNotContain("access_token", "auth-token", "wml-prod\",\"type\"");
    }

    @Test
    void callerEndpointWhenTheOpsCallerAsksOnTheManagementPortThenNotFound() {
        String body = notFound(iamTokenAs(management(null), OPS_KEY));

        assertThat(body).doesNotContain("access_token");
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void actuatorWhenAskedOnTheCallerPortThenNotFound() {
        client.get().uri("/actuator/health").exchange().expectStatus().isNotFound();
        client.get()
                .uri("/actuator/tokens")
                .headers(headers -> headers.setBearerAuth(OPS_KEY))
                .exchange()
                .expectStatus()
                .isNotFound();
    }

    private static Arguments request(String what, Function<WebTestClient, ResponseSpec> request) {
        return Arguments.of(what, request);
    }

    private static ResponseSpec iamTokenAs(WebTestClient client, String bearer) {
        return client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .headers(headers -> headers.setBearerAuth(bearer))
                .exchange();
    }

    private static String notFound(ResponseSpec answer) {
        return answer.expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }
}
