package dev.tokenbroker.cache;

import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

// Make-before-break per secret: the version in service ("proven") and the newest one the vault shows when it differs
// ("candidate"), with the candidate's failed proofs and when to try it again.
final class MasterKeyRotation {

    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Duration firstBackoff;
    private final Function<String, StoredSecret> latest;

    /**
     * @param latest what the vault shows now for a secret ({@link dev.tokenbroker.vault.SecretRepository#known}; null
     *     when it cannot tell), so that a version read just before a change cannot become the candidate again after
     *     the change has been seen
     */
    MasterKeyRotation(Duration firstBackoff, Function<String, StoredSecret> latest) {
        this.firstBackoff = firstBackoff;
        this.latest = latest;
    }

    /**
     * The version to serve and mint with, given the newest one the vault shows: the proven one while a different
     * newest one waits for its proof. The first version ever seen of a secret is in service at once (there is nothing
     * older to keep serving).
     */
    StoredSecret serving(StoredSecret newest) {
        State state = states.computeIfAbsent(newest.name(), name -> new State(newest));
        if (state.candidate == null && state.proven.version().equals(newest.version())) {
            return state.proven;
        }
        synchronized (state) {
            // A request that read the secret just before the vault changed must not undo the change once it has
            // been seen (bring back the version it read as the candidate, its refusal reported again; or drop the
            // new candidate): only the vault's latest version moves the state. The change itself comes here too.
            StoredSecret now = latest.apply(newest.name());
            if (now != null && !now.version().equals(newest.version())) {
                return state.proven;
            }
            if (state.proven.version().equals(newest.version())) {
                // Content back to the version in service (a write undone): nothing to prove any more.
                state.candidate = null;
            } else if (state.candidate == null || !state.candidate.version().equals(newest.version())) {
                state.newCandidate(newest);
            }
            return state.proven;
        }
    }

    /**
     * Whether {@link #serving} would answer {@code newest} itself and change nothing: it is the version in service,
     * and no other version waits for its proof. Reads only.
     */
    boolean isServing(StoredSecret newest) {
        State state = states.get(newest.name());
        return state != null
                && state.candidate == null
                && state.proven.version().equals(newest.version());
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
        synchronized (state) {
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
    }

    /** The candidate's proof failed. @return true the first time for this version (report it once) */
    boolean refused(StoredSecret candidate, String error, Instant now) {
        State state = states.get(candidate.name());
        synchronized (state) {
            state.proving.set(false);
            if (state.candidate == null || !state.candidate.version().equals(candidate.version())) {
                return false;
            }
            state.failures++;
            state.lastError = error;
            long ceiling =
                    Math.min(MAX_BACKOFF.toMillis(), firstBackoff.toMillis() << Math.min(state.failures - 1, 20));
            // Half fixed, half jitter: replicas retrying one refused key do not come back in step.
            long wait = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
            state.nextAttempt = now.plusMillis(wait);
            return state.failures == 1;
        }
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
