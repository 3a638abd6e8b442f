package dev.tokenbroker.api;

import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.UnauthenticatedException;
import dev.tokenbroker.problem.UnsupportedGrantTypeException;
import dev.tokenbroker.support.Secret;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.SchemaProperty;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /iam/{name}/identity/token}: IBM Cloud IAM's token endpoint, for credential {@code name}, so that the
 * IBM SDKs' {@code IamAuthenticator} (url {@code http://broker/iam/{name}}, apikey = a broker client key) and
 * {@code ContainerAuthenticator} (the cr-token grant with the caller's workload JWT) work unmodified. Requests and
 * answers, errors included, are in IAM's shapes (see {@link DropInErrors}); the policy grant is
 * {@code iam-token}, with the same audit and rate limits as {@code /v1}. Real IBM API keys are refused without
 * being forwarded anywhere: the broker never sends a caller's key upstream.
 */
@RestController
class IamFacadeController {

    static final String APIKEY_GRANT = IamTokenProvider.APIKEY_GRANT;
    static final String CR_TOKEN_GRANT = "urn:ibm:params:oauth:grant-type:cr-token";

    private static final Set<String> FIELDS =
            Set.of("grant_type", "apikey", "cr_token", "profile_name", "profile_id", "response_type", "scope");

    private final TokenIssuance issuance;
    private final DropInErrors errors;
    private final Clock clock;

    IamFacadeController(TokenIssuance issuance, DropInErrors errors, Clock clock) {
        this.issuance = issuance;
        this.errors = errors;
        this.clock = clock;
    }

    @Operation(
            operationId = "iamFacadeToken",
            summary = "IAM-compatible token endpoint for credential {name}",
            description = "Form body as IBM Cloud IAM's POST /identity/token. grant_type "
                    + APIKEY_GRANT + " with apikey = a broker client key (tbk_...), or " + CR_TOKEN_GRANT
                    + " with cr_token = the caller's workload JWT (profile_name/profile_id, when sent, must be {name})."
                    + " No Authorization header is needed; one that is sent is ignored.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = "application/x-www-form-urlencoded",
                                            schemaProperties = {
                                                @SchemaProperty(name = "grant_type", schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "apikey", schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "cr_token", schema = @Schema(type = "string")),
                                                @SchemaProperty(
                                                        name = "profile_name",
                                                        schema = @Schema(type = "string")),
                                                @SchemaProperty(name = "profile_id", schema = @Schema(type = "string"))
                                            })),
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "access_token, refresh_token (placeholder), token_type, expires_in, expiration,"
                                + " scope",
                        content = @Content(mediaType = "application/json")),
                @ApiResponse(
                        responseCode = "400",
                        description = "IAM-shaped error: bad request or unknown API key (BXNIM0415E)",
                        content = @Content(mediaType = "application/json")),
                @ApiResponse(responseCode = "403", description = "IAM-shaped error: credential unknown or not allowed"),
                @ApiResponse(responseCode = "429", description = "IAM-shaped error: caller over its rate limit"),
                @ApiResponse(responseCode = "502", description = "IAM-shaped error: upstream refused the master key"),
                @ApiResponse(responseCode = "503", description = "IAM-shaped error: upstream unavailable")
            })
    @PostMapping("/iam/{name}/identity/token")
    Mono<ResponseEntity<Object>> token(@PathVariable String name, ServerWebExchange exchange) {
        issuance.asking(name, Grant.IAM_TOKEN, exchange);
        return FormBodies.read(exchange, FIELDS)
                .flatMap(form -> {
                    boolean crToken =
                            CR_TOKEN_GRANT.equals(form.value("grant_type").orElse(null));
                    return Mono.defer(() -> grant(name, form, exchange))
                            .onErrorResume(
                                    failure -> AuditedResponses.answerable(exchange, failure),
                                    failure -> Mono.just(errors.iam(exchange, failure, crToken)));
                })
                .onErrorResume(
                        failure -> AuditedResponses.answerable(exchange, failure),
                        failure -> Mono.just(errors.iam(exchange, failure, false)));
    }

    private Mono<ResponseEntity<Object>> grant(String name, FormBodies.Form form, ServerWebExchange exchange) {
        String grantType = form.required("grant_type");
        Secret presented;
        if (APIKEY_GRANT.equals(grantType)) {
            presented = form.requiredSecret("apikey");
            if (!presented.reveal().startsWith(ClientKeys.PREFIX)) {
                // An IBM API key, most likely: refused here, never passed on, never logged.
                return Mono.error(new UnauthenticatedException());
            }
        } else if (CR_TOKEN_GRANT.equals(grantType)) {
            presented = form.requiredSecret("cr_token");
            if (presented.reveal().startsWith(ClientKeys.PREFIX)) {
                return Mono.error(new UnauthenticatedException());
            }
            checkProfile(form.value("profile_name"), "profile_name", name);
            checkProfile(form.value("profile_id"), "profile_id", name);
        } else {
            return Mono.error(new UnsupportedGrantTypeException(
                    "Unsupported grant type; use " + APIKEY_GRANT + " or " + CR_TOKEN_GRANT + "."));
        }
        return issuance.authenticate(presented, exchange).flatMap(caller -> {
            Credential credential = issuance.authorize(caller.callerId(), name, Grant.IAM_TOKEN, exchange);
            return issuance.iamToken(caller.callerId(), credential, IamTokenRequest.DEFAULT_MIN_VALID, exchange)
                    .map(token ->
                            CredentialsController.<Object>noStore(new IamFacadeTokenResponse(token, clock.instant())));
        });
    }

    private static void checkProfile(Optional<String> profile, String field, String name) {
        if (profile.isPresent() && !profile.get().equals(name)) {
            throw new InvalidRequestException(field + " must name the credential in the URL");
        }
    }
}
