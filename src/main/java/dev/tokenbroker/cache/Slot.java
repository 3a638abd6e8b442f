package dev.tokenbroker.cache;

import dev.tokenbroker.support.Expiring;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

// One cache key's state. The credential it holds is replaced in place by refreshes, so the statistics survive them.
// Compared by identity: a key evicted and cached again is another slot.
final class Slot<V extends Expiring> {

    final CacheKey key;
    final AtomicLong mints = new AtomicLong(1);
    final AtomicLong hits = new AtomicLong();

    private volatile V current;
    private volatile Instant refreshAt;
    private volatile Instant lastAccess;
    private volatile Instant nextAttempt = Instant.MIN;
    private volatile String lastRefreshOutcome = "none";
    private volatile String lastError;
    private volatile boolean shared;

    Slot(CacheKey key, V current, Instant refreshAt, Instant now, boolean shared) {
        this.key = key;
        this.shared = shared;
        this.current = current;
        this.refreshAt = refreshAt;
        this.lastAccess = now;
    }

    V current() {
        return current;
    }

    Instant refreshAt() {
        return refreshAt;
    }

    Instant lastAccess() {
        return lastAccess;
    }

    Instant nextAttempt() {
        return nextAttempt;
    }

    String lastRefreshOutcome() {
        return lastRefreshOutcome;
    }

    String lastError() {
        return lastError;
    }

    void touch(Instant now) {
        lastAccess = now;
        hits.incrementAndGet();
    }

    // Whether the credential it holds now came from the shared tier rather than from this replica's own mint.
    boolean shared() {
        return shared;
    }

    /** @return the credential it replaced */
    V replace(V fresh, Instant freshRefreshAt, boolean freshFromSharedTier) {
        V old = current;
        current = fresh;
        shared = freshFromSharedTier;
        refreshAt = freshRefreshAt;
        nextAttempt = Instant.MIN;
        lastRefreshOutcome = "success";
        lastError = null;
        mints.incrementAndGet();
        return old;
    }

    // A refresh ahead held back by the upstream's pause: no failure, the next attempt after it.
    void deferred(Instant retryAt) {
        nextAttempt = retryAt;
    }

    void failed(String error, Instant retryAt) {
        lastRefreshOutcome = "failure";
        lastError = error;
        nextAttempt = retryAt;
    }
}
