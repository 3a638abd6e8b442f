package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The cache on its own: a fake clock and a minter whose answers the test releases by hand, so that single flight,
 * refresh ahead, stale-while-valid, failure memory and the race of a refresh with an evict are shown without timing.
 */
class TokenCacheTests {

    private static final Duration LIFE = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final CacheKey KEY = new CacheKey("wml-prod", "v1", List.of());

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-16T12:00:00Z"));
    private final HeldMinter minter = new HeldMinter();
    private final TokenCache<Token> cache = new TokenCache<>(
            "iam-token",
            Upstream.IAM,
            key -> minter.mint(key).map(Obtained::minted),
            new CacheProperties(
                    0.8,
                    0.0,
                    Duration.ofHours(2),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    100),
            clock);

    @Test
    void getWhen100SubscribersAskForAColdKeyThenOneMintServesThemAll() {
        List<Token> served = new CopyOnWriteArrayList<>();
        List<Disposable> callers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            callers.add(cache.get(KEY, Duration.ofMinutes(1)).subscribe(served::add));
        }

        minter.answer(0);

        assertThat(minter.calls()).isEqualTo(1);
        assertThat(served).hasSize(100).containsOnly(minter.minted(0));
    }

    @Test
    void getWhenTheOnlyCallerCancelsThenTheMintGoesOnAndIsCached() {
        Disposable impatient = cache.get(KEY, Duration.ofMinutes(1)).subscribe();
        impatient.dispose();

        minter.answer(0);

        StepVerifier.create(cache.get(KEY, Duration.ofMinutes(1)))
                .expectNext(minter.minted(0))
                .verifyComplete();
        assertThat(minter.calls()).isEqualTo(1);
    }

    @Test
    void getWhen80PercentOfLifeHasPassedThenOneBackgroundRefreshAndCallersKeepTheCurrentToken() {
        Token first = warm();
        clock.advance(Duration.ofMinutes(48));

        Token duringRefresh = cache.get(KEY, Duration.ofMinutes(1)).block(WAIT);
        Token stillDuringRefresh = cache.get(KEY, Duration.ofMinutes(1)).block(WAIT);
        minter.answer(1);
        Token afterRefresh = cache.get(KEY, Duration.ofMinutes(1)).block(WAIT);

        assertThat(duringRefresh).isSameAs(first);
        assertThat(stillDuringRefresh).isSameAs(first);
        assertThat(minter.calls()).isEqualTo(2);
        assertThat(afterRefresh).isSameAs(minter.minted(1));
    }

    @Test
    void getWhenRefreshFailsThenStaleTokenServesWhileValidEnoughAndThenTheCallerGetsTheError() {
        Token first = warm();
        clock.advance(Duration.ofMinutes(48));
        cache.get(KEY, Duration.ofMinutes(1)).block(WAIT);

        minter.fail(1, new UpstreamUnavailableException(Upstream.IAM, "iam is unreachable", WAIT, null));
        Token stale = cache.get(KEY, Duration.ofMinutes(10)).block(WAIT);
        clock.advance(Duration.ofMinutes(5));
        Mono<Token> tooShort = cache.get(KEY, Duration.ofMinutes(10));

        assertThat(stale).isSameAs(first);
        StepVerifier.create(tooShort)
                .then(() -> minter.fail(2, new UpstreamUnavailableException(Upstream.IAM, "down", WAIT, null)))
                .expectError(UpstreamUnavailableException.class)
                .verify(WAIT);
        assertThat(cache.operations().entries()).singleElement().satisfies(entry -> {
            assertThat(entry.lastRefreshOutcome()).isEqualTo("failure");
            assertThat(entry.lastError()).isEqualTo("iam unavailable");
        });
    }

    @Test
    void getWhenUpstreamRefusesPermanentlyThenTheRefusalIsRememberedForTheFailureTtl() {
        UpstreamRejectedException refused =
                new UpstreamRejectedException(Upstream.IAM, 400, "BXNIM0415E", true, "iam refused the API key");
        Mono<Token> first = cache.get(KEY, Duration.ofMinutes(1));
        StepVerifier.create(first)
                .then(() -> minter.fail(0, refused))
                .expectError()
                .verify(WAIT);

        StepVerifier.create(cache.get(KEY, Duration.ofMinutes(1)))
                .expectErrorMatches(refused::equals)
                .verify(WAIT);
        int callsWithinTtl = minter.calls();
        clock.advance(Duration.ofSeconds(31));
        Mono<Token> afterTtl = cache.get(KEY, Duration.ofMinutes(1));

        assertThat(callsWithinTtl).isEqualTo(1);
        StepVerifier.create(afterTtl)
                .then(() -> minter.answer(1))
                .assertNext(token -> assertThat(token).isSameAs(minter.minted(1)))
                .verifyComplete();
        assertThat(minter.calls()).isEqualTo(2);
    }

    @Test
    void getWhenACallerAsksRightAfterAColdMintFailedThenItMintsAnewRatherThanGetThatFailure() {
        UpstreamUnavailableException gone =
                new UpstreamUnavailableException(Upstream.IAM, "the token file is gone", WAIT, null);
        // The second caller asks while the first one's failure is being delivered: Caffeine drops a failed entry in a
        // callback that runs after the caller's, so the failed mint is still cached then (a request on another thread
        // can arrive in that moment just the same).
        Mono<Token> askedAgain =
                cache.get(KEY, Duration.ofMinutes(1)).onErrorResume(failure -> cache.get(KEY, Duration.ofMinutes(1)));

        StepVerifier.create(askedAgain)
                .then(() -> minter.fail(0, gone))
                .then(() -> minter.answer(1))
                .assertNext(token -> assertThat(token).isSameAs(minter.minted(1)))
                .verifyComplete();
        assertThat(minter.calls()).isEqualTo(2);
    }

    @Test
    void refreshWhenTheEntryIsEvictedMeanwhileThenItStaysEvictedAndNoMintIsAnnounced() {
        warm();
        List<Minted<Token>> announced = new CopyOnWriteArrayList<>();
        Disposable listening = cache.mints().subscribe(announced::add);

        Mono<Integer> forced = cache.operations().refresh("wml-prod");
        StepVerifier.create(forced)
                .then(() -> {
                    assertThat(cache.operations().evict("wml-prod")).isEqualTo(1);
                    minter.answer(1);
                })
                .expectNext(1)
                .verifyComplete();
        listening.dispose();

        assertThat(cache.operations().entries()).isEmpty();
        assertThat(cache.holds("wml-prod")).isFalse();
        assertThat(announced).isEmpty();
        StepVerifier.create(cache.get(KEY, Duration.ofMinutes(1)))
                .then(() -> minter.answer(2))
                .assertNext(token -> assertThat(token).isSameAs(minter.minted(2)))
                .verifyComplete();
    }

    @Test
    void evictOtherVersionsWhenANewVersionIsCachedThenOnlyTheOldEntriesGo() {
        warm();
        CacheKey next = new CacheKey("wml-prod", "v2", List.of());
        StepVerifier.create(cache.get(next, Duration.ZERO))
                .then(() -> minter.answer(1))
                .expectNextCount(1)
                .verifyComplete();

        int dropped = cache.evictOtherVersions("wml-prod", "v2");

        assertThat(dropped).isEqualTo(1);
        assertThat(cache.operations().entries())
                .singleElement()
                .satisfies(entry -> assertThat(entry.secretVersion()).isEqualTo("v2"));
    }

    private Token warm() {
        Mono<Token> first = cache.get(KEY, Duration.ofMinutes(1));
        StepVerifier.create(first)
                .then(() -> minter.answer(0))
                .expectNextCount(1)
                .verifyComplete();
        return minter.minted(0);
    }

    /** A minted credential: its life only. */
    record Token(int serial, Instant issuedAt, Instant expiresAt) implements Expiring {}

    // Mints on demand: each call waits until the test answers or fails it, by call number.
    private final class HeldMinter {

        private final List<Sinks.One<Token>> calls = new CopyOnWriteArrayList<>();
        private final Map<Integer, Token> minted = new ConcurrentHashMap<>();
        private final AtomicInteger serial = new AtomicInteger();

        Mono<Token> mint(CacheKey key) {
            Sinks.One<Token> call = Sinks.one();
            calls.add(call);
            return call.asMono();
        }

        int calls() {
            return calls.size();
        }

        void answer(int call) {
            Instant now = clock.instant();
            Token token = new Token(serial.getAndIncrement(), now, now.plus(LIFE));
            minted.put(call, token);
            await(call).tryEmitValue(token);
        }

        void fail(int call, Throwable failure) {
            await(call).tryEmitError(failure);
        }

        Token minted(int index) {
            return minted.get(index);
        }

        private Sinks.One<Token> await(int call) {
            return Flux.interval(Duration.ofMillis(1))
                    .filter(tick -> calls.size() > call)
                    .next()
                    .map(tick -> calls.get(call))
                    .block(WAIT);
        }
    }
}
