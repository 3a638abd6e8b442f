package dev.tokenbroker.api;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first filter of every request, ahead of Spring Security: four steps, in this order, each handing on to the
 * next as a filter hands on to its chain. {@link RequestIds} names the request, {@link AuditedResponses} audits
 * whatever it is answered, {@link HostHeaders} refuses a request without exactly one {@code Host}, and
 * {@link TokenEndpoints} serves the ordinary requests of the token endpoints; everything else goes on down the chain.
 * One filter rather than four: Spring's filter chain wraps each filter it calls in a deferral and a checkpoint, which
 * the cache-hit path paid three times over for nothing. Its order leaves {@code HIGHEST_PRECEDENCE} itself to
 * instrumentation that must see every request first (the tests' request tracker). Thread-safe.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
final class ApiEdge implements WebFilter {

    private final RequestIds requestIds;
    private final AuditedResponses audited;
    private final HostHeaders hosts;
    private final TokenEndpoints tokens;

    ApiEdge(RequestIds requestIds, AuditedResponses audited, HostHeaders hosts, TokenEndpoints tokens) {
        this.requestIds = requestIds;
        this.audited = audited;
        this.hosts = hosts;
        this.tokens = tokens;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return requestIds.filter(
                exchange,
                named -> audited.filter(
                        named, auditing -> hosts.filter(auditing, checked -> tokens.filter(checked, chain))));
    }
}
