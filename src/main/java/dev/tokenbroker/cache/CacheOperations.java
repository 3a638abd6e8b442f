package dev.tokenbroker.cache;

import dev.tokenbroker.support.Expiring;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;

/**
 * The operator's side of one {@link TokenCache}, kept apart from the serving path: what is cached (never a secret),
 * a forced refresh, an eviction. Backs the actuator's {@code tokens} endpoint. Thread-safe.
 *
 * @param <V> what the cache holds
 */
public final class CacheOperations<V extends Expiring> {

    private final TokenCache<V> cache;

    CacheOperations(TokenCache<V> cache) {
        this.cache = cache;
    }

    /** A snapshot of every entry. */
    public List<CacheEntryView> entries() {
        return cache.slotsNow().stream().map(this::view).toList();
    }

    /**
     * Forces a refresh of every entry of a credential, now; a permanent refusal remembered for it is forgotten first.
     * Joins a refresh already running.
     *
     * @return how many entries were refreshed; an error if any refresh failed (the old entries stay and keep serving)
     */
    public Mono<Integer> refresh(String credential) {
        List<CompletableFuture<V>> refreshes = new ArrayList<>();
        for (Slot<V> slot : cache.slotsNow()) {
            if (slot.key.credential().equals(credential)) {
                refreshes.add(cache.forceRefresh(slot));
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(refreshes.toArray(CompletableFuture[]::new));
        return Mono.fromFuture(all, true).thenReturn(refreshes.size());
    }

    /**
     * Drops every entry of a credential; the next request mints anew. WIoTP keys handed out stay valid until their
     * {@code expires_at} (the ledger revokes them then). @return how many entries were dropped
     */
    public int evict(String credential) {
        return cache.evictIf(key -> key.credential().equals(credential));
    }

    private CacheEntryView view(Slot<V> slot) {
        V current = slot.current();
        return new CacheEntryView(
                slot.key.credential(),
                cache.kind(),
                slot.key.roles(),
                slot.key.secretVersion(),
                current.expiresAt(),
                slot.refreshAt(),
                slot.lastAccess(),
                cache.refreshing(slot),
                slot.lastRefreshOutcome(),
                slot.lastError(),
                slot.mints.get(),
                slot.hits.get(),
                slot.shared() ? "shared" : "minted");
    }
}
