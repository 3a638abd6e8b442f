package dev.tokenbroker.api;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first filter of every request on both ports (the caller API's and the management server, which picks up the
 * application's web filters too), ahead of Spring Security; it answers nobody a credential. Three steps, in this
 * order, each handing on to the next as a filter hands on to its chain: {@link RequestIds} names the request,
 * {@link AuditedResponses} answers failures as problems and audits the caller API's answers (on the caller port only),
 * and {@link HostHeaders} refuses a request without exactly one {@code Host}. One filter rather than three: Spring's
 * filter chain wraps each filter it calls in a deferral and a checkpoint. Its order leaves {@code HIGHEST_PRECEDENCE}
 * itself to instrumentation that must see every request first (the tests' request tracker). Thread-safe.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
final class ApiEdge implements WebFilter {

    private final RequestIds requestIds;
    private final AuditedResponses audited;
    private final HostHeaders hosts;

    ApiEdge(RequestIds requestIds, AuditedResponses audited, HostHeaders hosts) {
        this.requestIds = requestIds;
        this.audited = audited;
        this.hosts = hosts;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return requestIds.filter(exchange, named -> audited.filter(named, auditing -> hosts.filter(auditing, chain)));
    }
}
