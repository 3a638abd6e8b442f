package dev.tokenbroker.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Renders errors of {@code /oauth2/token} as RFC 6749 §5.2 JSON ({@code error}, {@code error_description}, plus
 * {@code request_id}), and audits them as refusals. Codes: {@code invalid_request} (malformed, missing or repeated
 * parameters), {@code unsupported_grant_type}, {@code invalid_grant} (the subject token is not accepted),
 * {@code invalid_target} (credential unknown, not allowed, or of a type that issues no access token: one answer, no
 * enumeration), {@code unauthorized_client} (the caller has no grant on any credential);
 * {@code temporarily_unavailable} with 429 or 503 and {@code Retry-After}; {@code server_error} with 502 or 500.
 */
@Component
final class OAuthErrorResponses {

    private final TokenIssuance issuance;

    OAuthErrorResponses(TokenIssuance issuance) {
        this.issuance = issuance;
    }

    /** The answer to a failed token-exchange request. */
    ResponseEntity<Object> respond(ServerWebExchange exchange, Throwable failure) {
        boolean noGrants = failure instanceof NoGrantsException;
        FacadeFailure kind = noGrants ? FacadeFailure.CREDENTIAL_FORBIDDEN : FacadeFailure.of(failure);
        HttpStatus status = status(kind);
        issuance.refused(exchange, status.value(), kind.reason());

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", noGrants ? "unauthorized_client" : error(kind));
        body.put("error_description", noGrants ? failure.getMessage() : kind.message(failure));
        body.put("request_id", RequestIds.of(exchange));
        kind.upstreamErrorCode(failure).ifPresent(code -> body.put("upstream_error_code", code));

        return kind.answer(status, failure, body);
    }

    private static HttpStatus status(FacadeFailure kind) {
        return switch (kind) {
            case INVALID_REQUEST,
                    MISSING_PARAMETER,
                    UNSUPPORTED_GRANT_TYPE,
                    INVALID_CALLER_CREDENTIAL,
                    CREDENTIAL_FORBIDDEN,
                    WRONG_CREDENTIAL_TYPE -> HttpStatus.BAD_REQUEST;
            case RATE_LIMITED -> HttpStatus.TOO_MANY_REQUESTS;
            case UPSTREAM_REJECTED, MASTER_KEY_MISSING -> HttpStatus.BAD_GATEWAY;
            case UPSTREAM_UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case INTERNAL_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    private static String error(FacadeFailure kind) {
        return switch (kind) {
            case INVALID_REQUEST, MISSING_PARAMETER -> "invalid_request";
            case UNSUPPORTED_GRANT_TYPE -> "unsupported_grant_type";
            case INVALID_CALLER_CREDENTIAL -> "invalid_grant";
            case CREDENTIAL_FORBIDDEN, WRONG_CREDENTIAL_TYPE -> "invalid_target";
            case RATE_LIMITED, UPSTREAM_UNAVAILABLE -> "temporarily_unavailable";
            case UPSTREAM_REJECTED, MASTER_KEY_MISSING, INTERNAL_ERROR -> "server_error";
        };
    }

    /** The caller authenticated but has no grant on any credential: {@code unauthorized_client}. */
    static final class NoGrantsException extends RuntimeException {

        NoGrantsException() {
            super("this caller may not exchange tokens for any credential", null, false, false);
        }
    }
}
