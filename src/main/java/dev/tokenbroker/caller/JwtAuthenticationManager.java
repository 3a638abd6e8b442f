package dev.tokenbroker.caller;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.support.LogSafe;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;

/**
 * Authenticates workload JWTs. The issuer is chosen by the token's unverified {@code iss} (a choice only: the chosen
 * issuer's decoder then verifies signature, {@code iss}, {@code aud}, {@code exp} and {@code nbf}); an unknown issuer,
 * a bad token or a missing {@code sub} is an {@link InvalidBearerTokenException} whose message never quotes the
 * token. The caller id is the issuer's caller prefix followed by {@code sub}; subjects starting {@code client:} are
 * reserved for client keys and refused, and so are subjects with control characters (a caller id ends up in logs,
 * metrics and policy globs). Tokens
 * once verified are remembered until their {@code exp} ({@link VerifiedJwts}). Thread-safe.
 */
final class JwtAuthenticationManager implements ReactiveAuthenticationManager {

    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticationManager.class);
    private static final List<SimpleGrantedAuthority> AUTHORITIES = List.of(new SimpleGrantedAuthority("ROLE_CALLER"));

    private final Map<String, TrustedIssuer> issuers;
    private final VerifiedJwts verified;

    JwtAuthenticationManager(Map<String, TrustedIssuer> issuers, VerifiedJwts verified) {
        this.issuers = Map.copyOf(issuers);
        this.verified = verified;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
            return Mono.empty();
        }
        String token = bearer.getToken();
        return Mono.defer(() -> verify(token)).onErrorMap(JwtException.class, failure -> {
            // Decoder messages may quote parts of the (unverified) token.
            log.debug("JWT rejected: {}", LogSafe.text(failure.getMessage()));
            return new InvalidBearerTokenException("invalid JWT");
        });
    }

    private Mono<Authentication> verify(String token) {
        String hash = VerifiedJwts.hash(token);
        String known = verified.caller(hash);
        if (known != null) {
            return Mono.just(caller(known));
        }
        TrustedIssuer issuer = issuers.get(unverifiedIssuer(token));
        if (issuer == null) {
            return Mono.error(new InvalidBearerTokenException("JWT from an issuer that is not configured"));
        }
        return issuer.decoder().decode(token).map(jwt -> remember(hash, issuer, jwt));
    }

    private Authentication remember(String hash, TrustedIssuer issuer, Jwt jwt) {
        String subject = jwt.getSubject();
        if (subject == null
                || subject.isBlank()
                || subject.startsWith("client:")
                || subject.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidBearerTokenException("JWT without a usable sub");
        }
        String caller = issuer.callerPrefix() + subject;
        Instant expiresAt = jwt.getExpiresAt();
        if (expiresAt != null) {
            verified.remember(hash, caller, expiresAt);
        }
        return caller(caller);
    }

    // Parsing only, to pick the issuer whose keys and rules then decide; nothing here is trusted.
    private static String unverifiedIssuer(String token) {
        try {
            JWT jwt = JWTParser.parse(token);
            if (!(jwt instanceof SignedJWT)) {
                throw new InvalidBearerTokenException("JWT is not signed");
            }
            String issuer = jwt.getJWTClaimsSet().getIssuer();
            if (issuer == null) {
                throw new InvalidBearerTokenException("JWT without iss");
            }
            return issuer;
        } catch (ParseException e) {
            throw new InvalidBearerTokenException("malformed JWT");
        }
    }

    private static CallerAuthentication caller(String id) {
        return new CallerAuthentication(id, AUTHORITIES);
    }
}
