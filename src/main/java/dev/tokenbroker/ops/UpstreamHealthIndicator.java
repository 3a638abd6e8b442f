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
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * {@code upstreams}: {@code UP} while every upstream's last mint succeeded (or none was tried yet), {@link #DEGRADED}
 * while one's last mint failed; per upstream (IAM, WIoTP) a detail with its own standard status ({@code UP} or
 * {@code DOWN}), the last successful and the last failed mint, the credential and a secret-free description of the
 * failure. {@code DEGRADED} is a custom status registered in {@code management.endpoint.health.status} (ordered
 * between {@code OUT_OF_SERVICE} and {@code UP}, HTTP 200): cached credentials keep serving through an upstream
 * outage, so it is no {@code DOWN}, and this indicator is in no probe group; alert on the metrics instead.
 */
final class UpstreamHealthIndicator implements ReactiveHealthIndicator, CacheObserver {

    /** The status of {@code upstreams} while an upstream's last mint failed. */
    static final Status DEGRADED = new Status("DEGRADED", "an upstream's last mint failed; cached credentials serve");

    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    UpstreamHealthIndicator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Health> health() {
        Map<String, Object> details = new TreeMap<>();
        states.forEach((upstream, state) -> details.put(upstream, state.details()));
        boolean failing = states.values().stream().anyMatch(state -> state.failing);
        return Mono.just(Health.status(failing ? DEGRADED : Status.UP)
                .withDetails(details)
                .build());
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
            details.put("status", failing ? Status.DOWN.getCode() : Status.UP.getCode());
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
