package dev.tokenbroker.cache;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How minted credentials are cached ({@code tokenbroker.cache.*}).
 *
 * @param refreshAt fraction of a credential's life after which one background refresh starts (IBM's SDKs use 0.8)
 * @param refreshJitter up to this fraction of the life is taken off the refresh point at random, so that many
 *     entries minted together do not refresh in one burst
 * @param idleTimeout entries nobody asked for in this long are not refreshed but left to expire
 * @param failureTtl how long a permanent upstream refusal (a bad key) is remembered before asking again
 * @param retryInterval after a failed background refresh, how long before the next attempt
 * @param scanInterval how often entries are checked for a due refresh
 * @param maximumSize the most entries one cache holds
 */
@Validated
@ConfigurationProperties("tokenbroker.cache")
public record CacheProperties(
        @DefaultValue("0.8") @DecimalMin(value = "0", inclusive = false) @DecimalMax(value = "1", inclusive = false)
        double refreshAt,

        @DefaultValue("0.05") @DecimalMin("0") double refreshJitter,
        @DefaultValue("2h") @DurationMin(millis = 1) Duration idleTimeout,
        @DefaultValue("30s") @DurationMin(millis = 1) Duration failureTtl,
        @DefaultValue("10s") @DurationMin(millis = 1) Duration retryInterval,
        @DefaultValue("1s") @DurationMin(millis = 1) Duration scanInterval,
        @DefaultValue("10000") @Positive long maximumSize) {

    /** {@code refresh-jitter} must be below {@code refresh-at}, or a refresh could be due at birth. */
    @AssertTrue(message = "refresh-jitter must be less than refresh-at")
    public boolean isRefreshJitterBelowRefreshAt() {
        return refreshJitter < refreshAt;
    }
}
