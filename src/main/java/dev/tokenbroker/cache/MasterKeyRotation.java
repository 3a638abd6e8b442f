package dev.tokenbroker.cache;

import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

// Make-before-break per secret: the version in service ("proven") and the newest one the vault shows when it differs
// ("candidate"), with the candidate's failed proofs and when to try it again.
final class MasterKeyRotation {

    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Duration firstBackoff;

    MasterKeyRotation(Duration firstBackoff) {
        this.firstBackoff = firstBackoff;
    }

    /**
     * The version to serve and mint with, given the newest one the vault shows: the proven one while a different
     * newest one waits for its proof. The first version ever seen of a secret is in service at once (there is nothing
     * older to keep serving).
     */
    StoredSecret serving(StoredSecret newest) {
        State state = states.computeIfAbsent(newest.name(), name -> new State(newest));
        StoredSecret proven = state.proven;
        if (proven.version().equals(newest.version())) {
            // Content back to the version in service (a write undone): nothing to prove any more.
            state.candidate = null;
            return proven;
        }
        StoredSecret candidate = state.candidate;
        if (candidate == null || !candidate.version().equals(newest.version())) {
            state.newCandidate(newest);
        }
        return proven;
    }

    /** The candidate of a secret if one is waiting and its next proof is due at {@code now}, else null. */
    StoredSecret dueCandidate(String secret, Instant now) {
        State state = states.get(secret);
        if (state == null || state.candidate == null || now.isBefore(state.nextAttempt)) {
            return null;
        }
        return state.proving.compareAndSet(false, true) ? state.candidate : null;
    }

    /** The stored version of a secret by its version id; the proven one when that version is no longer known. */
    StoredSecret version(String secret, String version) {
        State state = states.get(secret);
        if (state == null) {
            return null;
        }
        StoredSecret proven = state.proven;
        if (proven.version().equals(version)) {
            return proven;
        }
        StoredSecret candidate = state.candidate;
        return candidate != null && candidate.version().equals(version) ? candidate : proven;
    }

    /** The candidate minted: it is the version in service now. @return false when it was superseded meanwhile */
    boolean proven(StoredSecret candidate) {
        State state = states.get(candidate.name());
        state.proving.set(false);
        if (state.candidate == null || !state.candidate.version().equals(candidate.version())) {
            return false;
        }
        state.proven = candidate;
        state.candidate = null;
        state.lastError = null;
        state.failures = 0;
        return true;
    }

    /** The candidate's proof failed. @return true the first time for this version (report it once) */
    boolean refused(StoredSecret candidate, String error, Instant now) {
        State state = states.get(candidate.name());
        state.proving.set(false);
        if (state.candidate == null || !state.candidate.version().equals(candidate.version())) {
            return false;
        }
        state.failures++;
        state.lastError = error;
        long ceiling = Math.min(MAX_BACKOFF.toMillis(), firstBackoff.toMillis() << Math.min(state.failures - 1, 20));
        // Half fixed, half jitter: replicas retrying one refused key do not come back in step.
        long wait = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        state.nextAttempt = now.plusMillis(wait);
        return state.failures == 1;
    }

    /** Every secret with a version waiting for its proof, for health and operators. */
    List<PendingRotation> pending() {
        return states.values().stream()
                .filter(state -> state.candidate != null)
                .map(state -> new PendingRotation(
                        state.proven.name(),
                        state.proven.version(),
                        state.candidate.version(),
                        state.failures,
                        state.lastError,
                        state.nextAttempt))
                .toList();
    }

    private static final class State {
        volatile StoredSecret proven;
        volatile StoredSecret candidate;
        volatile int failures;
        volatile String lastError;
        volatile Instant nextAttempt = Instant.MIN;
        final AtomicBoolean proving = new AtomicBoolean();

        State(StoredSecret first) {
            this.proven = first;
        }

        void newCandidate(StoredSecret newest) {
            candidate = newest;
            failures = 0;
            lastError = null;
            nextAttempt = Instant.MIN;
        }
    }
}
