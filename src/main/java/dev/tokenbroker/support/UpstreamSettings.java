package dev.tokenbroker.support;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the broker talks to one upstream: timeouts and retries. Shared by {@code tokenbroker.iam.*} and
 * {@code tokenbroker.iot.*}.
 *
 * @param connectTimeout TCP connect timeout
 * @param responseTimeout time allowed for the whole response, per attempt
 * @param maxRetries retries after the first attempt, for 429, 5xx and I/O errors only
 * @param initialBackoff base of the exponential backoff (full jitter: a random wait in [0, base * 2^n])
 * @param maxBackoff cap of one backoff wait
 * @param maxRetryAfter a {@code Retry-After} longer than this is not waited for: the caller gets 503 instead
 */
public record UpstreamSettings(
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("5s") Duration responseTimeout,
        @DefaultValue("3") int maxRetries,
        @DefaultValue("200ms") Duration initialBackoff,
        @DefaultValue("5s") Duration maxBackoff,
        @DefaultValue("10s") Duration maxRetryAfter) {

    /** The defaults of DESIGN §5. */
    public static UpstreamSettings defaults() {
        return new UpstreamSettings(
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                3,
                Duration.ofMillis(200),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }
}
