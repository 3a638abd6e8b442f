package dev.tokenbroker.caller;

import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;

/** Sends {@code tbk_…} bearer values to client-key authentication and everything else to JWT authentication. */
final class BearerAuthenticationManager implements KnownCallers {

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

    @Override
    public CallerAuthentication known(String bearer) {
        return bearer.startsWith(ClientKeys.PREFIX) ? clientKeys.known(bearer) : jwts.known(bearer);
    }
}
