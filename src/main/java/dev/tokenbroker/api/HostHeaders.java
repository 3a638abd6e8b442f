package dev.tokenbroker.api;

import dev.tokenbroker.edge.Wire;
import dev.tokenbroker.problem.InvalidRequestException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * RFC 9112 §3.2: an HTTP/1.1 request without a {@code Host} header, or with more than one, is answered 400 (a
 * problem) before anything else looks at it.
 */
@Component
final class HostHeaders {

    /** This step of {@link ApiEdge}: as a {@link WebFilter} would, with {@code chain} the steps after it. */
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        List<String> hosts = exchange.getRequest().getHeaders().get(HttpHeaders.HOST);
        if (Wire.isHttp11(exchange) && (hosts == null || hosts.size() != 1)) {
            return Mono.error(new InvalidRequestException("an HTTP/1.1 request must carry exactly one Host header"));
        }
        return chain.filter(exchange);
    }
}
