package dev.tokenbroker.api;

import dev.tokenbroker.problem.BrokerException;
import dev.tokenbroker.problem.MissingParameterException;
import dev.tokenbroker.problem.ProblemType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * The two drop-in dialects of the broker's failures: IBM Cloud IAM's error shape on the IAM facade
 * ({@code {"errorCode":"BXNIM…","errorMessage":"…","context":{"requestId":"…"}}}, which the IBM SDKs parse into their
 * exceptions) and RFC 6749 §5.2 on {@code /oauth2/token} ({@code error}, {@code error_description}, plus
 * {@code request_id}). Both answer JSON, never stored, with the failure's {@code Retry-After}, and note the refusal for
 * the audit. IAM codes are IAM's where IAM has one for the case (BXNIM0415E unknown API key, BXNIM0109E missing
 * property, BXNIM0103E unsupported grant type); the others are the broker's, listed in {@code docs/sdk-facade.md}.
 * OAuth codes: {@code invalid_request}, {@code unsupported_grant_type}, {@code invalid_grant} (the subject token is not
 * accepted), {@code invalid_target} (credential unknown, not allowed, or of a type that issues no access token: one
 * answer, no enumeration), {@code unauthorized_client} (no grant on any credential), {@code temporarily_unavailable}
 * (429, 503) and {@code server_error} (502, 500).
 */
@Component
final class DropInErrors {

    private final TokenIssuance issuance;

    DropInErrors(TokenIssuance issuance) {
        this.issuance = issuance;
    }

    /**
     * The IAM facade's answer to a failure.
     *
     * @param crToken whether the caller presented a compute-resource token (else an API key)
     */
    ResponseEntity<Object> iam(ServerWebExchange exchange, Throwable failure, boolean crToken) {
        BrokerException problem = Failures.translate(failure);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("requestId", RequestIds.of(exchange));
        context.put("requestType", "incoming.Identity_Token");
        String credential = AuditContext.of(exchange).credential();
        if (credential != null) {
            context.put("credential", credential);
        }
        Object upstreamCode = problem.members().get("upstream_error_code");
        if (upstreamCode != null) {
            context.put("upstreamErrorCode", upstreamCode);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("errorCode", iamCode(problem, crToken));
        body.put("errorMessage", iamMessage(problem, crToken));
        body.put("context", context);
        return answer(exchange, problem, iamStatus(problem), body);
    }

    /** The token exchange's answer to a failure. */
    ResponseEntity<Object> oauth(ServerWebExchange exchange, Throwable failure) {
        BrokerException problem = Failures.translate(failure);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", oauthError(problem.type()));
        body.put("error_description", oauthDescription(problem));
        body.put("request_id", RequestIds.of(exchange));
        body.putAll(problem.members());
        return answer(exchange, problem, oauthStatus(problem), body);
    }

    private ResponseEntity<Object> answer(
            ServerWebExchange exchange, BrokerException problem, HttpStatus status, Map<String, Object> body) {
        issuance.refused(exchange, status.value(), problem.auditReason());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .headers(NoStore::apply);
        String retryAfter = problem.getHeaders().getFirst(HttpHeaders.RETRY_AFTER);
        if (retryAfter != null) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return response.body((Object) body);
    }

    private static HttpStatus iamStatus(BrokerException problem) {
        ProblemType type = problem.type();
        if (type == ProblemType.UNAUTHORIZED || type == ProblemType.WRONG_CREDENTIAL_TYPE) {
            return HttpStatus.BAD_REQUEST;
        }
        return HttpStatus.valueOf(problem.getStatusCode().value());
    }

    private static String iamCode(BrokerException problem, boolean crToken) {
        if (problem instanceof MissingParameterException) {
            return "BXNIM0109E";
        }
        ProblemType type = problem.type();
        if (type == null) {
            return "BXNIM0" + problem.getStatusCode().value() + "E";
        }
        return switch (type) {
            case INVALID_REQUEST, WRONG_CREDENTIAL_TYPE -> "BXNIM0400E";
            case UNSUPPORTED_GRANT_TYPE -> "BXNIM0103E";
            case UNAUTHORIZED -> crToken ? "BXNIM0407E" : "BXNIM0415E";
            case CREDENTIAL_FORBIDDEN, FORBIDDEN, ROLES_FORBIDDEN -> "BXNIM0403E";
            case RATE_LIMITED -> "BXNIM0429E";
            case UPSTREAM_REJECTED, MASTER_KEY_MISSING -> "BXNIM0502E";
            case UPSTREAM_UNAVAILABLE, AUDIT_UNAVAILABLE -> "BXNIM0503E";
            default -> "BXNIM0" + type.status().value() + "E";
        };
    }

    private static String iamMessage(BrokerException problem, boolean crToken) {
        if (problem instanceof MissingParameterException missing) {
            return "Property '" + missing.parameter() + "' missing or empty.";
        }
        if (problem.type() == ProblemType.UNAUTHORIZED) {
            return crToken
                    ? "Provided compute resource token is not valid."
                    : "Provided API key could not be found. Use a token-broker client key (tbk_...).";
        }
        return problem.detail();
    }

    private static HttpStatus oauthStatus(BrokerException problem) {
        ProblemType type = problem.type();
        if (type == ProblemType.UNAUTHORIZED
                || type == ProblemType.CREDENTIAL_FORBIDDEN
                || type == ProblemType.WRONG_CREDENTIAL_TYPE
                || type == ProblemType.FORBIDDEN) {
            return HttpStatus.BAD_REQUEST;
        }
        return HttpStatus.valueOf(problem.getStatusCode().value());
    }

    private static String oauthError(ProblemType type) {
        if (type == null) {
            return "server_error";
        }
        return switch (type) {
            case INVALID_REQUEST -> "invalid_request";
            case UNSUPPORTED_GRANT_TYPE -> "unsupported_grant_type";
            case UNAUTHORIZED -> "invalid_grant";
            case CREDENTIAL_FORBIDDEN, WRONG_CREDENTIAL_TYPE -> "invalid_target";
            case FORBIDDEN -> "unauthorized_client";
            case RATE_LIMITED, UPSTREAM_UNAVAILABLE, AUDIT_UNAVAILABLE -> "temporarily_unavailable";
            default -> "server_error";
        };
    }

    private static String oauthDescription(BrokerException problem) {
        return problem.type() == ProblemType.UNAUTHORIZED ? "caller credential not accepted" : problem.detail();
    }
}
