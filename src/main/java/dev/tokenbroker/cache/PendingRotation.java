package dev.tokenbroker.cache;

import java.time.Instant;

/**
 * A secret whose newest version in the vault is not in service yet, because no mint with it has succeeded: the
 * credentials minted with {@code servingVersion} keep serving meanwhile. Holds no secret.
 *
 * @param secret the secret's name
 * @param servingVersion the version in service
 * @param newVersion the version waiting for its proof
 * @param failedAttempts how many proofs of it failed
 * @param lastError why the last proof failed (upstream, status, error code), or {@code null}
 * @param nextAttempt when it is tried again
 */
public record PendingRotation(
        String secret,
        String servingVersion,
        String newVersion,
        int failedAttempts,
        String lastError,
        Instant nextAttempt) {}
