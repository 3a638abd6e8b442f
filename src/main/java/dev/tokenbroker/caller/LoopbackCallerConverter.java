package dev.tokenbroker.caller;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Sidecar mode: a request is the configured loopback caller when, and only when, loopback mode is on, it comes from
 * exactly 127.0.0.1 or ::1 (not the rest of 127/8: Istio, for one, delivers other pods' traffic from 127.0.0.6), it
 * carries {@code X-Token-Broker-Request: true} (a request forged through an SSRF hole usually cannot add headers), and
 * it carries no {@code Authorization}, {@code Forwarded} or {@code X-Forwarded-For} header (a bearer credential is
 * authenticated as such; forwarding headers mean a proxy on loopback is relaying someone else). Otherwise it yields
 * nothing and the request needs another credential.
 */
final class LoopbackCallerConverter implements ServerAuthenticationConverter {

    /** The header a loopback caller must send, like Vault Agent's {@code X-Vault-Request}. */
    static final String HEADER = "X-Token-Broker-Request";

    private static final List<String> PROXY_HEADERS = List.of("Forwarded", "X-Forwarded-For");

    private final LoopbackCallerProperties properties;

    LoopbackCallerConverter(LoopbackCallerProperties properties) {
        this.properties = properties;
    }

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        return Mono.justOrEmpty(caller(exchange.getRequest()));
    }

    /** The loopback caller, when this request is one; null otherwise. */
    CallerAuthentication caller(ServerHttpRequest request) {
        if (!properties.enabled() || !isLoopbackCaller(request)) {
            return null;
        }
        return new CallerAuthentication(
                properties.loopbackCaller(), List.of(new SimpleGrantedAuthority("ROLE_CALLER")));
    }

    private static boolean isLoopbackCaller(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return isLoopback(request.getRemoteAddress())
                && "true".equalsIgnoreCase(headers.getFirst(HEADER))
                && !headers.containsHeader(HttpHeaders.AUTHORIZATION)
                && PROXY_HEADERS.stream().noneMatch(headers::containsHeader);
    }

    private static boolean isLoopback(InetSocketAddress remote) {
        if (remote == null || remote.getAddress() == null) {
            return false;
        }
        InetAddress address = remote.getAddress();
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return bytes[0] == 127 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 1;
        }
        return address.isLoopbackAddress();
    }
}
