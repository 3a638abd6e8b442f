package dev.tokenbroker.problem;

import java.time.Duration;
import org.springframework.http.HttpHeaders;

/** The caller is over its rate limit (429 with {@code Retry-After}). */
public final class RateLimitedException extends BrokerException {

    private final long retryAfterSeconds;

    public RateLimitedException(long retryAfterSeconds) {
        super(ProblemType.RATE_LIMITED, "caller is over its rate limit");
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** The refusal of a caller that may try again after {@code wait}: {@code Retry-After} in whole seconds, rounded up. */
    public static RateLimitedException after(Duration wait) {
        return new RateLimitedException(wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
    }

    /** Whole seconds until the caller may try again; at least one. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public HttpHeaders getHeaders() {
        return RetryAfter.headers(retryAfterSeconds);
    }
}
