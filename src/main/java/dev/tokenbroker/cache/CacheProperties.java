package dev.tokenbroker.cache;

import java.time.Duration;
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
        @DefaultValue("0.8") double refreshAt,
        @DefaultValue("0.05") double refreshJitter,
        @DefaultValue("2h") Duration idleTimeout,
        @DefaultValue("30s") Duration failureTtl,
        @DefaultValue("10s") Duration retryInterval,
        @DefaultValue("1s") Duration scanInterval,
        @DefaultValue("10000") long maximumSize) {

    public CacheProperties {
        if (refreshAt <= 0 || refreshAt >= 1) {
            throw new IllegalArgumentException("tokenbroker.cache.refresh-at must be between 0 and 1");
        }
        if (refreshJitter < 0 || refreshJitter >= refreshAt) {
            throw new IllegalArgumentException("tokenbroker.cache.refresh-jitter must be in [0, refresh-at)");
        }
    }
}
