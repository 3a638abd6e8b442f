package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CacheObserver;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * {@code upstreams}: {@code UP} while every upstream (IAM, WIoTP) answers and no master key is refused,
 * {@link HealthStatuses#RESTRICTED} otherwise: cached credentials keep serving through an upstream outage, so it is
 * no {@code DOWN}, and this indicator is in no probe group (alert on the metrics).
 *
 * <p>Each upstream is a sub-component in the details, shaped as Boot shapes a component ({@code status} and
 * {@code details}) so that Spring Boot Admin shows it as one: {@code DOWN} while its last mint could not reach it
 * ({@code lastError} says how, {@code statusSince} since when, {@code lastSuccess} the last mint before), {@code UP}
 * after a mint succeeded (the previous outage's {@code lastError} stays for the record). A master key the upstream
 * refused (or one missing in the vault) is no outage of the upstream, which answered: that credential is a
 * sub-component of its upstream, {@code DOWN} with {@code lastError} and {@code lastErrorCode} (e.g.
 * {@code BXNIM0415E}) until it mints again.
 *
 * <p>Nothing here changes while nothing happens: no clock reading, no counter, no per-mint time, so that Spring Boot
 * Admin's full status-change detection records a journal event only when a status or an error changes.
 */
final class UpstreamHealthIndicator implements ReactiveHealthIndicator, CacheObserver {

    private final Clock clock;
    private final Map<String, UpstreamState> upstreams = new ConcurrentHashMap<>();

    UpstreamHealthIndicator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Health> health() {
        Map<String, Object> details = new TreeMap<>();
        boolean restricted = false;
        for (Map.Entry<String, UpstreamState> upstream : upstreams.entrySet()) {
            Map<String, Object> component = upstream.getValue().component();
            restricted |= upstream.getValue().troubled();
            details.put(upstream.getKey(), component);
        }
        Status status = restricted ? HealthStatuses.RESTRICTED : Status.UP;
        return Mono.just(Health.status(status).withDetails(details).build());
    }

    @Override
    public void minted(String kind, String credential, Duration took) {
        upstreams
                .computeIfAbsent(Upstreams.of(kind), name -> new UpstreamState())
                .succeeded(credential, clock.instant());
    }

    @Override
    public void mintFailed(String kind, String credential, Duration took, Throwable failure) {
        UpstreamState state = upstreams.computeIfAbsent(Upstreams.of(kind, failure), name -> new UpstreamState());
        if (failure instanceof UpstreamUnavailableException) {
            state.unreachable(clock.instant(), failure);
        } else {
            state.refused(credential, clock.instant(), failure);
        }
    }

    /** One upstream. Writers are the cache's mint callbacks; the health endpoint reads a consistent copy. */
    private static final class UpstreamState {

        private boolean down;
        private Instant statusSince;
        private Instant lastSuccess;
        private String lastError;
        private final Map<String, Refusal> refused = new ConcurrentHashMap<>();

        synchronized void succeeded(String credential, Instant now) {
            if (down || statusSince == null) {
                statusSince = now;
            }
            down = false;
            lastSuccess = now;
            refused.remove(credential);
        }

        synchronized void unreachable(Instant now, Throwable failure) {
            if (!down) {
                statusSince = now;
            }
            down = true;
            lastError = Upstreams.explain(failure);
        }

        synchronized boolean troubled() {
            return down || !refused.isEmpty();
        }

        void refused(String credential, Instant now, Throwable failure) {
            String description = Upstreams.explain(failure);
            String code = Upstreams.errorCode(failure);
            refused.compute(
                    credential,
                    (name, earlier) -> earlier != null && earlier.sameAs(description, code)
                            ? earlier
                            : new Refusal(now, description, code));
        }

        synchronized Map<String, Object> component() {
            Map<String, Object> details = new LinkedHashMap<>();
            if (statusSince != null) {
                details.put("statusSince", statusSince.toString());
            }
            if (down && lastSuccess != null) {
                details.put("lastSuccess", lastSuccess.toString());
            }
            if (lastError != null) {
                details.put("lastError", lastError);
            }
            new TreeMap<>(refused).forEach((credential, refusal) -> details.put(credential, refusal.component()));
            return HealthStatuses.component(down ? Status.DOWN : Status.UP, details);
        }
    }

    // A credential whose last mint the upstream refused; since when (the first refusal of this kind in a row).
    private record Refusal(Instant since, String description, String code) {

        boolean sameAs(String otherDescription, String otherCode) {
            return description.equals(otherDescription) && Objects.equals(code, otherCode);
        }

        Map<String, Object> component() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("statusSince", since.toString());
            details.put("lastError", description);
            if (code != null) {
                details.put("lastErrorCode", code);
            }
            return HealthStatuses.component(Status.DOWN, details);
        }
    }
}
