package dev.tokenbroker.cache;

import dev.tokenbroker.support.CheckedProperties;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

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
@ConfigurationProperties("tokenbroker.cache")
public record CacheProperties(
        @DefaultValue("0.8") double refreshAt,
        @DefaultValue("0.05") double refreshJitter,
        @DefaultValue("2h") Duration idleTimeout,
        @DefaultValue("30s") Duration failureTtl,
        @DefaultValue("10s") Duration retryInterval,
        @DefaultValue("1s") Duration scanInterval,
        @DefaultValue("10000") long maximumSize)
        implements CheckedProperties {

    /** {@code refresh-jitter} must be below {@code refresh-at}, or a refresh could be due at birth. */
    @Override
    public void check(Checks checks) {
        checks.between("refreshAt", refreshAt, 0, 1)
                .notNegative("refreshJitter", refreshJitter)
                .require("refreshJitter", refreshJitter < refreshAt, "refresh-jitter must be less than refresh-at")
                .positive("idleTimeout", idleTimeout)
                .positive("failureTtl", failureTtl)
                .positive("retryInterval", retryInterval)
                .positive("scanInterval", scanInterval)
                .positive("maximumSize", maximumSize);
    }
}
