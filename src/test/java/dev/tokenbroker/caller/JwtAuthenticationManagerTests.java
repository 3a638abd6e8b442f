package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.TestJwts;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class JwtAuthenticationManagerTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final AtomicInteger decodes = new AtomicInteger();
    private String subject = "system:serviceaccount:ml:scorer";

    // Stands in for the verifying decoder: counts calls, accepts everything, expires in 10 minutes.
    private final ReactiveJwtDecoder countingDecoder = token -> {
        decodes.incrementAndGet();
        Instant now = clock.instant();
        return Mono.just(Jwt.withTokenValue(token)
                .header("alg", "RS256")
                .subject(subject)
                .issuedAt(now)
                .expiresAt(now.plus(Duration.ofMinutes(10)))
                .build());
    };

    private final JwtAuthenticationManager manager = new JwtAuthenticationManager(
            Map.of(TestJwts.ISSUER, new TrustedIssuer("", countingDecoder)), new VerifiedJwts(clock, 1000));

    @Test
    void authenticateWhenSameTokenAgainThenVerifiedOnlyOnceUntilItsExp() {
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();

        for (int i = 0; i < 5; i++) {
            StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(jwt)))
                    .assertNext(caller -> assertThat(caller.getName()).isEqualTo("system:serviceaccount:ml:scorer"))
                    .verifyComplete();
        }
        assertThat(decodes).hasValue(1);

        clock.advance(Duration.ofMinutes(10));
        manager.authenticate(new BearerTokenAuthenticationToken(jwt)).block();
        assertThat(decodes).hasValue(2);
    }

    @Test
    void authenticateWhenSameSubjectFromTwoIssuersThenEachCallerIdNamesItsIssuer() {
        JwtAuthenticationManager twoClusters = new JwtAuthenticationManager(
                Map.of(
                        TestJwts.ISSUER, new TrustedIssuer("eu1/", countingDecoder),
                        TestJwts.ROTATING_ISSUER, new TrustedIssuer("us1/", countingDecoder)),
                new VerifiedJwts(clock, 1000));
        String eu = TestJwts.serviceAccount("ml", "scorer").sign();
        String us = TestJwts.serviceAccount("ml", "scorer")
                .issuer(TestJwts.ROTATING_ISSUER)
                .sign();

        String euCaller = twoClusters
                .authenticate(new BearerTokenAuthenticationToken(eu))
                .block()
                .getName();
        String usCaller = twoClusters
                .authenticate(new BearerTokenAuthenticationToken(us))
                .block()
                .getName();
        String euRemembered = twoClusters
                .authenticate(new BearerTokenAuthenticationToken(eu))
                .block()
                .getName();

        assertThat(euCaller).isEqualTo("eu1/system:serviceaccount:ml:scorer");
        assertThat(usCaller).isEqualTo("us1/system:serviceaccount:ml:scorer");
        assertThat(euRemembered).as("remembered with its prefix").isEqualTo(euCaller);
        assertThat(decodes).hasValue(2);
    }

    @Test
    void authenticateWhenIssuerUnknownThenInvalidTokenWithoutDecoding() {
        String jwt = TestJwts.serviceAccount("ml", "scorer")
                .issuer("https://elsewhere.test")
                .sign();

        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(jwt)))
                .expectError(InvalidBearerTokenException.class)
                .verify();
        assertThat(decodes).hasValue(0);
    }

    @Test
    void authenticateWhenSubClaimsAClientKeyCallerIdThenRefused() {
        subject = "client:scorer";
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();

        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(jwt)))
                .expectErrorSatisfies(failure -> assertThat(failure)
                        .isInstanceOf(InvalidBearerTokenException.class)
                        .hasMessageNotContaining(jwt))
                .verify();
    }

    @Test
    void authenticateWhenGarbageThenInvalidTokenThatDoesNotQuoteIt() {
        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken("GARBAGECANARY.x.y")))
                .expectErrorSatisfies(failure -> assertThat(failure)
                        .isInstanceOf(InvalidBearerTokenException.class)
                        .hasMessageNotContaining("GARBAGECANARY"))
                .verify();
    }
}
