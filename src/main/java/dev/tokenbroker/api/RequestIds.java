package dev.tokenbroker.api;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is a sane token, otherwise a random one. It
 * is echoed in the response header, problem details and audit lines.
 */
@Component
public final class RequestIds {

    /** The header carrying the id, in and out. */
    public static final String HEADER = "X-Request-Id";

    private static final String ATTRIBUTE = RequestIds.class.getName();

    /** This step of {@link ApiEdge}: as a {@link WebFilter} would, with {@code chain} the steps after it. */
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String offered = exchange.getRequest().getHeaders().getFirst(HEADER);
        String id = idFor(offered);
        exchange.getAttributes().put(ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return chain.filter(exchange);
    }

    /** The id of this exchange. */
    public static String of(ServerWebExchange exchange) {
        Object id = exchange.getAttribute(ATTRIBUTE);
        return id instanceof String value ? value : exchange.getRequest().getId();
    }

    /** The id of a request that offered this {@code X-Request-Id} (null: none): it, when sane, else a random one. */
    static String idFor(String offered) {
        return sane(offered) ? offered : random();
    }

    // [A-Za-z0-9._-]{1,64}, by hand (no regular expression on every request).
    private static boolean sane(String offered) {
        if (offered == null || offered.isEmpty() || offered.length() > 64) {
            return false;
        }
        for (int i = 0; i < offered.length(); i++) {
            char c = offered.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static String random() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
