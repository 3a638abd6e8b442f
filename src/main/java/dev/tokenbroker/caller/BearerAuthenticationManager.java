package dev.tokenbroker.caller;

import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;

/**
 * The caller authentication manager: sends {@code tbk_…} bearer values to client-key authentication and everything
 * else to JWT authentication. The caller API's chain, the drop-in endpoints (a credential in the body) and the
 * management port all authenticate through it. Thread-safe.
 */
final class BearerAuthenticationManager implements ReactiveAuthenticationManager {

    private final ClientKeyAuthenticationManager clientKeys;
    private final JwtAuthenticationManager jwts;

    BearerAuthenticationManager(ClientKeyAuthenticationManager clientKeys, JwtAuthenticationManager jwts) {
        this.clientKeys = clientKeys;
        this.jwts = jwts;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        if (authentication instanceof BearerTokenAuthenticationToken bearer
                && bearer.getToken().startsWith(ClientKeys.PREFIX)) {
            return clientKeys.authenticate(authentication);
        }
        return jwts.authenticate(authentication);
    }
}
