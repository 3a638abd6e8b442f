package dev.tokenbroker.caller;

import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Reads {@code Authorization: Bearer …} like Spring Security does, but refuses (401) an {@code Authorization} header
 * longer than {@link #MAX_LENGTH} before anything parses or hashes it. Real workload tokens are 1–2 KiB.
 */
final class BoundedBearerTokenConverter implements ServerAuthenticationConverter {

    /** The longest {@code Authorization} header considered at all. */
    static final int MAX_LENGTH = 16 * 1024;

    private final ServerBearerTokenAuthenticationConverter delegate = new ServerBearerTokenAuthenticationConverter();

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (values != null && values.stream().anyMatch(value -> value.length() > MAX_LENGTH)) {
            return Mono.error(new InvalidBearerTokenException("bearer token too large"));
        }
        return delegate.convert(exchange);
    }
}
