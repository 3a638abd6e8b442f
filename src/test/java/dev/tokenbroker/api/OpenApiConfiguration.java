package dev.tokenbroker.api;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.servers.Server;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Test scope only: names the OpenAPI description that springdoc derives from the controllers and completes it
 * ({@link OpenApiDocument}). Springdoc runs in the tests alone (at {@code /v3/api-docs/springdoc}, see
 * {@code application-it.yaml}); the broker serves the document it generated as a static resource
 * ({@link ApiDocsConfiguration}), and {@link OpenApiIntegrationTests} fails when the two differ. The one server is
 * relative ({@code /}: the broker that served the document), so the document does not depend on the request that
 * fetched it.
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(
        info =
                @Info(
                        title = "token-broker caller API",
                        version = "v1",
                        description = "Short-lived IBM Cloud credentials for internal callers: the /v1 API, an"
                                + " IAM-compatible facade for the IBM Cloud SDKs, and RFC 8693 token exchange."),
        servers = @Server(url = "/", description = "The broker that serves this document (port 8080)"))
class OpenApiConfiguration {

    @Bean
    OpenApiDocument openApiDocument() {
        return new OpenApiDocument();
    }
}
