package dev.tokenbroker.ops;

import dev.tokenbroker.shared.SharedTier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code shared}: whether replicas share through Redis ({@code state: connected}, {@code UP}) or each mints for itself
 * ({@code fallback}, or {@code connecting} until Redis first answers: {@link HealthStatuses#RESTRICTED}, degraded but
 * serving), since when, and the last failure. In no probe group: callers are served either way.
 */
@Component("shared")
@ConditionalOnProperty(name = "tokenbroker.shared.enabled", havingValue = "true")
class SharedTierHealthIndicator implements ReactiveHealthIndicator {

    private final SharedTier shared;

    SharedTierHealthIndicator(SharedTier shared) {
        this.shared = shared;
    }

    @Override
    public Mono<Health> health() {
        SharedTier.State state = shared.state();
        Health.Builder health = Health.status(status(state.state()))
                .withDetail("state", state.state())
                .withDetail("since", state.since().toString());
        if (state.lastError() != null) {
            health.withDetail("lastError", state.lastError());
        }
        return Mono.just(health.build());
    }

    private static Status status(String state) {
        return "connected".equals(state) ? Status.UP : HealthStatuses.RESTRICTED;
    }
}
