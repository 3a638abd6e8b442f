package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CacheEntryView;
import dev.tokenbroker.cache.CacheObserver;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.TokenCache;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.support.UpstreamCalls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cache and upstream meters of DESIGN §7. Tags are bounded by configuration: cache kinds, upstream names and
 * configured credential names; never a caller id, never a token.
 *
 * <ul>
 *   <li>{@code tokenbroker.upstream} timer ({@code upstream}, {@code outcome}: success, rejected, unavailable, error)
 *       around each mint, retries included, with a latency histogram;
 *   <li>{@code tokenbroker.token.remaining} gauge ({@code credential}): seconds left of the freshest cached credential,
 *       NaN while nothing is cached;
 *   <li>{@code tokenbroker.cache.refreshes} ({@code cache}, {@code credential}, {@code outcome}),
 *       {@code tokenbroker.cache.joins} (single flight) and {@code tokenbroker.cache.stale} (served while its refresh
 *       fails) counters ({@code cache}, {@code credential});
 *   <li>Caffeine's {@code cache.*} meters for every cache (tag {@code cache} = kind).
 * </ul>
 *
 * <p>Every series a dashboard panel or an alert rule reads exists from the first scrape: {@link #bindTo} registers the
 * counters and timers at zero for each configured credential (and its cache kind), outcome, upstream and retry
 * reason. A series that first appears at 1 would hide its first increment from {@code increase()}.
 */
final class CacheMetrics implements CacheObserver, MeterBinder {

    private final CredentialIssuer issuer;
    private final CredentialRegistry registry;
    private final Clock clock;
    private volatile MeterRegistry meters;
    // By cache kind, then credential: two map reads per hit, nothing built.
    private final Map<String, Map<String, Timer>> hitTimers = new ConcurrentHashMap<>();

    CacheMetrics(CredentialIssuer issuer, CredentialRegistry registry, Clock clock) {
        this.issuer = issuer;
        this.registry = registry;
        this.clock = clock;
    }

    static final String REFRESHES = "tokenbroker.cache.refreshes";
    static final String JOINS = "tokenbroker.cache.joins";
    static final String STALE = "tokenbroker.cache.stale";
    static final String UPSTREAM = "tokenbroker.upstream";

    private static final List<String> UPSTREAM_OUTCOMES = List.of("success", "rejected", "unavailable", "error");
    private static final List<String> RETRY_REASONS = List.of("429", "5xx", "io", "timeout");

    @Override
    public void bindTo(MeterRegistry meters) {
        for (TokenCache<?> cache : issuer.caches()) {
            CaffeineCacheMetrics.monitor(meters, cache.caffeine(), cache.kind());
        }
        Set<String> upstreams = new TreeSet<>();
        for (Credential credential : registry.all()) {
            for (String kind : issuer.cacheKinds(credential)) {
                refreshes(meters, kind, credential.name(), "success");
                refreshes(meters, kind, credential.name(), "failure");
                counter(meters, JOINS, kind, credential.name());
                counter(meters, STALE, kind, credential.name());
                upstreams.add(Upstreams.of(kind));
            }
        }
        for (String upstream : upstreams) {
            UPSTREAM_OUTCOMES.forEach(outcome -> upstreamTimer(meters, upstream, outcome));
            RETRY_REASONS.forEach(reason -> Counter.builder(UpstreamCalls.RETRIES_METER)
                    .description(MeterDescriptions.of(UpstreamCalls.RETRIES_METER))
                    .tag("upstream", upstream)
                    .tag("reason", reason)
                    .register(meters));
        }
        for (Credential credential : registry.all()) {
            Gauge.builder("tokenbroker.token.remaining", this, metrics -> metrics.remainingSeconds(credential.name()))
                    .description(MeterDescriptions.of("tokenbroker.token.remaining"))
                    .baseUnit("seconds")
                    .tag("credential", credential.name())
                    .strongReference(true)
                    .register(meters);
        }
        this.meters = meters;
    }

    @Override
    public void minted(String kind, String credential, Duration took) {
        upstream(Upstreams.of(kind), "success", took);
    }

    @Override
    public void mintFailed(String kind, String credential, Duration took, Throwable failure) {
        upstream(Upstreams.of(kind, failure), Upstreams.outcome(failure), took);
    }

    @Override
    public void refreshed(String kind, String credential, boolean success) {
        MeterRegistry registry = meters;
        if (registry != null) {
            refreshes(registry, kind, credential, success ? "success" : "failure")
                    .increment();
        }
    }

    // The cache lookup observation's own timer (DefaultMeterObservationHandler's name and tags), for the lookups
    // answered without one: resolved once per cache and credential, so a cache hit costs a map read and a record.
    @Override
    public void hit(String kind, String credential, long nanos) {
        MeterRegistry registry = meters;
        if (registry != null) {
            hitTimers
                    .computeIfAbsent(kind, unused -> new ConcurrentHashMap<>())
                    .computeIfAbsent(
                            credential,
                            unused -> Timer.builder(TokenCache.LOOKUP_OBSERVATION)
                                    .tag("cache", kind)
                                    .tag("credential", credential)
                                    .tag("error", "none")
                                    .register(registry))
                    .record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void joined(String kind, String credential) {
        count(JOINS, kind, credential);
    }

    @Override
    public void servedStale(String kind, String credential) {
        count(STALE, kind, credential);
    }

    double remainingSeconds(String credential) {
        Instant now = clock.instant();
        Instant freshest = null;
        for (TokenCache<?> cache : issuer.caches()) {
            if (cache.kind().equals(CredentialIssuer.MASTER_TOKENS)) {
                continue; // what an iam-assume credential trades, not what it serves
            }
            for (CacheEntryView entry : cache.operations().entries()) {
                if (entry.credential().equals(credential)
                        && (freshest == null || entry.expiresAt().isAfter(freshest))) {
                    freshest = entry.expiresAt();
                }
            }
        }
        return freshest == null
                ? Double.NaN
                : Math.max(0, Duration.between(now, freshest).toMillis() / 1000.0);
    }

    private void upstream(String upstream, String outcome, Duration took) {
        MeterRegistry registry = meters;
        if (registry != null) {
            upstreamTimer(registry, upstream, outcome).record(took);
        }
    }

    private void count(String name, String kind, String credential) {
        MeterRegistry registry = meters;
        if (registry != null) {
            counter(registry, name, kind, credential).increment();
        }
    }

    private static Timer upstreamTimer(MeterRegistry registry, String upstream, String outcome) {
        return Timer.builder(UPSTREAM)
                .description(MeterDescriptions.of(UPSTREAM))
                .tag("upstream", upstream)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    private static Counter refreshes(MeterRegistry registry, String kind, String credential, String outcome) {
        return Counter.builder(REFRESHES)
                .description(MeterDescriptions.of(REFRESHES))
                .tag("cache", kind)
                .tag("credential", credential)
                .tag("outcome", outcome)
                .register(registry);
    }

    private static Counter counter(MeterRegistry registry, String name, String kind, String credential) {
        return Counter.builder(name)
                .description(MeterDescriptions.of(name))
                .tag("cache", kind)
                .tag("credential", credential)
                .register(registry);
    }
}
