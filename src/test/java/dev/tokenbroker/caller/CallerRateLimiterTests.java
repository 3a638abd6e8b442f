package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CallerRateLimiterTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));

    @Test
    void acquireWhenBurstIsSpentThenWaitUntilTheNextToken() {
        CallerRateLimiter limiter = limiter(new CallerProperties.RateLimit(2, 3, 100, List.of()));

        List<Duration> waits =
                IntStream.range(0, 4).mapToObj(i -> limiter.acquire("client:a")).toList();

        assertThat(waits.subList(0, 3)).containsOnly(Duration.ZERO);
        assertThat(waits.get(3)).isEqualTo(Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.acquire("client:a")).isZero();
        assertThat(limiter.acquire("client:b")).isZero();
    }

    @Test
    void acquireWhenCallerMatchesAnOverrideThenItsLimitApplies() {
        CallerRateLimiter limiter = limiter(new CallerProperties.RateLimit(
                50,
                100,
                100,
                List.of(new CallerProperties.RateLimit.CallerLimit(List.of("system:serviceaccount:batch:*"), 1, 1))));

        assertThat(limiter.acquire("system:serviceaccount:batch:job")).isZero();
        assertThat(limiter.acquire("system:serviceaccount:batch:job")).isEqualTo(Duration.ofSeconds(1));
        assertThat(limiter.acquire("system:serviceaccount:ml:job")).isZero();
        assertThat(limiter.acquire("system:serviceaccount:ml:job")).isZero();
    }

    @Test
    void acquireWhenManyCallersConcurrentlyThenEachGetsExactlyItsBurst() {
        CallerRateLimiter limiter = limiter(new CallerProperties.RateLimit(1, 10, 100, List.of()));
        AtomicInteger admitted = new AtomicInteger();

        IntStream.range(0, 1000).parallel().forEach(i -> {
            if (limiter.acquire("caller-" + (i % 5)).isZero()) {
                admitted.incrementAndGet();
            }
        });

        assertThat(admitted).hasValue(50);
    }

    @Test
    void acquireWhenMoreCallersThanRememberedThenMemoryStaysBounded() {
        CallerRateLimiter limiter = limiter(new CallerProperties.RateLimit(1, 1, 10, List.of()));

        IntStream.range(0, 10_000).forEach(i -> limiter.acquire("system:serviceaccount:ns:sa-" + i));

        assertThat(limiter.rememberedCallers()).isLessThanOrEqualTo(10);
    }

    @Test
    void newWhenLimitsAreNonsenseThenStartupFailsWithOneLinePerProblem() {
        CallerProperties.RateLimit nonsense = new CallerProperties.RateLimit(
                0, 0, 100, List.of(new CallerProperties.RateLimit.CallerLimit(List.of(), 5, 5)));

        assertThatThrownBy(() -> limiter(nonsense))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("tokenbroker.callers.rate-limit: requests-per-second must be > 0")
                .hasMessageContaining("overrides[0].callers");
    }

    private CallerRateLimiter limiter(CallerProperties.RateLimit properties) {
        return new CallerRateLimiter(properties, clock);
    }
}
