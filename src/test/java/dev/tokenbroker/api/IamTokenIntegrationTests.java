package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.RequestTracker;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

class IamTokenIntegrationTests extends BrokerIntegrationTest {

    @Autowired
    private RequestTracker requests;

    @Test
    void iamTokenWhenCallerAllowedThenServesTokenMintedWithTheMasterKey() {
        Map<String, Object> body = iamToken(SCORER_KEY, "wml-prod")
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

        assertThat(body).containsOnlyKeys("access_token", "token_type", "expires_in", "expiration", "credential");
        assertThat(body).containsEntry("token_type", "Bearer").containsEntry("credential", "wml-prod");
        assertThat(((Number) body.get("expires_in")).longValue()).isEqualTo(3600);
        assertThat(((Number) body.get("expiration")).longValue())
                .isEqualTo(TestBroker.CLOCK.instant().getEpochSecond() + 3600);
        assertThat(IAM.keyThatMinted((String) body.get("access_token"))).isEqualTo(WML_PROD_KEY);
    }

    @Test
    void iamTokenWhenMintingThenSpeaksIamsTokenProtocol() {
        iamToken(SCORER_KEY, "wml-prod").exchange().expectStatus().isOk();

        IamSimulator.Recorded request = IAM.requests().get(0);
        assertThat(request.contentType()).startsWith("application/x-www-form-urlencoded");
        assertThat(request.accept()).contains("application/json");
        assertThat(request.form())
                .containsEntry("grant_type", "urn:ibm:params:oauth:grant-type:apikey")
                .containsEntry("apikey", WML_PROD_KEY)
                .containsEntry("response_type", "cloud_iam");
    }

    @Test
    void iamTokenWhenAnsweredFromTheCacheThenTheServerLetsTheRequestGo() {
        String cached = accessToken(null);
        requests.reset();

        for (int i = 0; i < 50; i++) {
            iamToken(SCORER_KEY, "wml-prod")
                    .header(RequestTracker.HEADER, "yes")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(JSON)
                    .value(body -> assertThat(body).containsEntry("access_token", cached));
        }

        // Each connection's latest request may stay with it; the rest must be collectable well before the 10 s read
        // timeout, whose timer held every request answered before its end had been read.
        assertThat(requests.tracked()).isEqualTo(50);
        await().atMost(Duration.ofSeconds(5)).until(() -> requests.alive() <= 2);
    }

    @Test
    void iamTokenWhenCachedThenSecondCallerDoesNotCallIam() {
        String first = accessToken(null);
        String second = accessToken("{\"min_valid_seconds\":300}");

        assertThat(second).isEqualTo(first);
        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }

    @Test
    void listWhenCallerHasPolicyThenShowsOnlyItsCredentials() {
        client.get()
                .uri("/v1/credentials")
                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$[*].name")
                .isEqualTo(java.util.List.of("wml-badkey", "wml-dev", "wml-prod"))
                .jsonPath("$[0].type")
                .isEqualTo("iam-apikey");
    }

    private String accessToken(String body) {
        var request = client.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .headers(headers -> headers.setBearerAuth(SCORER_KEY));
        var withBody = body == null
                ? request
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        return (String) withBody.exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("access_token");
    }
}
