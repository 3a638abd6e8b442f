package dev.tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI description at {@code /v3/api-docs}: public, it describes every caller-facing path of DESIGN §2 with
 * its error responses, and it is written to {@code target/openapi.json}, which CI lints with {@code redocly lint}
 * (scripts/openapi-lint.sh). The broker serves it as a static resource; springdoc, on the test class path only,
 * generates it from the controllers at {@code /v3/api-docs/springdoc}, and the two must be the same bytes.
 * {@code ./mvnw test -Dtest=OpenApiIntegrationTests -Dopenapi.update=true} rewrites the static documents from the
 * code (then review the diff).
 */
class OpenApiIntegrationTests extends BrokerIntegrationTest {

    static final Path DOCUMENT = Path.of("target/openapi.json");

    private static final Path STATIC_DOCUMENTS = Path.of("src/main/resources");

    private static final Map<String, List<String>> V1_ERRORS = Map.of(
            "/v1/credentials", List.of("401", "429"),
            "/v1/credentials/{name}/iam-token", List.of("400", "401", "403", "415", "429", "502", "503"),
            "/v1/credentials/{name}/iot-key", List.of("400", "401", "403", "415", "429", "502", "503"));

    @ParameterizedTest
    @CsvSource({
        "/v3/api-docs, /v3/api-docs/springdoc, " + ApiDocsConfiguration.JSON_DOCUMENT,
        "/v3/api-docs.yaml, /v3/api-docs/springdoc.yaml, " + ApiDocsConfiguration.YAML_DOCUMENT
    })
    void apiDocsWhenServedThenSameBytesAndTypeAsSpringdocGeneratesFromTheCode(
            String served, String generated, String resource) throws IOException {
        EntityExchangeResult<byte[]> fromCode = document(generated);
        if (Boolean.getBoolean("openapi.update")) {
            Files.write(STATIC_DOCUMENTS.resolve(resource), fromCode.getResponseBody());
        }

        EntityExchangeResult<byte[]> fromResource = document(served);

        assertThat(fromResource.getResponseHeaders().getContentType())
                .isEqualTo(fromCode.getResponseHeaders().getContentType());
        assertThat(new String(fromResource.getResponseBody(), StandardCharsets.UTF_8))
                .as("src/main/resources/%s is out of date: rerun this test with -Dopenapi.update=true", resource)
                .isEqualTo(new String(fromCode.getResponseBody(), StandardCharsets.UTF_8));
    }

    @Test
    void apiDocsWithoutCredentialsListTheCallerApiPaths() throws IOException {
        JsonNode openapi = apiDocs();

        assertThat(openapi.path("openapi").asString()).startsWith("3.");
        assertThat(openapi.path("paths").propertyNames())
                .containsExactlyInAnyOrder(
                        "/v1/credentials",
                        "/v1/credentials/{name}/iam-token",
                        "/v1/credentials/{name}/iot-key",
                        "/iam/{name}/identity/token",
                        "/oauth2/token");
    }

    @Test
    void apiDocsWhenReadThenEveryV1OperationListsItsProblemResponsesAndBearerSecurity() throws IOException {
        JsonNode openapi = apiDocs();

        assertThat(openapi.at("/components/securitySchemes/bearer/scheme").asString())
                .isEqualTo("bearer");
        V1_ERRORS.forEach((path, statuses) -> {
            JsonNode operation = operation(openapi, path);
            assertThat(operation.at("/security/0").has("bearer")).as(path).isTrue();
            assertThat(operation.path("responses").at("/200/content").propertyNames())
                    .as(path)
                    .containsExactly("application/json");
            for (String status : statuses) {
                JsonNode response = operation.path("responses").path(status);
                assertThat(response.at("/content/application~1problem+json/schema/$ref")
                                .asString())
                        .as("%s %s", path, status)
                        .isEqualTo("#/components/schemas/Problem");
                assertThat(response.at("/headers/Retry-After").isMissingNode())
                        .as("%s %s Retry-After", path, status)
                        .isEqualTo(!status.equals("429") && !status.equals("503"));
            }
        });
        assertThat(openapi.at("/components/schemas/Problem/required").toString())
                .contains("type", "title", "status");
        assertThat(operation(openapi, "/v1/credentials")
                        .at("/responses/401/headers/WWW-Authenticate")
                        .isObject())
                .isTrue();
    }

    @Test
    void apiDocsWhenReadThenRequestBodiesDropInErrorShapesAndNoGeneratedServer() throws IOException {
        JsonNode openapi = apiDocs();
        JsonNode iamToken = operation(openapi, "/v1/credentials/{name}/iam-token");
        JsonNode iotKey = operation(openapi, "/v1/credentials/{name}/iot-key");
        JsonNode facade = operation(openapi, "/iam/{name}/identity/token");
        JsonNode exchange = operation(openapi, "/oauth2/token");

        assertThat(iamToken.at("/requestBody/content/application~1json/schema/$ref")
                        .asString())
                .isEqualTo("#/components/schemas/IamTokenRequest");
        assertThat(openapi.at("/components/schemas/IamTokenRequest/properties/min_valid_seconds/maximum")
                        .asInt())
                .isEqualTo(3000);
        assertThat(iotKey.at("/requestBody/content/application~1json/schema/$ref")
                        .asString())
                .isEqualTo("#/components/schemas/IotKeyRequest");
        assertThat(openapi.at("/components/schemas/IotKeyRequest/properties/roles/items/pattern")
                        .asString())
                .isEqualTo("^PD_[A-Z_]{1,60}$");
        for (String status : List.of("400", "403", "429", "502", "503")) {
            assertThat(facade.at("/responses/" + status + "/content/application~1json/schema/$ref")
                            .asString())
                    .isEqualTo("#/components/schemas/IamError");
        }
        for (String status : List.of("400", "429", "502", "503")) {
            assertThat(exchange.at("/responses/" + status + "/content/application~1json/schema/$ref")
                            .asString())
                    .isEqualTo("#/components/schemas/OAuthError");
        }
        assertThat(exchange.at("/responses/503/headers/Retry-After").isObject()).isTrue();
        assertThat(openapi.at("/components/schemas/IamError/required").toString())
                .contains("errorCode", "errorMessage");
        assertThat(exchange.at("/requestBody/content/application~1x-www-form-urlencoded/schema/properties")
                        .propertyNames())
                .contains("resource", "audience", "scope");
        assertThat(openapi.path("servers").findValuesAsString("url")).containsExactly("/");
        assertThat(openapi.toString()).doesNotContain("*/*", "127.0.0.1", "localhost");
    }

    private EntityExchangeResult<byte[]> document(String path) {
        return client.get()
                .uri(path)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(byte[].class)
                .returnResult();
    }

    private JsonNode apiDocs() throws IOException {
        String body = client.get()
                .uri("/v3/api-docs")
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-a-valid-token")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        Files.createDirectories(DOCUMENT.getParent());
        Files.writeString(DOCUMENT, body);
        return JsonMapper.builder().build().readTree(body);
    }

    private static JsonNode operation(JsonNode openapi, String path) {
        JsonNode item = openapi.path("paths").path(path);
        return item.has("post") ? item.path("post") : item.path("get");
    }
}
