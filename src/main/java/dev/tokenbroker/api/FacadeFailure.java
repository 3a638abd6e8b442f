package dev.tokenbroker.api;

import dev.tokenbroker.caller.CredentialForbiddenException;
import dev.tokenbroker.caller.CredentialTypeMismatchException;
import dev.tokenbroker.support.UpstreamRejectedException;
import dev.tokenbroker.support.UpstreamUnavailableException;
import dev.tokenbroker.vault.SecretNotFoundException;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * What went wrong with a drop-in token request (IAM facade, RFC 8693), independent of the shape the answer takes.
 * Each dialect maps these to its own status and error code; {@link #reason()} is the audit reason, aligned with the
 * problem catalogue where one applies.
 */
enum FacadeFailure {
    INVALID_REQUEST("invalid-request"),
    MISSING_PARAMETER("invalid-request"),
    UNSUPPORTED_GRANT_TYPE("unsupported-grant-type"),
    INVALID_CALLER_CREDENTIAL("unauthorized"),
    CREDENTIAL_FORBIDDEN("credential-forbidden"),
    WRONG_CREDENTIAL_TYPE("wrong-credential-type"),
    RATE_LIMITED("rate-limited"),
    UPSTREAM_REJECTED("upstream-rejected"),
    MASTER_KEY_MISSING("master-key-missing"),
    UPSTREAM_UNAVAILABLE("upstream-unavailable"),
    INTERNAL_ERROR("internal-error");

    private final String reason;

    FacadeFailure(String reason) {
        this.reason = reason;
    }

    /** The audit reason. */
    String reason() {
        return reason;
    }

    static FacadeFailure of(Throwable failure) {
        if (failure instanceof FormBodies.MissingParameterException) {
            return MISSING_PARAMETER;
        }
        if (failure instanceof InvalidRequestException || failure instanceof DataBufferLimitException) {
            return INVALID_REQUEST;
        }
        if (failure instanceof UnsupportedGrantTypeException) {
            return UNSUPPORTED_GRANT_TYPE;
        }
        if (failure instanceof InvalidCallerCredentialException) {
            return INVALID_CALLER_CREDENTIAL;
        }
        if (failure instanceof CredentialForbiddenException) {
            return CREDENTIAL_FORBIDDEN;
        }
        if (failure instanceof CredentialTypeMismatchException) {
            return WRONG_CREDENTIAL_TYPE;
        }
        if (failure instanceof RateLimitedException) {
            return RATE_LIMITED;
        }
        if (failure instanceof UpstreamRejectedException) {
            return UPSTREAM_REJECTED;
        }
        if (failure instanceof SecretNotFoundException) {
            return MASTER_KEY_MISSING;
        }
        if (failure instanceof UpstreamUnavailableException) {
            return UPSTREAM_UNAVAILABLE;
        }
        ProblemResponses.logUnexpected(failure);
        return INTERNAL_ERROR;
    }

    /**
     * The answer both drop-in endpoints give a failure, in their own body shape: JSON, never stored, with the
     * failure's {@code Retry-After} when it has one.
     */
    ResponseEntity<Object> answer(HttpStatus status, Throwable failure, Map<String, Object> body) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .headers(NoStore::apply);
        retryAfterSeconds(failure).ifPresent(seconds -> response.header("Retry-After", Long.toString(seconds)));
        return response.body((Object) body);
    }

    /** A message safe to show the caller: the broker's own exceptions never quote secrets or upstream bodies. */
    String message(Throwable failure) {
        return switch (this) {
            case INVALID_REQUEST ->
                failure instanceof DataBufferLimitException ? "request body exceeds 16 KiB" : failure.getMessage();
            case MISSING_PARAMETER,
                    UNSUPPORTED_GRANT_TYPE,
                    WRONG_CREDENTIAL_TYPE,
                    UPSTREAM_REJECTED,
                    MASTER_KEY_MISSING -> failure.getMessage();
            case INVALID_CALLER_CREDENTIAL -> "caller credential not accepted";
            case CREDENTIAL_FORBIDDEN -> "credential unknown or not allowed for this caller";
            case RATE_LIMITED -> "caller is over its rate limit";
            case UPSTREAM_UNAVAILABLE -> failure.getMessage() + "; no cached credential is valid long enough";
            case INTERNAL_ERROR -> "unexpected error; quote the request id to the operators";
        };
    }

    /** Seconds to wait before asking again, for 429 and 503. */
    Optional<Long> retryAfterSeconds(Throwable failure) {
        if (failure instanceof RateLimitedException limited) {
            return Optional.of(limited.retryAfterSeconds());
        }
        if (failure instanceof UpstreamUnavailableException unavailable) {
            return Optional.of(unavailable.retryAfter().toSeconds());
        }
        return Optional.empty();
    }

    /** The upstream's own error code, for 502. */
    Optional<String> upstreamErrorCode(Throwable failure) {
        return failure instanceof UpstreamRejectedException rejected ? rejected.upstreamErrorCode() : Optional.empty();
    }
}
