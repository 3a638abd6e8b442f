package dev.tokenbroker.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * Completes the OpenAPI description springdoc derives from the controllers into the contract of DESIGN §2: the bearer
 * security scheme, every operation's success and error responses with their schemas and media types
 * ({@code application/problem+json} on {@code /v1}, IAM's error shape on the IAM facade, RFC 6749 §5.2 on
 * {@code /oauth2/token}), {@code Retry-After} on 429 and 503, the {@code /v1} request bodies, and no-store headers on
 * credentials. The document is the same for every request (no server URL derived from it).
 */
final class OpenApiDocument implements OpenApiCustomizer {

    private static final String JSON = "application/json";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String BEARER = "bearer";
    private static final String V1 = "v1";
    private static final String DROP_IN = "drop-in";

    @Override
    public void customise(OpenAPI openApi) {
        openApi.getComponents()
                .addSecuritySchemes(
                        BEARER,
                        new SecurityScheme()
                                .type(SecurityScheme.Type.HTTP)
                                .scheme("bearer")
                                .description("A broker client key (tbk_…) or a workload JWT from a configured issuer"));
        // Exactly these: what springdoc derived from the Java types is replaced, so no unused or duplicate schema.
        openApi.getComponents().setSchemas(new TreeMap<>(schemas()));
        openApi.setTags(List.of(
                new Tag().name(V1).description("The broker's own API: credentials a caller may use, minted from them"),
                new Tag()
                        .name(DROP_IN)
                        .description(
                                "Endpoints in other services' shapes: IBM Cloud IAM's, and RFC 8693 token exchange")));
        Map<String, PathItem> paths = openApi.getPaths();
        list(paths.get("/v1/credentials").getGet());
        iamToken(paths.get("/v1/credentials/{name}/iam-token").getPost());
        iotKey(paths.get("/v1/credentials/{name}/iot-key").getPost());
        iamFacade(paths.get("/iam/{name}/identity/token").getPost());
        tokenExchange(paths.get("/oauth2/token").getPost());
    }

    private static void list(Operation operation) {
        v1(operation, "listCredentials", "The credentials this caller may use");
        operation.setResponses(new ApiResponses()
                .addApiResponse(
                        "200",
                        new ApiResponse()
                                .description("name and type of each credential the policy lets this caller use")
                                .content(json(new ArraySchema().items(ref("CredentialSummary")))))
                .addApiResponse("401", unauthorized())
                .addApiResponse("429", problem("Caller over its rate limit", true)));
    }

    private static void iamToken(Operation operation) {
        v1(
                operation,
                "issueIamToken",
                "An IAM access token for credential name (type iam-apikey, iam-trusted-profile or iam-assume)");
        operation.setRequestBody(new RequestBody()
                .required(false)
                .description("Optional; an empty body means min_valid_seconds 60")
                .content(json(ref("IamTokenRequest"))));
        operation.setResponses(v1Errors(new ApiResponses()
                .addApiResponse("200", credential("IamTokenResponse", "An IAM access token valid long enough"))));
    }

    private static void iotKey(Operation operation) {
        v1(operation, "issueIotKey", "A short-lived WIoTP application key for credential name (type iot-app)");
        operation.setRequestBody(new RequestBody()
                .required(false)
                .description("Optional; an empty body means roles [PD_STANDARD_APP]")
                .content(json(ref("IotKeyRequest"))));
        operation.setResponses(v1Errors(new ApiResponses()
                .addApiResponse("200", credential("IotKeyResponse", "A WIoTP API key, its token and MQTT settings"))));
    }

    private static void iamFacade(Operation operation) {
        operation.setOperationId("iamFacadeToken");
        operation.setTags(List.of(DROP_IN));
        operation.setSecurity(List.of());
        ApiResponses responses = new ApiResponses()
                .addApiResponse(
                        "200", credential("IamFacadeTokenResponse", "IAM's own token response for the IBM Cloud SDKs"));
        iamError(responses, "400", "Bad request, unknown API key or client key (BXNIM0415E), bad cr_token", false);
        iamError(responses, "403", "Credential unknown or not allowed for this caller", false);
        iamError(responses, "429", "Caller over its rate limit", true);
        iamError(responses, "502", "Upstream refused the master key", false);
        iamError(responses, "503", "Upstream unavailable and nothing valid cached", true);
        operation.setResponses(responses);
    }

    private static void tokenExchange(Operation operation) {
        operation.setTags(List.of(DROP_IN));
        operation.setSecurity(List.of());
        ApiResponses responses = new ApiResponses()
                .addApiResponse("200", credential("TokenExchangeResponse", "RFC 8693 §2.2.1 token exchange response"));
        oauthError(
                responses,
                "400",
                "invalid_request, unsupported_grant_type, invalid_grant, invalid_target or unauthorized_client",
                false);
        oauthError(responses, "429", "temporarily_unavailable: caller over its rate limit", true);
        oauthError(responses, "502", "server_error: upstream refused the master key", false);
        oauthError(responses, "503", "temporarily_unavailable: upstream unavailable", true);
        operation.setResponses(responses);
    }

    private static void v1(Operation operation, String id, String summary) {
        operation.setOperationId(id);
        operation.setSummary(summary);
        operation.setTags(List.of(V1));
        operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
    }

    private static ApiResponses v1Errors(ApiResponses responses) {
        return responses
                .addApiResponse("400", problem("Bad input: name, body (16 KiB at most, no unknown fields)", false))
                .addApiResponse("401", unauthorized())
                .addApiResponse("403", problem("Credential unknown or not allowed for this caller (one answer)", false))
                .addApiResponse("415", problem("The body is not application/json", false))
                .addApiResponse("429", problem("Caller over its rate limit", true))
                .addApiResponse("502", problem("The upstream refused the master key (upstream_error_code)", false))
                .addApiResponse("503", problem("Upstream unreachable and no still-valid credential cached", true));
    }

    private static ApiResponse unauthorized() {
        return problem("Missing or invalid caller credentials", false)
                .addHeaderObject(
                        "WWW-Authenticate",
                        new Header()
                                .description("Bearer, with error=\"invalid_token\" for a refused credential")
                                .schema(new StringSchema()));
    }

    private static ApiResponse problem(String description, boolean retryAfter) {
        return withRetryAfter(
                new ApiResponse()
                        .description(description)
                        .content(new Content().addMediaType(PROBLEM_JSON, new MediaType().schema(ref("Problem")))),
                retryAfter);
    }

    private static void iamError(ApiResponses responses, String status, String description, boolean retryAfter) {
        responses.addApiResponse(
                status,
                withRetryAfter(new ApiResponse().description(description).content(json(ref("IamError"))), retryAfter));
    }

    private static void oauthError(ApiResponses responses, String status, String description, boolean retryAfter) {
        responses.addApiResponse(
                status,
                withRetryAfter(
                        new ApiResponse().description(description).content(json(ref("OAuthError"))), retryAfter));
    }

    private static ApiResponse withRetryAfter(ApiResponse response, boolean retryAfter) {
        if (retryAfter) {
            response.addHeaderObject(
                    "Retry-After",
                    new Header()
                            .description("Seconds to wait before asking again")
                            .required(true)
                            .schema(new IntegerSchema().minimum(java.math.BigDecimal.ZERO)));
        }
        return response;
    }

    private static ApiResponse credential(String schema, String description) {
        return new ApiResponse()
                .description(description + "; never cached by intermediaries")
                .content(json(ref(schema)))
                .addHeaderObject("Cache-Control", new Header().schema(new StringSchema()._enum(List.of("no-store"))))
                .addHeaderObject("Pragma", new Header().schema(new StringSchema()._enum(List.of("no-cache"))));
    }

    private static Content json(Schema<?> schema) {
        return new Content().addMediaType(JSON, new MediaType().schema(schema));
    }

    private static Schema<?> ref(String name) {
        return new Schema<>().$ref("#/components/schemas/" + name);
    }

    private static Schema<?> string(String description) {
        return new StringSchema().description(description);
    }

    private static Schema<?> integer(String description) {
        return new IntegerSchema().format("int64").description(description);
    }

    private static Map<String, Schema> schemas() {
        return Map.ofEntries(
                Map.entry(
                        "CredentialSummary",
                        new ObjectSchema()
                                .addProperty(
                                        "name", string("The credential's name").example("wml-prod"))
                                .addProperty(
                                        "type",
                                        new StringSchema()
                                                ._enum(List.of(
                                                        "iam-apikey", "iot-app", "iam-trusted-profile", "iam-assume")))
                                .required(List.of("name", "type"))),
                Map.entry(
                        "IamTokenRequest",
                        new ObjectSchema()
                                .addProperty(
                                        "min_valid_seconds",
                                        new IntegerSchema()
                                                .minimum(java.math.BigDecimal.ZERO)
                                                .maximum(java.math.BigDecimal.valueOf(3000))
                                                ._default(60)
                                                .description("The token returned is valid for at least this long"))
                                .additionalProperties(false)),
                Map.entry(
                        "IotKeyRequest",
                        new ObjectSchema()
                                .addProperty(
                                        "roles",
                                        new ArraySchema()
                                                .items(new StringSchema().pattern("^PD_[A-Z_]{1,60}$"))
                                                .minItems(1)
                                                .maxItems(16)
                                                .description("WIoTP roles, a subset of what policy allows; default"
                                                        + " [PD_STANDARD_APP]"))
                                .additionalProperties(false)),
                Map.entry(
                        "IamTokenResponse",
                        new ObjectSchema()
                                .addProperty("access_token", string("The IAM access token (a JWT)"))
                                .addProperty("token_type", new StringSchema()._enum(List.of("Bearer")))
                                .addProperty("expires_in", integer("Seconds left"))
                                .addProperty("expiration", integer("Expiry, epoch seconds"))
                                .addProperty("credential", string("The credential's name"))
                                .required(List.of("access_token", "token_type", "expires_in", "expiration"))),
                Map.entry(
                        "IotKeyResponse",
                        new ObjectSchema()
                                .addProperty("org", string("WIoTP organisation"))
                                .addProperty("auth-key", string("The application API key"))
                                .addProperty("auth-token", string("Its token, shown once"))
                                .addProperty("expires_at", new StringSchema().format("date-time"))
                                .addProperty("roles", new ArraySchema().items(new StringSchema()))
                                .addProperty("credential", string("The credential's name"))
                                .addProperty(
                                        "mqtt",
                                        new ObjectSchema()
                                                .addProperty("host", string("MQTT host"))
                                                .addProperty("port", new IntegerSchema())
                                                .addProperty("username", string("= auth-key"))
                                                .addProperty("password", string("= auth-token")))
                                .required(List.of("org", "auth-key", "auth-token", "expires_at", "roles"))),
                Map.entry(
                        "IamFacadeTokenResponse",
                        new ObjectSchema()
                                .addProperty("access_token", string("The IAM access token"))
                                .addProperty("refresh_token", string("A placeholder: refresh by asking again"))
                                .addProperty("token_type", new StringSchema()._enum(List.of("Bearer")))
                                .addProperty("expires_in", integer("Seconds left"))
                                .addProperty("expiration", integer("Expiry, epoch seconds"))
                                .addProperty("scope", string("IAM's scope"))
                                .required(List.of("access_token", "token_type", "expires_in", "expiration"))),
                Map.entry(
                        "TokenExchangeResponse",
                        new ObjectSchema()
                                .addProperty("access_token", string("The IAM access token"))
                                .addProperty(
                                        "issued_token_type",
                                        new StringSchema()
                                                ._enum(List.of("urn:ietf:params:oauth:token-type:access_token")))
                                .addProperty("token_type", new StringSchema()._enum(List.of("Bearer")))
                                .addProperty("expires_in", integer("Seconds left"))
                                .required(List.of("access_token", "issued_token_type", "token_type"))),
                Map.entry(
                        "Problem",
                        new ObjectSchema()
                                .description("RFC 9457 problem details")
                                .addProperty("type", new StringSchema().format("uri"))
                                .addProperty("title", string("Short summary of the problem type"))
                                .addProperty("status", new IntegerSchema())
                                .addProperty("detail", string("What went wrong; never a secret or an upstream body"))
                                .addProperty("instance", new StringSchema().format("uri-reference"))
                                .addProperty("credential", string("The credential concerned, where it applies"))
                                .addProperty(
                                        "upstream_error_code", string("The upstream's error code, e.g. BXNIM0415E"))
                                .addProperty("request_id", string("Also in the X-Request-Id header and the audit log"))
                                .required(List.of("type", "title", "status"))),
                Map.entry(
                        "IamError",
                        new ObjectSchema()
                                .description("IBM Cloud IAM's error shape, as the IBM SDKs parse it")
                                .addProperty("errorCode", string("e.g. BXNIM0415E"))
                                .addProperty("errorMessage", string("Human-readable message"))
                                .addProperty(
                                        "context",
                                        new ObjectSchema().addProperty("requestId", string("The broker's request id")))
                                .required(List.of("errorCode", "errorMessage"))),
                Map.entry(
                        "OAuthError",
                        new ObjectSchema()
                                .description("RFC 6749 §5.2 error response")
                                .addProperty(
                                        "error",
                                        new StringSchema()
                                                ._enum(List.of(
                                                        "invalid_request",
                                                        "unsupported_grant_type",
                                                        "invalid_grant",
                                                        "invalid_target",
                                                        "unauthorized_client",
                                                        "temporarily_unavailable",
                                                        "server_error")))
                                .addProperty("error_description", string("Human-readable detail"))
                                .addProperty("request_id", string("The broker's request id"))
                                .addProperty("upstream_error_code", string("The upstream's error code, on 502"))
                                .required(List.of("error"))));
    }
}
