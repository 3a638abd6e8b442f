package dev.tokenbroker.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Renders errors of the IAM facade in IAM's own shape, {@code {"errorCode":"BXNIM…","errorMessage":"…",
 * "context":{"requestId":"…"}}}, which the IBM SDKs parse into their exceptions, and audits them as refusals. Codes
 * are IAM's where IAM has one for the case (BXNIM0415E unknown API key, BXNIM0109E missing property, BXNIM0103E
 * unsupported grant type); the others are the broker's, listed in {@code docs/sdk-facade.md}.
 */
@Component
final class IamErrorResponses {

    private final TokenIssuance issuance;

    IamErrorResponses(TokenIssuance issuance) {
        this.issuance = issuance;
    }

    /**
     * The answer to a failed facade request.
     *
     * @param crToken whether the caller presented a compute-resource token (else an API key)
     */
    ResponseEntity<Object> respond(ServerWebExchange exchange, Throwable failure, boolean crToken) {
        FacadeFailure kind = FacadeFailure.of(failure);
        HttpStatus status = status(kind);
        issuance.refused(exchange, status.value(), kind.reason());

        Map<String, Object> context = new LinkedHashMap<>();
        context.put("requestId", RequestIds.of(exchange));
        context.put("requestType", "incoming.Identity_Token");
        String credential = AuditContext.of(exchange).credential();
        if (credential != null) {
            context.put("credential", credential);
        }
        kind.upstreamErrorCode(failure).ifPresent(code -> context.put("upstreamErrorCode", code));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("errorCode", code(kind, crToken));
        body.put("errorMessage", message(kind, failure, crToken));
        body.put("context", context);

        return kind.answer(status, failure, body);
    }

    private static HttpStatus status(FacadeFailure kind) {
        return switch (kind) {
            case INVALID_REQUEST,
                    MISSING_PARAMETER,
                    UNSUPPORTED_GRANT_TYPE,
                    INVALID_CALLER_CREDENTIAL,
                    WRONG_CREDENTIAL_TYPE -> HttpStatus.BAD_REQUEST;
            case CREDENTIAL_FORBIDDEN -> HttpStatus.FORBIDDEN;
            case RATE_LIMITED -> HttpStatus.TOO_MANY_REQUESTS;
            case UPSTREAM_REJECTED, MASTER_KEY_MISSING -> HttpStatus.BAD_GATEWAY;
            case UPSTREAM_UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case INTERNAL_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    private static String code(FacadeFailure kind, boolean crToken) {
        return switch (kind) {
            case INVALID_REQUEST, WRONG_CREDENTIAL_TYPE -> "BXNIM0400E";
            case MISSING_PARAMETER -> "BXNIM0109E";
            case UNSUPPORTED_GRANT_TYPE -> "BXNIM0103E";
            case INVALID_CALLER_CREDENTIAL -> crToken ? "BXNIM0407E" : "BXNIM0415E";
            case CREDENTIAL_FORBIDDEN -> "BXNIM0403E";
            case RATE_LIMITED -> "BXNIM0429E";
            case UPSTREAM_REJECTED, MASTER_KEY_MISSING -> "BXNIM0502E";
            case UPSTREAM_UNAVAILABLE -> "BXNIM0503E";
            case INTERNAL_ERROR -> "BXNIM0500E";
        };
    }

    private static String message(FacadeFailure kind, Throwable failure, boolean crToken) {
        return switch (kind) {
            case MISSING_PARAMETER ->
                "Property '" + ((FormBodies.MissingParameterException) failure).parameter() + "' missing or empty.";
            case INVALID_CALLER_CREDENTIAL ->
                crToken
                        ? "Provided compute resource token is not valid."
                        : "Provided API key could not be found. Use a token-broker client key (tbk_...).";
            default -> kind.message(failure);
        };
    }
}
