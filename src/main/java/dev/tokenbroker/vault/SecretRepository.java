package dev.tokenbroker.vault;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads master keys. Implementations keep the latest version of each secret they have read in memory and watch
 * the store for new versions, so {@link #read} is cheap after the first call and may be asked on every request.
 * Thread-safe.
 */
public interface SecretRepository {

    /**
     * The latest known version of a secret.
     *
     * @return the secret, or an error: {@link SecretNotFoundException} when it does not exist,
     *     {@link dev.tokenbroker.problem.UpstreamUnavailableException} when the store cannot be reached and nothing is
     *     known yet
     */
    Mono<StoredSecret> read(String name);

    /**
     * The latest version of a secret when it is already in memory: what {@link #read} would answer at once, without
     * a subscription (for the hot path). A repository that keeps nothing answers null, always.
     *
     * @return the secret, or null: not read yet, or not known here; {@link #read} decides
     */
    default StoredSecret known(String name) {
        return null;
    }

    /** Emits a secret's new version each time the store shows one; hot, never completes while the app runs. */
    Flux<StoredSecret> changes();

    /** Whether the store answered its last check; drives readiness. */
    boolean reachable();
}
