package dev.tokenbroker.api;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import org.springframework.context.annotation.Configuration;

/** Names the OpenAPI description that springdoc serves at {@code /v3/api-docs} (public, no credentials needed). */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(
        info =
                @Info(
                        title = "token-broker caller API",
                        version = "v1",
                        description = "Short-lived IBM Cloud credentials for internal callers: the /v1 API, an"
                                + " IAM-compatible facade for the IBM Cloud SDKs, and RFC 8693 token exchange."))
class OpenApiConfiguration {}
