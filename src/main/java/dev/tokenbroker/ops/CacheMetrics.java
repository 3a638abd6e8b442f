package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CacheEntryView;
import dev.tokenbroker.cache.CacheObserver;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.TokenCache;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

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
 */
final class CacheMetrics implements CacheObserver, MeterBinder {

    private final CredentialIssuer issuer;
    private final CredentialRegistry registry;
    private final Clock clock;
    private volatile MeterRegistry meters;

    CacheMetrics(CredentialIssuer issuer, CredentialRegistry registry, Clock clock) {
        this.issuer = issuer;
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (TokenCache<?> cache : issuer.caches()) {
            CaffeineCacheMetrics.monitor(meters, cache.caffeine(), cache.kind());
        }
        for (Credential credential : registry.all()) {
            Gauge.builder("tokenbroker.token.remaining", this, metrics -> metrics.remainingSeconds(credential.name()))
                    .description("Seconds left of the freshest cached credential; NaN while none is cached")
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
            registry.counter(
                            "tokenbroker.cache.refreshes",
                            "cache",
                            kind,
                            "credential",
                            credential,
                            "outcome",
                            success ? "success" : "failure")
                    .increment();
        }
    }

    @Override
    public void joined(String kind, String credential) {
        count("tokenbroker.cache.joins", kind, credential);
    }

    @Override
    public void servedStale(String kind, String credential) {
        count("tokenbroker.cache.stale", kind, credential);
    }

    double remainingSeconds(String credential) {
        Instant now = clock.instant();
        Instant freshest = null;
        for (TokenCache<?> cache : issuer.caches()) {
            for (CacheEntryView entry : cache.entries()) {
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
            Timer.builder("tokenbroker.upstream")
                    .description("Calls to IAM / WIoTP that mint a credential, retries included")
                    .tag("upstream", upstream)
                    .tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(5))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry)
                    .record(took);
        }
    }

    private void count(String name, String kind, String credential) {
        MeterRegistry registry = meters;
        if (registry != null) {
            registry.counter(name, "cache", kind, "credential", credential).increment();
        }
    }
}
