package dev.tokenbroker.api;

import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.NoGrantsException;
import dev.tokenbroker.problem.UnsupportedGrantTypeException;
import dev.tokenbroker.support.Secret;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.SchemaProperty;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /oauth2/token}: RFC 8693 token exchange. The subject token is the caller's own credential, a workload
 * JWT ({@code subject_token_type=urn:ietf:params:oauth:token-type:jwt}) or a broker client key
 * ({@code …:access_token}); {@code resource}, {@code audience} or {@code scope} (RFC 8693 §2.1) names the credential; the answer is an IAM access
 * token for it ({@code issued_token_type=urn:ietf:params:oauth:token-type:access_token}). Policy grant
 * {@code iam-token}, with the same audit and rate limits as {@code /v1}; errors per RFC 6749 §5.2 (see
 * {@link DropInErrors}). Client authentication is not used: the subject token authenticates the caller.
 */
@RestController
class TokenExchangeController {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private static final Set<String> FIELDS = Set.of(
            "grant_type",
            "subject_token",
            "subject_token_type",
            "resource",
            "audience",
            "requested_token_type",
            "actor_token",
            "actor_token_type",
            "scope",
            "client_id");

    private final TokenIssuance issuance;
    private final DropInErrors errors;
    private final Clock clock;

    TokenExchangeController(TokenIssuance issuance, DropInErrors errors, Clock clock) {
        this.issuance = issuance;
        this.errors = errors;
        this.clock = clock;
    }

    @Operation(
            operationId = "tokenExchange",
            summary = "RFC 8693 token exchange: the caller's JWT (or client key) for an IAM token of a credential",
            description = "grant_type=" + TOKEN_EXCHANGE + ", subject_token = the caller's workload JWT with"
                    + " subject_token_type=" + JWT_TYPE + " (or a tbk_ client key with subject_token_type="
                    + ACCESS_TOKEN_TYPE
                    + "), resource, audience or scope = the credential name. Errors per RFC 6749 §5.2.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = "application/x-www-form-urlencoded",
                                            schemaProperties = {
                                                @SchemaProperty(name = "grant_type", schema = @Schema(type = "string")),
                                                @SchemaProperty(
                                                        name = "subject_token",
                                                        schema = @Schema(type = "string")),
                                                @SchemaProperty(
                                                        name = "subject_token_type",
                                                        schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "resource", schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "audience", schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "scope", schema = @Schema(type = "string")),
                                                @SchemaProperty(
                                                        name = "requested_token_type",
                                                        schema = @Schema(type = "string"))
                                            })),
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "access_token, issued_token_type, token_type (Bearer), expires_in",
                        content = @Content(mediaType = "application/json")),
                @ApiResponse(
                        responseCode = "400",
                        description = "invalid_request, unsupported_grant_type, invalid_grant, invalid_target or"
                                + " unauthorized_client",
                        content = @Content(mediaType = "application/json")),
                @ApiResponse(responseCode = "429", description = "temporarily_unavailable: caller over its rate limit"),
                @ApiResponse(responseCode = "502", description = "server_error: upstream refused the master key"),
                @ApiResponse(responseCode = "503", description = "temporarily_unavailable: upstream unavailable")
            })
    @PostMapping("/oauth2/token")
    Mono<ResponseEntity<Object>> token(ServerWebExchange exchange) {
        issuance.asking(null, Grant.IAM_TOKEN, exchange);
        return FormBodies.read(exchange, FIELDS)
                .flatMap(form -> Mono.defer(() -> exchangeToken(form, exchange)))
                .onErrorResume(
                        failure -> AuditedResponses.answerable(exchange, failure),
                        failure -> Mono.just(errors.oauth(exchange, failure)));
    }

    private Mono<ResponseEntity<Object>> exchangeToken(FormBodies.Form form, ServerWebExchange exchange) {
        if (!TOKEN_EXCHANGE.equals(form.required("grant_type"))) {
            throw new UnsupportedGrantTypeException("grant_type must be " + TOKEN_EXCHANGE);
        }
        Secret subject = subjectToken(form);
        String name = target(form);
        form.value("requested_token_type").ifPresent(requested -> {
            if (!ACCESS_TOKEN_TYPE.equals(requested)) {
                throw new InvalidRequestException("requested_token_type must be " + ACCESS_TOKEN_TYPE);
            }
        });
        if (form.value("actor_token").isPresent()) {
            throw new InvalidRequestException("delegation (actor_token) is not supported");
        }
        issuance.asking(name, Grant.IAM_TOKEN, exchange);
        return issuance.authenticate(subject, exchange).flatMap(caller -> {
            if (!issuance.hasAnyGrant(caller.callerId())) {
                throw new NoGrantsException();
            }
            Credential credential = issuance.authorize(caller.callerId(), name, Grant.IAM_TOKEN, exchange);
            return issuance.iamToken(caller.callerId(), credential, IamTokenRequest.DEFAULT_MIN_VALID, exchange)
                    .map(token ->
                            CredentialsController.<Object>noStore(new ExchangedTokenResponse(token, clock.instant())));
        });
    }

    // The token type says which kind of caller credential this is; the two must agree.
    private static Secret subjectToken(FormBodies.Form form) {
        Secret subject = form.requiredSecret("subject_token");
        String type = form.required("subject_token_type");
        boolean clientKey = subject.reveal().startsWith(ClientKeys.PREFIX);
        if (JWT_TYPE.equals(type) && !clientKey) {
            return subject;
        }
        if (ACCESS_TOKEN_TYPE.equals(type) && clientKey) {
            return subject;
        }
        if (JWT_TYPE.equals(type) || ACCESS_TOKEN_TYPE.equals(type)) {
            throw new InvalidRequestException("subject_token_type must be " + JWT_TYPE + " for a workload JWT and "
                    + ACCESS_TOKEN_TYPE + " for a broker client key");
        }
        throw new InvalidRequestException("subject_token_type must be " + JWT_TYPE + " or " + ACCESS_TOKEN_TYPE);
    }

    // resource, audience or scope (RFC 8693 §2.1: the scope of the requested token) name the credential; any of them
    // given must name the same one. scope is a space-separated list, so it may name one credential only. Spring's
    // token-exchange client sends the client registration's scopes, so a registration with scope: wml-prod works as is.
    private static String target(FormBodies.Form form) {
        Optional<String> resource = form.value("resource");
        Optional<String> audience = form.value("audience");
        Optional<String> scope = form.value("scope").map(String::trim).filter(value -> !value.isEmpty());
        if (scope.isPresent() && scope.get().split("\\s+").length > 1) {
            throw new InvalidRequestException("scope must name one credential");
        }
        Set<String> named = new LinkedHashSet<>();
        resource.ifPresent(named::add);
        audience.ifPresent(named::add);
        scope.ifPresent(named::add);
        if (named.isEmpty()) {
            throw new InvalidRequestException("resource, audience or scope must name the credential");
        }
        if (named.size() > 1) {
            throw new InvalidRequestException("resource, audience and scope must name the same credential");
        }
        return named.iterator().next();
    }
}
