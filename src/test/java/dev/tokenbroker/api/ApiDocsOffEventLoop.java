package dev.tokenbroker.api;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Test scope only, beside springdoc: serves {@code /v3/api-docs/springdoc} off the event loop, because springdoc
 * builds the description on first request by scanning the classpath, which reads class files, a blocking call that
 * BlockHound refuses on a Netty thread. Every other request is untouched.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
final class ApiDocsOffEventLoop implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith("/v3/api-docs")) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange).subscribeOn(Schedulers.boundedElastic());
    }
}
