package dev.tokenbroker.problem;

import dev.tokenbroker.support.Upstream;
import java.time.Duration;
import org.springframework.http.HttpHeaders;

/**
 * The upstream could not be reached or kept failing transiently (connection refused, timeouts, 5xx, 429) after
 * our retries. Shown to callers as 503 with {@code Retry-After}.
 */
public final class UpstreamUnavailableException extends UpstreamException {

    private final Duration retryAfter;

    public UpstreamUnavailableException(Upstream upstream, String message, Duration retryAfter, Throwable cause) {
        super(ProblemType.UPSTREAM_UNAVAILABLE, upstream, message, null, cause);
        this.retryAfter = retryAfter;
    }

    /** When it makes sense to ask again; at least one second. */
    public Duration retryAfter() {
        return retryAfter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retryAfter;
    }

    @Override
    public String detail() {
        return getMessage() + "; no cached credential is valid long enough";
    }

    @Override
    public HttpHeaders getHeaders() {
        return RetryAfter.headers(retryAfter().toSeconds());
    }
}
