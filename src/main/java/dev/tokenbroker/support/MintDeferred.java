package dev.tokenbroker.support;

import java.time.Duration;

/**
 * A {@linkplain MintUrgency#AHEAD refresh ahead} that the upstream budget holds back, because the upstream asked every
 * replica to wait (a 429's {@code Retry-After}). Not a failure: the cache keeps serving what it holds and tries the
 * refresh again after {@link #retryAfter()}. Never reaches a caller.
 */
public final class MintDeferred extends RuntimeException {

    private final transient Duration retryAfter;

    public MintDeferred(Upstream upstream, Duration retryAfter) {
        super(upstream + " asked to wait: refreshes ahead are deferred", null, false, false);
        this.retryAfter = retryAfter;
    }

    /** How long until the upstream's pause ends. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
