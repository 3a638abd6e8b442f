package dev.tokenbroker.testing;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Test-only: keeps a weak reference to the server's own request object (reactor-netty's, which holds the connection's
 * state) of every request that carries {@link #HEADER}, so that a test can tell whether answered requests are let go.
 * Requests without the header are not touched.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class RequestTracker implements WebFilter {

    /** The request header that asks for tracking. */
    public static final String HEADER = "X-Test-Track";

    private final List<WeakReference<Object>> tracked = new CopyOnWriteArrayList<>();

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getHeaders().containsHeader(HEADER)) {
            Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
            tracked.add(new WeakReference<>(nativeRequest));
        }
        return chain.filter(exchange);
    }

    /** Forgets every request tracked so far. */
    public void reset() {
        tracked.clear();
    }

    /** How many requests were tracked. */
    public int tracked() {
        return tracked.size();
    }

    /** How many tracked requests are still reachable after a garbage collection. */
    public long alive() {
        System.gc();
        return tracked.stream().filter(reference -> reference.get() != null).count();
    }
}
