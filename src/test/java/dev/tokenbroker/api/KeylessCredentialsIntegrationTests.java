package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CR_TOKEN;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.KEYLESS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * Keyless credentials through every caller-facing way in: the IAM-compatible facade (as IBM's
 * {@code ContainerAuthenticator} calls it), RFC 8693 token exchange, and the list of credentials.
 */
class KeylessCredentialsIntegrationTests extends BrokerIntegrationTest {

    @Test
    void facadeWhenContainerAuthenticatorAsksForTrustedProfileCredentialThenIamShapedTokenOfTheProfile() {
        String callerJwt = TestJwts.serviceAccount("keyless", "reader").sign();

        Map<String, Object> body = client.post()
                .uri("/iam/cos-reader/identity/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(form(
                        "grant_type", IamSimulator.CR_TOKEN_GRANT, "cr_token", callerJwt, "profile_name", "cos-reader"))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        String accessToken = (String) body.get("access_token");
        assertThat(body).containsEntry("token_type", "Bearer").containsEntry("refresh_token", "not_supported");
        assertThat(IAM.profileThatMinted(accessToken)).isEqualTo("Profile-cos-reader");
        assertThat(IAM.requests())
                .singleElement()
                .satisfies(request -> assertThat(request.form())
                        .containsEntry("grant_type", IamSimulator.CR_TOKEN_GRANT)
                        .containsEntry("cr_token", CR_TOKEN)
                        .doesNotContainValue(callerJwt));
    }

    @Test
    void tokenExchangeWhenWorkloadJwtAsksForAssumeCredentialThenAccessTokenOfTheProfile() {
        String callerJwt = TestJwts.serviceAccount("keyless", "batch").sign();

        Map<String, Object> body = client.post()
                .uri("/oauth2/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(form(
                        "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                        "subject_token", callerJwt,
                        "subject_token_type", "urn:ietf:params:oauth:token-type:jwt",
                        "audience", "assumed-staging"))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        assertThat(body)
                .containsEntry("issued_token_type", "urn:ietf:params:oauth:token-type:access_token")
                .containsEntry("token_type", "Bearer");
        assertThat(IAM.profileThatMinted((String) body.get("access_token"))).isEqualTo("Profile-wml-staging");
        assertThat(IAM.requests())
                .extracting(request -> request.form().get("grant_type"))
                .containsExactly(IamSimulator.APIKEY_GRANT, IamSimulator.ASSUME_GRANT);
    }

    @Test
    void listWhenCallerHasKeylessPolicyThenShowsTheKeylessTypes() {
        List<Map<String, Object>> listed = client.get()
                .uri("/v1/credentials")
                .headers(headers -> headers.setBearerAuth(KEYLESS_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBodyList(JSON)
                .returnResult()
                .getResponseBody();

        assertThat(listed)
                .contains(
                        Map.of("name", "cos-reader", "type", "iam-trusted-profile"),
                        Map.of("name", "assumed-staging", "type", "iam-assume"));
    }

    private static byte[] form(String... pairs) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            body.append(body.isEmpty() ? "" : "&")
                    .append(pairs[i])
                    .append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
