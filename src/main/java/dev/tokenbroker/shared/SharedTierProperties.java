package dev.tokenbroker.shared;

import jakarta.validation.constraints.AssertTrue;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The shared tier ({@code tokenbroker.shared.*}); the Redis connection itself is Boot's {@code spring.data.redis.*}.
 *
 * @param enabled whether replicas share minted credentials through Redis (off by default: each replica mints alone)
 * @param encryptionKeySecret the vault secret whose field {@code key} holds the base64 of 32 random bytes, the AES-256
 *     key of the values in Redis; a new version of it is used for new values, older ones still decrypt
 * @param timeout the most any one Redis call may take before the broker goes on without it
 * @param lease how long the replica that won the right to mint holds it; the others wait for its result that long at
 *     most, then mint themselves
 * @param pollInterval how often a waiting replica looks for the winner's result
 * @param backoff after a failed Redis call, how long Redis is left alone before it is tried again
 */
@Validated
@ConfigurationProperties("tokenbroker.shared")
public record SharedTierProperties(
        @DefaultValue("false") boolean enabled,
        String encryptionKeySecret,
        @DefaultValue("50ms") @DurationMin(millis = 1) Duration timeout,
        @DefaultValue("3s") @DurationMin(millis = 1) Duration lease,
        @DefaultValue("25ms") @DurationMin(millis = 1) Duration pollInterval,
        @DefaultValue("1s") @DurationMin(millis = 1) Duration backoff) {

    /** With the tier on, {@code encryption-key-secret} must name a vault secret. */
    @AssertTrue(message = "encryption-key-secret must name a vault secret when the shared tier is enabled")
    public boolean isEncryptionKeySecretNamedWhenEnabled() {
        return !enabled || (encryptionKeySecret != null && !encryptionKeySecret.isBlank());
    }
}
