package dev.tokenbroker.caller;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;

/**
 * Authenticates {@code tbk_…} bearer keys against their configured SHA-256 hashes. An unknown key is an
 * {@link InvalidBearerTokenException} (401 with {@code error="invalid_token"}); the message never contains the key.
 */
final class ClientKeyAuthenticationManager implements ReactiveAuthenticationManager {

    private static final List<SimpleGrantedAuthority> CALLER = List.of(new SimpleGrantedAuthority("ROLE_CALLER"));
    private static final List<SimpleGrantedAuthority> OPS =
            List.of(new SimpleGrantedAuthority("ROLE_CALLER"), new SimpleGrantedAuthority(OpsProperties.ROLE_OPS));

    private final Map<String, String> callerByHash;
    private final OpsProperties ops;

    ClientKeyAuthenticationManager(CallerProperties properties, OpsProperties ops) {
        this.ops = ops;
        Map<String, String> byHash = new HashMap<>();
        properties.clientKeys().forEach((id, hash) -> byHash.put(hash, "client:" + id));
        this.callerByHash = Map.copyOf(byHash);
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        String token = authentication instanceof BearerTokenAuthenticationToken bearer ? bearer.getToken() : "";
        CallerAuthentication caller = known(token);
        if (caller == null) {
            return Mono.error(new InvalidBearerTokenException("unknown bearer credential"));
        }
        return Mono.just(caller);
    }

    // The caller of a configured client key; null for anything else.
    private CallerAuthentication known(String token) {
        String caller = token.startsWith(ClientKeys.PREFIX) ? callerByHash.get(ClientKeys.hash(token)) : null;
        return caller == null ? null : new CallerAuthentication(caller, ops.isOps(caller) ? OPS : CALLER);
    }
}
