package dev.tokenbroker.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the OpenAPI description at {@code /v3/api-docs} (JSON) and {@code /v3/api-docs.yaml} (public, no credentials
 * needed) from the documents in {@code openapi/} on the class path, read once at start-up. The documents are what
 * springdoc generates from the controllers, generated in the tests instead of at run time, so that neither springdoc
 * nor its Jackson 2 stack is on the broker's class path; {@code OpenApiIntegrationTests} fails when they no longer
 * match the code. Answers are the same bytes for every request and never block.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsConfiguration {

    /** Where the generated documents live on the class path (src/main/resources/openapi). */
    static final String JSON_DOCUMENT = "openapi/api-docs.json";

    static final String YAML_DOCUMENT = "openapi/api-docs.yaml";

    private static final MediaType YAML = MediaType.parseMediaType("application/vnd.oai.openapi");

    @Bean
    RouterFunction<ServerResponse> apiDocsRoutes() {
        byte[] json = read(JSON_DOCUMENT);
        byte[] yaml = read(YAML_DOCUMENT);
        return RouterFunctions.route()
                .GET("/v3/api-docs", request -> document(MediaType.APPLICATION_JSON, json))
                .GET("/v3/api-docs.yaml", request -> document(YAML, yaml))
                .build();
    }

    private static Mono<ServerResponse> document(MediaType type, byte[] body) {
        return ServerResponse.ok().contentType(type).contentLength(body.length).bodyValue(body);
    }

    private static byte[] read(String location) {
        try (InputStream in = new ClassPathResource(location).getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document " + location + " is missing from the jar", e);
        }
    }
}
