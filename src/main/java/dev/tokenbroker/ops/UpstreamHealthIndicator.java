package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CacheObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code upstreams}: always UP, with IAM / WIoTP trouble as details: per upstream, the last successful and the last
 * failed mint, the credential and a secret-free description of the failure. Upstream trouble does not take readiness
 * down (cached credentials keep serving), so this indicator is in no probe group; alert on the metrics instead.
 */
final class UpstreamHealthIndicator implements ReactiveHealthIndicator, CacheObserver {

    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    UpstreamHealthIndicator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Health> health() {
        Map<String, Object> details = new TreeMap<>();
        states.forEach((upstream, state) -> details.put(upstream, state.details()));
        return Mono.just(Health.up().withDetails(details).build());
    }

    @Override
    public void minted(String kind, String credential, Duration took) {
        State state = state(Upstreams.of(kind));
        state.lastSuccess = clock.instant();
        state.failing = false;
    }

    @Override
    public void mintFailed(String kind, String credential, Duration took, Throwable failure) {
        State state = state(Upstreams.of(kind, failure));
        state.lastFailure =
                new Failure(clock.instant(), credential, Upstreams.describe(failure), Upstreams.errorCode(failure));
        state.failing = true;
    }

    private State state(String upstream) {
        return states.computeIfAbsent(upstream, name -> new State());
    }

    private static final class State {
        volatile Instant lastSuccess;
        volatile Failure lastFailure;
        volatile boolean failing;

        Map<String, Object> details() {
            Map<String, Object> details = new LinkedHashMap<>();
            Failure failure = lastFailure;
            details.put("status", failing ? "failing" : "ok");
            if (lastSuccess != null) {
                details.put("lastSuccess", lastSuccess.toString());
            }
            if (failure != null) {
                details.put("lastFailure", failure.at.toString());
                details.put("lastFailureCredential", failure.credential);
                details.put("lastError", failure.description);
                if (failure.errorCode != null) {
                    details.put("lastErrorCode", failure.errorCode);
                }
            }
            return details;
        }
    }

    private record Failure(Instant at, String credential, String description, String errorCode) {}
}
