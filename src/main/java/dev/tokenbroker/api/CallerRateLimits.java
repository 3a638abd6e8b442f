package dev.tokenbroker.api;

import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.CallerRateLimiter;
import java.time.Duration;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Applies the per-caller rate limit to {@code /v1/**}, after Spring Security (order -100) has authenticated the
 * caller: a caller over its limit gets 429 with {@code Retry-After} (whole seconds, rounded up) and the handler never
 * runs.
 */
@Component
@Order(0)
final class CallerRateLimits implements WebFilter {

    private final CallerRateLimiter limiter;

    CallerRateLimits(CallerRateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
            return chain.filter(exchange);
        }
        return exchange.getPrincipal()
                .ofType(CallerAuthentication.class)
                .flatMap(caller -> admit(caller, exchange))
                .then(Mono.defer(() -> chain.filter(exchange)));
    }

    /** Takes one request from the caller's allowance: empty if it may go ahead, else {@link RateLimitedException}. */
    Mono<Void> admit(CallerAuthentication caller, ServerWebExchange exchange) {
        RateLimitedException refused = refusal(caller, exchange);
        return refused == null ? Mono.empty() : Mono.error(refused);
    }

    /** {@link #admit}, answered at once: null if the caller may go ahead, else the refusal to signal. */
    RateLimitedException refusal(CallerAuthentication caller, ServerWebExchange exchange) {
        Duration wait = limiter.acquire(caller.callerId());
        if (wait.isZero()) {
            return null;
        }
        AuditContext.put(exchange, new AuditContext(caller.callerId(), null, null));
        return RateLimitedException.after(wait);
    }
}
