package dev.tokenbroker.testing;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Test-only, for requests that carry {@link #HEADER} (others are not touched). In front of everything (the outermost
 * HTTP handler decorator) it keeps a weak reference to the server's own request object (Reactor Netty's, which holds
 * the connection's state), so that a test can tell whether answered requests are let go; as the first filter of the
 * application it counts the requests that reached the application (the cache-hit shortcut answers in front of it).
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class RequestTracker implements HttpHandlerDecoratorFactory, WebFilter {

    /** The request header that asks for tracking. */
    public static final String HEADER = "X-Test-Track";

    private final List<WeakReference<Object>> tracked = new CopyOnWriteArrayList<>();
    private final AtomicInteger reachedApplication = new AtomicInteger();

    @Override
    public HttpHandler apply(HttpHandler handler) {
        return (request, response) -> {
            if (request.getHeaders().containsHeader(HEADER)) {
                tracked.add(new WeakReference<>(nativeRequest(request)));
            }
            return handler.handle(request, response);
        };
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getHeaders().containsHeader(HEADER)) {
            reachedApplication.incrementAndGet();
        }
        return chain.filter(exchange);
    }

    /** Forgets every request tracked so far. */
    public void reset() {
        tracked.clear();
        reachedApplication.set(0);
    }

    /** How many requests were tracked. */
    public int tracked() {
        return tracked.size();
    }

    /** How many tracked requests reached the application's filters. */
    public int reachedApplication() {
        return reachedApplication.get();
    }

    /** How many tracked requests are still reachable after a garbage collection. */
    public long alive() {
        System.gc();
        return tracked.stream().filter(reference -> reference.get() != null).count();
    }

    private static Object nativeRequest(ServerHttpRequest request) {
        return ServerHttpRequestDecorator.getNativeRequest(request);
    }
}
