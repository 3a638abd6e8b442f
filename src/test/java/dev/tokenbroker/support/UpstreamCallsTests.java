package dev.tokenbroker.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class UpstreamCallsTests {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void parseRetryAfterWhenSecondsOrHttpDateThenWait() {
        assertThat(UpstreamCalls.parseRetryAfter("7", CLOCK)).isEqualTo(Duration.ofSeconds(7));
        assertThat(UpstreamCalls.parseRetryAfter("Mon, 23 Nov 2026 12:00:30 GMT", CLOCK))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(UpstreamCalls.parseRetryAfter("soon", CLOCK)).isNull();
        assertThat(UpstreamCalls.parseRetryAfter("-3", CLOCK)).isNull();
        assertThat(UpstreamCalls.parseRetryAfter(null, CLOCK)).isNull();
    }

    @Test
    void retryWhenTransientFailuresThenRetriesUpToMaxAndTranslatesToUnavailable() {
        AtomicInteger attempts = new AtomicInteger();
        Mono<String> failing = Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.<String>error(new RetryableUpstreamFailure(503, null));
        });

        StepVerifier.withVirtualTime(
                        () -> failing.retryWhen(UpstreamCalls.retry(Upstream.IAM, UpstreamSettings.defaults()))
                                .onErrorMap(error -> UpstreamCalls.translate(Upstream.IAM, error)))
                .thenAwait(Duration.ofMinutes(1))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(UpstreamUnavailableException.class)
                        .hasMessage("iam answered 503"))
                .verify();
        assertThat(attempts).hasValue(4);
    }

    @Test
    void retryWhenPermanentRejectionThenNoRetry() {
        AtomicInteger attempts = new AtomicInteger();
        Mono<String> rejected = Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.<String>error(new UpstreamRejectedException(Upstream.IAM, 400, "BXNIM0415E", true, "refused"));
        });

        StepVerifier.create(rejected.retryWhen(UpstreamCalls.retry(Upstream.IAM, UpstreamSettings.defaults())))
                .expectError(UpstreamRejectedException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(attempts).hasValue(1);
    }

    @Test
    void retryWhenRetryAfterBeyondMaximumThenGivesUpAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        Mono<String> limited = Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.<String>error(new RetryableUpstreamFailure(429, Duration.ofMinutes(5)));
        });

        StepVerifier.create(limited.retryWhen(UpstreamCalls.retry(Upstream.IAM, UpstreamSettings.defaults()))
                        .onErrorMap(error -> UpstreamCalls.translate(Upstream.IAM, error)))
                .expectErrorSatisfies(error -> assertThat(((UpstreamUnavailableException) error).retryAfter())
                        .isEqualTo(Duration.ofMinutes(5)))
                .verify(Duration.ofSeconds(5));
        assertThat(attempts).hasValue(1);
    }
}
