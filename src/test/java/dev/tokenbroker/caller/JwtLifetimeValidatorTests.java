package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

class JwtLifetimeValidatorTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final JwtLifetimeValidator validator =
            new JwtLifetimeValidator(Duration.ofHours(24), Duration.ofSeconds(30), clock);

    @Test
    void validateWhenLifeWithinMaxLifetimeThenValid() {
        Instant now = clock.instant();
        Jwt jwt = jwt(now.minus(Duration.ofHours(23)), now.plus(Duration.ofHours(1)));

        OAuth2TokenValidatorResult result = validator.validate(jwt);

        assertThat(result.hasErrors()).isFalse();
    }

    @Test
    void validateWhenTenYearsLongThenInvalid() {
        Instant now = clock.instant();
        Jwt jwt = jwt(now, now.plus(Duration.ofDays(3650)));

        OAuth2TokenValidatorResult result = validator.validate(jwt);

        assertThat(result.hasErrors()).isTrue();
    }

    @Test
    void validateWhenOneSecondOverMaxLifetimeThenInvalid() {
        Instant now = clock.instant();
        Jwt jwt = jwt(now, now.plus(Duration.ofHours(24)).plusSeconds(1));

        OAuth2TokenValidatorResult result = validator.validate(jwt);

        assertThat(result.hasErrors()).isTrue();
    }

    @Test
    void validateWhenNoIatThenMeasuredFromNow() {
        Instant now = clock.instant();
        Jwt withinADay = jwt(null, now.plus(Duration.ofHours(20)));
        Jwt beyondADay = jwt(null, now.plus(Duration.ofHours(25)));

        OAuth2TokenValidatorResult within = validator.validate(withinADay);
        OAuth2TokenValidatorResult beyond = validator.validate(beyondADay);

        assertThat(within.hasErrors()).isFalse();
        assertThat(beyond.hasErrors()).isTrue();
    }

    @Test
    void validateWhenIatInTheFutureThenInvalidSoThatTheWindowCannotBeMoved() {
        Instant now = clock.instant();
        Jwt jwt = jwt(
                now.plus(Duration.ofDays(3000)), now.plus(Duration.ofDays(3000)).plus(Duration.ofHours(1)));

        OAuth2TokenValidatorResult result = validator.validate(jwt);

        assertThat(result.hasErrors()).isTrue();
    }

    @Test
    void validateWhenNoExpThenInvalid() {
        Jwt jwt = jwt(clock.instant(), null);

        OAuth2TokenValidatorResult result = validator.validate(jwt);

        assertThat(result.hasErrors()).isTrue();
    }

    private static Jwt jwt(Instant issuedAt, Instant expiresAt) {
        Jwt.Builder builder = Jwt.withTokenValue("t").header("alg", "RS256").subject("system:serviceaccount:ml:x");
        if (issuedAt != null) {
            builder.issuedAt(issuedAt);
        }
        if (expiresAt != null) {
            builder.expiresAt(expiresAt);
        }
        return builder.build();
    }
}
