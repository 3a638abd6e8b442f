package dev.tokenbroker.caller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Refuses workload tokens that claim too long a life: {@code exp} is required and at most {@code maxLifetime} after
 * {@code iat}, or after now when there is no {@code iat}; an {@code iat} later than now plus the skew is refused too,
 * since it would let a token move its window forward. {@code exp} and {@code nbf} themselves are checked by Spring's
 * timestamp validator. The error never quotes the token's claims. Thread-safe.
 */
final class JwtLifetimeValidator implements OAuth2TokenValidator<Jwt> {

    private static final OAuth2Error TOO_LONG = new OAuth2Error(
            OAuth2ErrorCodes.INVALID_TOKEN, "JWT lifetime exceeds the issuer's max-lifetime, or exp is missing", null);
    private static final OAuth2Error ISSUED_IN_FUTURE =
            new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "JWT iat is in the future", null);

    private final Duration maxLifetime;
    private final Duration clockSkew;
    private final Clock clock;

    JwtLifetimeValidator(Duration maxLifetime, Duration clockSkew, Clock clock) {
        this.maxLifetime = maxLifetime;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt jwt) {
        Instant now = clock.instant();
        Instant expiresAt = jwt.getExpiresAt();
        Instant issuedAt = jwt.getIssuedAt();
        if (issuedAt != null && issuedAt.isAfter(now.plus(clockSkew))) {
            return OAuth2TokenValidatorResult.failure(ISSUED_IN_FUTURE);
        }
        Instant from = issuedAt == null ? now : issuedAt;
        if (expiresAt == null || expiresAt.isAfter(from.plus(maxLifetime))) {
            return OAuth2TokenValidatorResult.failure(TOO_LONG);
        }
        return OAuth2TokenValidatorResult.success();
    }
}
