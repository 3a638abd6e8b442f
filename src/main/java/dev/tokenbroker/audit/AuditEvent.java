package dev.tokenbroker.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One audit line. Holds no secret: {@code fingerprint} is a keyed hash of what was issued.
 *
 * @param time when it happened
 * @param requestId the request's id (also in the response's {@code X-Request-Id} and problem details)
 * @param caller the caller id, or {@code anonymous}
 * @param credential the credential asked for, if the request named a valid one
 * @param grant {@code iam-token}, {@code iot-key}, or {@code null}
 * @param outcome {@code issued}, {@code refused}, or {@code aborted} (the connection closed, or timed out, before an
 *     answer was written)
 * @param status the HTTP status the client was sent, read from the connection; absent when it was sent none
 * @param reason the problem type of a refusal
 * @param fingerprint the first 16 hex of HMAC-SHA256(salt, issued credential)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"time", "request_id", "caller", "credential", "grant", "outcome", "status", "reason", "fingerprint"
})
public record AuditEvent(
        Instant time,
        @JsonProperty("request_id") String requestId,
        String caller,
        String credential,
        String grant,
        String outcome,
        Integer status,
        String reason,
        String fingerprint) {}
