package dev.tokenbroker.support;

import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A cap on the calls made to one upstream (DESIGN §10), taken before every attempt, retries included: a token bucket,
 * shared by every replica when the shared tier is on. Calls are granted in the order they asked; a call whose turn is
 * further off than the caller may wait is refused. While the upstream has asked every replica to wait (a 429 with
 * {@code Retry-After}), calls nobody waits on ({@link MintUrgency#AHEAD}) are deferred; calls a caller waits on still
 * take their turn. Thread-safe.
 */
public interface UpstreamBudget {

    /** No cap: every call goes at once, and nothing is ever paused. */
    UpstreamBudget UNLIMITED = new UpstreamBudget() {
        @Override
        public Mono<Void> acquire() {
            return Mono.empty();
        }

        @Override
        public Mono<Void> pause(Duration retryAfter) {
            return Mono.empty();
        }
    };

    /**
     * Completes when this call's turn has come (at once, or after a wait), reading the call's {@link MintUrgency} from
     * the subscriber's context.
     *
     * @return empty when the call may go; {@link dev.tokenbroker.problem.UpstreamUnavailableException} (503, with the
     *     {@code Retry-After} of its turn) when its turn is further off than the caller may wait; {@link MintDeferred}
     *     for a call nobody waits on while the upstream's pause lasts
     */
    Mono<Void> acquire();

    /**
     * The upstream asked to wait ({@code 429} with {@code Retry-After}): calls nobody waits on are deferred, on every
     * replica sharing this budget, until then. Never fails.
     */
    Mono<Void> pause(Duration retryAfter);
}
