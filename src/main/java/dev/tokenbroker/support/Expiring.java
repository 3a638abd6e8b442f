package dev.tokenbroker.support;

import java.time.Duration;
import java.time.Instant;

/** Something minted with a limited life: an IAM token, a WIoTP key. */
public interface Expiring {

    /** When we received it. */
    Instant issuedAt();

    /** When the upstream stops accepting it. */
    Instant expiresAt();

    /** Its whole life. */
    default Duration lifetime() {
        return Duration.between(issuedAt(), expiresAt());
    }

    /** What is left of its life at {@code now}; negative once expired. */
    default Duration remaining(Instant now) {
        return Duration.between(now, expiresAt());
    }
}
