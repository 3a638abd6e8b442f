package dev.tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;

/** The OpenAPI description at {@code /v3/api-docs}: public, and it describes every caller-facing path of DESIGN §2. */
class OpenApiIntegrationTests extends BrokerIntegrationTest {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @Test
    void apiDocsWithoutCredentialsListTheCallerApiPaths() {
        Map<String, Object> openapi = client.get()
                .uri("/v3/api-docs")
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-a-valid-token")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        assertThat(openapi.get("openapi").toString()).startsWith("3.");
        assertThat(openapi.get("paths"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
                .containsKeys(
                        "/v1/credentials",
                        "/v1/credentials/{name}/iam-token",
                        "/v1/credentials/{name}/iot-key",
                        "/iam/{name}/identity/token",
                        "/oauth2/token");
    }
}
