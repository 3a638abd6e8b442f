package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.sim.JwksSimulator;
import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.TestJwts;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class JwksKeySourceTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final JwksSimulator jwks = JwksSimulator.start(TestJwts.ROTATING_OLD);
    private final JwksKeySource source = new JwksKeySource(
            "https://issuer.test",
            URI.create(jwks.url()),
            WebClient.create(),
            clock,
            Duration.ofMinutes(5),
            Duration.ofSeconds(30));

    @AfterEach
    void stop() {
        jwks.close();
    }

    @Test
    void keysWhenManyConcurrentFirstLookupsThenOneFetch() {
        jwks.hold();
        List<Mono<List<JWK>>> lookups = IntStream.range(0, 50)
                .mapToObj(i -> source.keys(parse(token(TestJwts.ROTATING_OLD)))
                        .collectList()
                        .cache())
                .toList();
        lookups.forEach(Mono::subscribe);
        await().atMost(Duration.ofSeconds(10)).until(() -> jwks.waiting() == 1);

        jwks.release();
        List<List<JWK>> found = Flux.concat(lookups).collectList().block(Duration.ofSeconds(10));

        assertThat(found)
                .hasSize(50)
                .allSatisfy(keys -> assertThat(keys).extracting(JWK::getKeyID).containsExactly("rotating-1"));
        assertThat(jwks.fetches()).isEqualTo(1);
    }

    @Test
    void keysWhenManyConcurrentLookupsOfANewKidThenOneRefetch() {
        keys(TestJwts.ROTATING_OLD);
        jwks.publish(TestJwts.ROTATING_OLD, TestJwts.ROTATING_NEW);
        jwks.hold();
        List<Mono<List<JWK>>> lookups = IntStream.range(0, 50)
                .mapToObj(i -> source.keys(parse(token(TestJwts.ROTATING_NEW)))
                        .collectList()
                        .cache())
                .toList();
        lookups.forEach(Mono::subscribe);
        await().atMost(Duration.ofSeconds(10)).until(() -> jwks.waiting() == 1);

        jwks.release();
        List<List<JWK>> found = Flux.concat(lookups).collectList().block(Duration.ofSeconds(10));

        assertThat(found).hasSize(50).allSatisfy(keys -> assertThat(keys).hasSize(1));
        assertThat(jwks.fetches()).isEqualTo(2);
    }

    @Test
    void keysWhenUnknownKidsKeepComingThenAtMostOneRefetchPerInterval() {
        keys(TestJwts.ROTATING_OLD);

        for (int i = 0; i < 10; i++) {
            assertThat(keys(TestJwts.UNPUBLISHED)).isEmpty();
        }
        assertThat(jwks.fetches()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(31));
        assertThat(keys(TestJwts.UNPUBLISHED)).isEmpty();
        assertThat(jwks.fetches()).isEqualTo(3);
    }

    @Test
    void keysWhenEndpointDownAndKeySetStaleThenLastGoodKeysServe() {
        keys(TestJwts.ROTATING_OLD);
        jwks.stop();
        clock.advance(Duration.ofMinutes(10));

        assertThat(keys(TestJwts.ROTATING_OLD)).extracting(JWK::getKeyID).containsExactly("rotating-1");
        assertThat(keys(TestJwts.ROTATING_OLD)).extracting(JWK::getKeyID).containsExactly("rotating-1");
    }

    @Test
    void keysWhenKeySetOlderThanMaxAgeThenFetchedAgainAndRemovedKeysStopWorking() {
        keys(TestJwts.ROTATING_OLD);
        jwks.publish(TestJwts.ROTATING_NEW);

        clock.advance(Duration.ofMinutes(6));

        assertThat(keys(TestJwts.ROTATING_OLD)).isEmpty();
        assertThat(jwks.fetches()).isEqualTo(2);
    }

    @Test
    void keysWhenAlgorithmIsNotAllowedThenNoLookupAtAll() {
        SignedJWT hs256 = parse(TestJwts.hs256WithPublicKey(TestJwts.serviceAccount("ml", "scorer")));

        assertThat(source.keys(hs256).collectList().block()).isEmpty();
        assertThat(jwks.fetches()).isZero();
    }

    private List<JWK> keys(com.nimbusds.jose.jwk.RSAKey key) {
        return source.keys(parse(token(key))).collectList().block(Duration.ofSeconds(10));
    }

    private static String token(com.nimbusds.jose.jwk.RSAKey key) {
        return TestJwts.serviceAccount("ml", "scorer").signedWith(key).sign();
    }

    private static SignedJWT parse(String token) {
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
