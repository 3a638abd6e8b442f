package dev.tokenbroker.api;

import java.time.Duration;

/** The caller is over its rate limit (429 with {@code Retry-After}). */
public final class RateLimitedException extends RuntimeException {

    private final long retryAfterSeconds;

    public RateLimitedException(long retryAfterSeconds) {
        super("caller is over its rate limit", null, false, false);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** The refusal of a caller that may try again after {@code wait}: {@code Retry-After} in whole seconds, rounded up. */
    static RateLimitedException after(Duration wait) {
        return new RateLimitedException(wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
