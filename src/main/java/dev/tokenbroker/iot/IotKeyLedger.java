package dev.tokenbroker.iot;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * What this process knows about the WIoTP keys it mints: every key from the moment the platform answers its create
 * (before it is handed to anyone) until it is revoked, and every create still in flight (by its nonce). A tracked key
 * is due for revocation at its own {@code expiresAt}, never earlier; a failed revocation is retried with backoff. The
 * {@link IotKeySweeper} trusts this record: keys tagged with this process's {@link #instance()} that are neither
 * tracked nor in flight are orphans. Thread-safe; in memory only (a process that dies leaves its keys to the
 * sweepers' expiry rule).
 */
public final class IotKeyLedger {

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final String instance = instanceId();
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    private final Sinks.Many<Boolean> sweepRequests = Sinks.many().multicast().directBestEffort();

    /** This process's id in the comments of the keys it mints ({@code instance=…}); random per start. */
    public String instance() {
        return instance;
    }

    /** A fresh nonce for one create attempt, already registered as in flight; {@link #created(String)} ends it. */
    String creating() {
        // Unique, not secret: ThreadLocalRandom, because SecureRandom may block on an event loop.
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        creating.add(nonce);
        return nonce;
    }

    /** The create attempt with this nonce is over (a key tracked, reconciled away, or never made). */
    void created(String nonce) {
        creating.remove(nonce);
    }

    /** Whether a create attempt with this nonce is still in flight. */
    boolean isCreating(String nonce) {
        return creating.contains(nonce);
    }

    /** Records a key the platform just created, due for revocation at its {@code expiresAt}. */
    void track(IotAppKey key) {
        tracked.put(
                key.key(), new Tracked(key.credential(), key.org(), key.key(), key.expiresAt(), 0, key.expiresAt()));
    }

    /** Whether the key is tracked: minted by this process and not yet revoked. */
    public boolean tracks(String key) {
        return tracked.containsKey(key);
    }

    /** How many keys are tracked now. */
    public int size() {
        return tracked.size();
    }

    /** The tracked keys whose revocation is due at {@code now}. */
    List<Tracked> due(Instant now) {
        return tracked.values().stream()
                .filter(key -> !now.isBefore(key.nextAttempt()))
                .toList();
    }

    /** The key is gone from the platform (deleted, or unknown there): stop tracking it. */
    void revoked(String key) {
        tracked.remove(key);
    }

    /** A revocation failed: try again after a backoff that doubles from 1 s up to 30 s. */
    void revocationFailed(String key, Instant now) {
        tracked.computeIfPresent(key, (id, before) -> {
            int attempts = before.attempts() + 1;
            long millis = Math.min(LAST_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(attempts - 1, 20));
            return new Tracked(
                    before.credential(), before.org(), id, before.expiresAt(), attempts, now.plusMillis(millis));
        });
    }

    /** Asks for a sweep soon (after a failed create or revocation); requests coalesce. */
    void requestSweep() {
        sweepRequests.tryEmitNext(Boolean.TRUE);
    }

    /** Sweep requests, for the sweeper. Hot. */
    Flux<Boolean> sweepRequests() {
        return sweepRequests.asFlux();
    }

    private static String instanceId() {
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /**
     * One tracked key. Its {@code toString} leaves out the key id (half of an MQTT login).
     *
     * @param credential the broker credential it was minted for
     * @param org its organisation
     * @param key its id
     * @param expiresAt when it is to be revoked
     * @param attempts failed revocation attempts so far
     * @param nextAttempt when to try revoking it (next)
     */
    record Tracked(String credential, String org, String key, Instant expiresAt, int attempts, Instant nextAttempt) {
        @Override
        public String toString() {
            return "Tracked[credential=" + credential + ", org=" + org + ", expiresAt=" + expiresAt + ", attempts="
                    + attempts + "]";
        }
    }
}
