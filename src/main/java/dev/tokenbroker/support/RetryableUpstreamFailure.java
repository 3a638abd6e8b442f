package dev.tokenbroker.support;

import java.time.Duration;
import java.util.Optional;

/**
 * A transient upstream answer (429, 5xx) that {@link UpstreamCalls#retry} may retry. After the last retry it becomes
 * an {@link UpstreamUnavailableException}.
 */
public final class RetryableUpstreamFailure extends RuntimeException {

    private final int status;
    private final Duration retryAfter;

    public RetryableUpstreamFailure(int status, Duration retryAfter) {
        super("upstream answered " + status, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    /** The upstream's {@code Retry-After}, if it sent a usable one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
