package dev.tokenbroker.shared;

import dev.tokenbroker.support.CheckedProperties;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The shared tier ({@code tokenbroker.shared.*}); the Redis connection itself is Boot's {@code spring.data.redis.*}
 * (a single server, Sentinel or Cluster).
 *
 * @param enabled whether replicas share minted credentials through Redis (off by default: each replica mints alone)
 * @param encryptionKeySecret the vault secret whose field {@code key} holds the base64 of 32 random bytes, the AES-256
 *     key of the values in Redis; a new version of it is used for new values, older ones still decrypt
 * @param timeout how long a caller who holds a credential just minted waits for it to be written to Redis before it
 *     is answered (the write itself goes on in the background, up to {@code lease}). A cache hit never waits on
 *     Redis; a lookup before a mint (a local miss, a due refresh) waits on it up to {@code lease}
 * @param lease the right to mint, won by one replica: renewed every third of it while its mint runs (an upstream call
 *     with its retries, a wait for a turn in the upstream's call budget), so it lapses within one lease of that replica
 *     dying; the others wait for its result while it is held. Also the most any Redis call of a lookup may take
 *     before the replica goes on without Redis
 * @param pollInterval how often a waiting replica looks for the winner's result
 * @param backoff while Redis is away, how often it is probed; lookups do not ask it meanwhile
 * @param readyTimeout the most start-up waits for Redis and the encryption key before the replica reports ready; past
 *     it, the replica reports ready all the same and mints alone until Redis answers
 */
@ConfigurationProperties("tokenbroker.shared")
public record SharedTierProperties(
        @DefaultValue("false") boolean enabled,
        String encryptionKeySecret,
        @DefaultValue("50ms") Duration timeout,
        @DefaultValue("3s") Duration lease,
        @DefaultValue("25ms") Duration pollInterval,
        @DefaultValue("1s") Duration backoff,
        @DefaultValue("10s") Duration readyTimeout)
        implements CheckedProperties {

    /** With the tier on, {@code encryption-key-secret} must name a vault secret. */
    @Override
    public void check(Checks checks) {
        checks.require(
                        "encryptionKeySecret",
                        !enabled || (encryptionKeySecret != null && !encryptionKeySecret.isBlank()),
                        "encryption-key-secret must name a vault secret when the shared tier is enabled")
                .positive("timeout", timeout)
                .positive("lease", lease)
                .positive("pollInterval", pollInterval)
                .positive("backoff", backoff)
                .positive("readyTimeout", readyTimeout);
    }
}
