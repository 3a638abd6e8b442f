package dev.tokenbroker.caller;

import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What a caller of the caller API presents: in sidecar mode the loopback caller ({@link LoopbackCallerConverter},
 * which yields only for a request without {@code Authorization}), otherwise the {@code Authorization: Bearer} value,
 * read as Spring Security's {@code ServerBearerTokenAuthenticationConverter} reads it (RFC 6750 §2.1, scheme in any
 * case, one header; the access token neither in the query nor in a form) with two differences: an
 * {@code Authorization} header longer than {@link #MAX_LENGTH} is refused (401) before anything parses or hashes it,
 * and the value is checked by hand rather than by a regular expression run over a 1 KiB JWT on every request.
 * {@code CallerCredentialConverterTests} holds it to Spring's converter. Nothing: no credential (the chain's entry
 * point answers 401).
 */
final class CallerCredentialConverter implements ServerAuthenticationConverter {

    /** The longest {@code Authorization} header considered at all; real workload tokens are 1–2 KiB. */
    static final int MAX_LENGTH = 16 * 1024;

    private static final String SCHEME = "Bearer ";

    private final LoopbackCallerConverter loopback;

    CallerCredentialConverter(LoopbackCallerProperties loopback) {
        this.loopback = new LoopbackCallerConverter(loopback);
    }

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        CallerAuthentication local = loopback.caller(exchange.getRequest());
        if (local != null) {
            return Mono.just(local);
        }
        HttpHeaders headers = exchange.getRequest().getHeaders();
        List<String> values = headers.get(HttpHeaders.AUTHORIZATION);
        if (values == null) {
            return Mono.empty();
        }
        for (String value : values) {
            if (value.length() > MAX_LENGTH) {
                return Mono.error(new InvalidBearerTokenException("bearer token too large"));
            }
        }
        try {
            String token = token(values.get(0));
            return token == null ? Mono.empty() : Mono.just(new BearerTokenAuthenticationToken(token));
        } catch (OAuth2AuthenticationException malformed) {
            return Mono.error(malformed);
        }
    }

    /**
     * The token of an {@code Authorization} value: null when it is not a bearer value at all (another scheme), the
     * token when it is {@code Bearer b64token} (RFC 6750 §2.1: {@code [a-zA-Z0-9-._~+/]+=*}).
     *
     * @throws OAuth2AuthenticationException ({@code invalid_token}) for a bearer value that is malformed
     */
    static String token(String authorization) {
        if (!authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length() - 1)) {
            return null;
        }
        int start = SCHEME.length();
        if (authorization.length() <= start || authorization.charAt(start - 1) != ' ') {
            throw malformed();
        }
        int padding = authorization.length();
        while (padding > start && authorization.charAt(padding - 1) == '=') {
            padding--;
        }
        if (padding == start) {
            throw malformed();
        }
        for (int i = start; i < padding; i++) {
            if (!b64(authorization.charAt(i))) {
                throw malformed();
            }
        }
        return authorization.substring(start);
    }

    private static boolean b64(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~'
                || c == '+'
                || c == '/';
    }

    private static OAuth2AuthenticationException malformed() {
        return new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
    }
}
