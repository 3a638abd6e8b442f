package dev.tokenbroker.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tokenbroker.problem.UpstreamException;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.support.CacheMaintenance;
import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.MintDeferred;
import dev.tokenbroker.support.MintUrgency;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.SingleFlight;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A cache of minted credentials of one kind, keyed by {@link CacheKey}.
 *
 * <ul>
 *   <li><b>Single flight</b>: concurrent requests for a missing key share one mint; a caller that cancels does not
 *       cancel the others' mint.
 *   <li><b>Refresh ahead</b>: once {@code refresh-at} (minus jitter) of an entry's life has passed, one background
 *       refresh starts, triggered by the next request or by {@link #refreshDue()}; callers keep getting the current
 *       credential meanwhile. Entries idle for {@code idle-timeout} are not refreshed but left to expire, unless
 *       their credential is {@linkplain #keepWarm(String) kept warm} (file sinks).
 *   <li><b>Stale while valid</b>: a failed refresh keeps the current credential, which is served while it has at
 *       least the caller's minimum validity left; after that the caller waits on a fresh mint, and gets its error.
 *   <li><b>Failure memory</b>: a permanent refusal (bad key) is remembered for {@code failure-ttl}.
 *   <li><b>Urgency</b>: every mint carries its {@link MintUrgency} in its Reactor context: {@code URGENT} when a caller
 *       waits on it (a cold key, an entry short of the caller's minimum validity, an operator's forced refresh),
 *       {@code AHEAD} for a refresh ahead. A refresh ahead that the upstream budget defers ({@link MintDeferred}) is
 *       no failure: it is tried again once the upstream's pause is over.
 *   <li><b>Mint notifications</b>: {@link #mints()} tells listeners of every credential minted (first mint or
 *       refresh), so that file sinks are rewritten without polling.
 * </ul>
 *
 * Entries expire with the credential itself. Time comes from the injected {@link Clock}. Thread-safe.
 *
 * @param <V> what is cached
 */
public final class TokenCache<V extends Expiring> {

    private static final Logger log = LoggerFactory.getLogger(TokenCache.class);

    /** Name of the observation around a cache lookup. */
    public static final String LOOKUP_OBSERVATION = "tokenbroker.cache.lookup";

    // ObservationThreadLocalAccessor.KEY: where WebFlux and WebClient keep the current observation in the Reactor
    // context (spelled out so that context-propagation need not be on the class path).
    private static final String OBSERVATION_KEY = "micrometer.observation";

    private final String kind;
    private final Upstream upstream;
    private final Function<CacheKey, Mono<Obtained<V>>> minter;
    private final CacheProperties properties;
    private final Clock clock;
    private final AsyncCache<CacheKey, Slot<V>> slots;
    private final Cache<CacheKey, UpstreamException> failures;
    private volatile CacheObserver observer = CacheObserver.NONE;
    private volatile ObservationRegistry observations = ObservationRegistry.NOOP;
    private final Set<String> warm = ConcurrentHashMap.newKeySet();
    private final SingleFlight<Slot<V>, V> refreshes = new SingleFlight<>();
    private final Sinks.Many<Minted<V>> minted = Sinks.many().multicast().directBestEffort();
    private final CacheOperations<V> operations = new CacheOperations<>(this);

    /**
     * @param kind what the cache holds, e.g. {@code iam-token}; used in logs and views
     * @param upstream who mints it
     * @param minter mints a fresh credential for a key, or takes it from the shared tier (which the entry records)
     */
    public TokenCache(
            String kind,
            Upstream upstream,
            Function<CacheKey, Mono<Obtained<V>>> minter,
            CacheProperties properties,
            Clock clock) {
        this.kind = kind;
        this.upstream = upstream;
        this.minter = minter;
        this.properties = properties;
        this.clock = clock;
        Ticker ticker = () -> toNanos(clock.instant());
        this.slots = Caffeine.newBuilder()
                .executor(CacheMaintenance.IN_CALLER)
                .ticker(ticker)
                .maximumSize(properties.maximumSize())
                .expireAfter(new UntilExpiry())
                .recordStats()
                .buildAsync();
        this.failures = Caffeine.newBuilder()
                .executor(CacheMaintenance.IN_CALLER)
                .ticker(ticker)
                .expireAfterWrite(properties.failureTtl())
                .maximumSize(properties.maximumSize())
                .build();
    }

    /** What this cache holds, e.g. {@code iam-token}. */
    public String kind() {
        return kind;
    }

    /** Sets the observer told about mints, refreshes, joins and stale serves (metrics); replaces any earlier one. */
    public void observe(CacheObserver observer) {
        this.observer = observer == null ? CacheObserver.NONE : observer;
    }

    /**
     * Sets the registry of the {@value #LOOKUP_OBSERVATION} observation around each {@link #get} (low-cardinality
     * keys {@code cache}, {@code credential}), child of the request's observation; a cold key's mint runs inside it, so
     * the upstream call's own client observation nests under it. No-op until set.
     */
    public void observations(ObservationRegistry registry) {
        this.observations = registry == null ? ObservationRegistry.NOOP : registry;
    }

    /**
     * A credential for the key with at least {@code minValid} of life left: the cached one when it qualifies (starting
     * a background refresh if one is due), otherwise a fresh one. A lookup that has to wait (a mint, a refresh) runs in
     * a {@value #LOOKUP_OBSERVATION} observation; a hit is answered at once, counted in Caffeine's statistics and timed
     * in that observation's timer ({@link CacheObserver#hit}).
     *
     * @return the credential, or an {@link UpstreamException} when none that qualifies can be had
     */
    public Mono<V> get(CacheKey key, Duration minValid) {
        V hit = hit(key, minValid);
        if (hit != null) {
            return Mono.just(hit);
        }
        ObservationRegistry registry = observations;
        if (registry.isNoop()) {
            return lookup(key, minValid, null);
        }
        return Mono.deferContextual(context -> {
            Observation lookup = Observation.createNotStarted(LOOKUP_OBSERVATION, registry)
                    .lowCardinalityKeyValue("cache", kind)
                    .lowCardinalityKeyValue("credential", key.credential())
                    .parentObservation(context.getOrDefault(OBSERVATION_KEY, null))
                    .start();
            return lookup(key, minValid, lookup).doOnError(lookup::error).doFinally(signal -> lookup.stop());
        });
    }

    // The cached credential when it is at hand and qualifies: looked at quietly first, so that a miss is counted once
    // (by the lookup that follows), then read for the statistics and the expiry policy.
    private V hit(CacheKey key, Duration minValid) {
        long started = System.nanoTime();
        Slot<V> quiet = slots.synchronous().policy().getIfPresentQuietly(key);
        Instant now = clock.instant();
        if (quiet == null || !qualifies(quiet.current(), minValid, now)) {
            return null;
        }
        CompletableFuture<Slot<V>> counted = slots.getIfPresent(key);
        Slot<V> slot =
                counted == null || !counted.isDone() || counted.isCompletedExceptionally() ? null : counted.join();
        if (slot == null || !qualifies(slot.current(), minValid, now)) {
            return null;
        }
        hit(slot, now);
        observer.hit(kind, key.credential(), System.nanoTime() - started);
        return slot.current();
    }

    private Mono<V> lookup(CacheKey key, Duration minValid, Observation lookup) {
        return Mono.fromFuture(() -> lookup(key, lookup), true).flatMap(slot -> serve(slot, minValid));
    }

    /**
     * Retires expired entries, then starts a refresh of every entry whose refresh is due, that is not idle (or is
     * kept warm), and whose last failed attempt is older than {@code retry-interval}. Returns at once; refreshes run
     * in the background.
     */
    public void refreshDue() {
        // Caffeine evicts expired entries only during maintenance: run it, so that expired entries leave the
        // operator view within one scan, even in a cache nobody reads.
        slots.synchronous().cleanUp();
        Instant now = clock.instant();
        Instant idleSince = now.minus(properties.idleTimeout());
        for (Slot<V> slot : slots.synchronous().asMap().values()) {
            boolean due = !now.isBefore(slot.refreshAt()) && !now.isBefore(slot.nextAttempt());
            boolean wanted = slot.lastAccess().isAfter(idleSince) || warm.contains(slot.key.credential());
            if (due && wanted) {
                refresh(slot, MintUrgency.AHEAD);
            }
        }
    }

    /**
     * Refreshes the credential's entries when due even if nobody asks for them ({@code idle-timeout} does not apply),
     * because something outside the request path, a file sink, needs a valid credential at all times. An entry that
     * leaves the cache (expiry, eviction, key rotation) is not minted again by the cache: the one who keeps it warm
     * asks again. Idempotent; thread-safe.
     */
    public void keepWarm(String credential) {
        warm.add(credential);
    }

    /**
     * Every credential this cache mints from now on, first mints and refreshes alike, as the mint completes (a
     * refreshed value is already served; a first mint completes its entry right after). Hot, no replay; delivered on
     * the thread that completed the mint, so listeners must hand slow work (file I/O) off to another scheduler. A
     * listener that does not keep up misses values rather than slowing the cache.
     */
    public Flux<Minted<V>> mints() {
        return minted.asFlux();
    }

    /** Whether the cache holds a credential for that name now, without counting as a request. */
    public boolean holds(String credential) {
        return slots.synchronous().asMap().keySet().stream()
                .anyMatch(key -> key.credential().equals(credential));
    }

    /** Drops the entries of a credential minted with any master-key version other than {@code currentVersion}. */
    public int evictOtherVersions(String credential, String currentVersion) {
        return evictIf(key ->
                key.credential().equals(credential) && !key.secretVersion().equals(currentVersion));
    }

    /** The operator's side of this cache: the entries, forced refreshes, evictions (the actuator's tokens view). */
    public CacheOperations<V> operations() {
        return operations;
    }

    /**
     * The Caffeine cache behind it, for Micrometer's cache metrics (statistics, size) only: its values are internal,
     * and nothing may be put into it from outside.
     */
    public Cache<CacheKey, ?> caffeine() {
        return slots.synchronous();
    }

    // For CacheOperations: what is cached now, whether a slot's refresh runs, a forced refresh (a remembered refusal
    // forgotten first), and eviction.
    Collection<Slot<V>> slotsNow() {
        return slots.synchronous().asMap().values();
    }

    boolean refreshing(Slot<V> slot) {
        return refreshes.isRunning(slot);
    }

    CompletableFuture<V> forceRefresh(Slot<V> slot) {
        failures.invalidate(slot.key);
        return urgentRefresh(slot);
    }

    int evictIf(Predicate<CacheKey> which) {
        List<CacheKey> doomed = slots.asMap().keySet().stream().filter(which).toList();
        doomed.forEach(key -> slots.asMap().remove(key));
        failures.asMap().keySet().removeIf(which);
        return doomed.size();
    }

    // Single flight for a cold key: the first caller's mapping function mints, later callers get the same future
    // (a join when it is still running). A mint that has already failed was for those who waited on it: Caffeine
    // drops it a moment after its failure is delivered, and a caller who comes in that moment mints anew.
    private CompletableFuture<Slot<V>> lookup(CacheKey key, Observation parent) {
        boolean[] minting = {false};
        BiFunction<CacheKey, Executor, CompletableFuture<Slot<V>>> mint = (k, executor) -> {
            minting[0] = true;
            return mintSlot(k, parent);
        };
        CompletableFuture<Slot<V>> slot = slots.get(key, mint);
        if (!minting[0] && slot.isCompletedExceptionally()) {
            slots.asMap().remove(key, slot);
            slot = slots.get(key, mint);
        }
        if (!minting[0] && !slot.isDone()) {
            observer.joined(kind, key.credential());
        }
        return slot;
    }

    // A remembered refusal stops mints, never the serving of a credential that is still cached and valid.
    private CompletableFuture<Slot<V>> mintSlot(CacheKey key, Observation parent) {
        UpstreamException remembered = failures.getIfPresent(key);
        if (remembered != null) {
            return CompletableFuture.failedFuture(remembered);
        }
        Mono<Obtained<V>> minted = mint(key, MintUrgency.URGENT);
        if (parent != null) {
            minted = minted.contextWrite(context -> context.put(OBSERVATION_KEY, parent));
        }
        return minted.map(fresh ->
                        new Slot<>(key, fresh.value(), refreshPoint(fresh.value()), clock.instant(), fresh.shared()))
                .doOnNext(slot -> announce(key, slot.current()))
                .toFuture();
    }

    private Mono<V> serve(Slot<V> slot, Duration minValid) {
        Instant now = clock.instant();
        V current = slot.current();
        if (qualifies(current, minValid, now)) {
            hit(slot, now);
            return Mono.just(current);
        }
        if (refreshes.isRunning(slot)) {
            observer.joined(kind, slot.key.credential());
        }
        return Mono.fromFuture(() -> urgentRefresh(slot), true).flatMap(fresh -> {
            slot.touch(clock.instant());
            if (fresh.remaining(clock.instant()).compareTo(minValid) < 0) {
                return Mono.error(new UpstreamUnavailableException(
                        upstream,
                        upstream + " issues credentials that live less than the minimum validity asked for",
                        Duration.ofSeconds(60),
                        null));
            }
            return Mono.just(fresh);
        });
    }

    private static boolean qualifies(Expiring value, Duration minValid, Instant now) {
        return value.remaining(now).compareTo(minValid) >= 0;
    }

    // A request served from the slot: its access noted, a stale serving counted, its refresh started when due.
    private void hit(Slot<V> slot, Instant now) {
        slot.touch(now);
        boolean refreshDue = !now.isBefore(slot.refreshAt());
        if (refreshDue && "failure".equals(slot.lastRefreshOutcome())) {
            observer.servedStale(kind, slot.key.credential());
        }
        if (refreshDue && !now.isBefore(slot.nextAttempt())) {
            refresh(slot, MintUrgency.AHEAD);
        }
    }

    // Single flight per slot: the first caller starts the mint, everyone else joins it.
    private CompletableFuture<V> refresh(Slot<V> slot, MintUrgency urgency) {
        return refreshes.start(slot, () -> {
            UpstreamException remembered = failures.getIfPresent(slot.key);
            if (remembered != null) {
                return Mono.error(remembered);
            }
            return mint(slot.key, urgency)
                    .doOnNext(fresh -> refreshed(slot, fresh))
                    .map(Obtained::value)
                    .doOnError(failure -> {
                        if (failure instanceof MintDeferred deferred) {
                            slot.deferred(clock.instant().plus(deferred.retryAfter()));
                            return;
                        }
                        slot.failed(
                                UpstreamCalls.describe(failure), clock.instant().plus(retryDelay(failure)));
                        observer.refreshed(kind, slot.key.credential(), false);
                    });
        });
    }

    // A caller waits: it joins a refresh in flight, or starts an urgent one; a refresh ahead it joined that was
    // deferred does not count, the caller's own urgent refresh follows.
    private CompletableFuture<V> urgentRefresh(Slot<V> slot) {
        return refresh(slot, MintUrgency.URGENT).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException wrapped && wrapped.getCause() != null
                    ? wrapped.getCause()
                    : failure;
            return cause instanceof MintDeferred
                    ? refresh(slot, MintUrgency.URGENT)
                    : CompletableFuture.failedFuture(cause);
        });
    }

    // An entry evicted while its refresh ran stays evicted: the fresh credential goes to those who waited for it only
    // (a WIoTP key is tracked by the ledger all the same).
    private void refreshed(Slot<V> slot, Obtained<V> obtained) {
        V fresh = obtained.value();
        boolean cached = isCached(slot);
        if (cached) {
            slot.replace(fresh, refreshPoint(fresh), obtained.shared());
            slots.synchronous()
                    .policy()
                    .expireVariably()
                    .ifPresent(policy -> policy.setExpiresAfter(slot.key, untilExpiry(fresh)));
        }
        observer.refreshed(kind, slot.key.credential(), true);
        if (cached) {
            announce(slot.key, fresh);
        }
    }

    private boolean isCached(Slot<V> slot) {
        CompletableFuture<Slot<V>> entry = slots.asMap().get(slot.key);
        return entry != null && entry.getNow(null) == slot;
    }

    private Mono<Obtained<V>> mint(CacheKey key, MintUrgency urgency) {
        return Mono.defer(() -> timed(key, System.nanoTime()))
                .doOnError(UpstreamRejectedException.class, rejected -> {
                    if (rejected.permanent()) {
                        failures.put(key, rejected);
                    }
                })
                .doOnError(
                        failure -> !(failure instanceof MintDeferred),
                        failure -> log.warn(
                                "Minting {} for credential '{}' failed: {}",
                                kind,
                                key.credential(),
                                UpstreamCalls.describe(failure)))
                .contextWrite(urgency::into);
    }

    private Mono<Obtained<V>> timed(CacheKey key, long started) {
        return minter.apply(key)
                .doOnNext(
                        fresh -> observer.minted(kind, key.credential(), Duration.ofNanos(System.nanoTime() - started)))
                .doOnError(
                        failure -> !(failure instanceof MintDeferred),
                        failure -> observer.mintFailed(
                                kind, key.credential(), Duration.ofNanos(System.nanoTime() - started), failure));
    }

    // Emissions may race (two keys minted at once on two threads); the sink needs them serialised.
    private void announce(CacheKey key, V fresh) {
        synchronized (minted) {
            minted.tryEmitNext(new Minted<>(key, fresh));
        }
    }

    private Duration retryDelay(Throwable failure) {
        return failure instanceof UpstreamRejectedException rejected && rejected.permanent()
                ? properties.failureTtl()
                : properties.retryInterval();
    }

    private Instant refreshPoint(V fresh) {
        double fraction = properties.refreshAt()
                - properties.refreshJitter() * ThreadLocalRandom.current().nextDouble();
        long lifeMillis = fresh.lifetime().toMillis();
        return fresh.issuedAt().plusMillis((long) (lifeMillis * fraction));
    }

    private Duration untilExpiry(V value) {
        Duration left = value.remaining(clock.instant());
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static long toNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private final class UntilExpiry implements Expiry<CacheKey, Slot<V>> {

        @Override
        public long expireAfterCreate(CacheKey key, Slot<V> slot, long currentTime) {
            return untilExpiry(slot.current()).toNanos();
        }

        @Override
        public long expireAfterUpdate(CacheKey key, Slot<V> slot, long currentTime, long currentDuration) {
            return untilExpiry(slot.current()).toNanos();
        }

        @Override
        public long expireAfterRead(CacheKey key, Slot<V> slot, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
