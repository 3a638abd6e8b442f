package dev.tokenbroker.caller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.support.CacheMaintenance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Per-caller rate limits ({@code tokenbroker.callers.rate-limit}): one token bucket per caller id, with the limit of
 * the first override whose caller glob matches, else the default. Buckets live in a bounded cache and are dropped
 * once they would have refilled, so callers cannot grow memory without bound and a dropped bucket is
 * indistinguishable from a kept one. Time from the injected {@link Clock}. Thread-safe.
 */
public final class CallerRateLimiter {

    private final Clock clock;
    private final CallerProperties.RateLimit defaults;
    private final List<Rule> overrides;
    private final Cache<String, TokenBucket> buckets;

    CallerRateLimiter(CallerProperties.RateLimit properties, Clock clock) {
        check(properties);
        this.clock = clock;
        this.defaults = properties;
        this.overrides = properties.overrides().stream()
                .map(override -> new Rule(
                        override.callers().stream().map(Policy::glob).toList(),
                        override.requestsPerSecond(),
                        override.burst()))
                .toList();
        this.buckets = Caffeine.newBuilder()
                .executor(CacheMaintenance.IN_CALLER)
                .ticker(() -> nanos(clock.instant()))
                .maximumSize(properties.maxCallers())
                .expireAfter(new UntilFull())
                .build();
    }

    /**
     * Takes one request from this caller's allowance.
     *
     * @return {@link Duration#ZERO} if the request may go ahead, else how long until the caller may try again
     */
    public Duration acquire(String caller) {
        long now = nanos(clock.instant());
        TokenBucket bucket = buckets.get(caller, id -> newBucket(id, now));
        return Duration.ofNanos(bucket.take(now));
    }

    long rememberedCallers() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private TokenBucket newBucket(String caller, long now) {
        for (Rule rule : overrides) {
            if (rule.callers().stream().anyMatch(glob -> glob.matcher(caller).matches())) {
                return new TokenBucket(rule.perSecond(), rule.burst(), now);
            }
        }
        return new TokenBucket(defaults.requestsPerSecond(), defaults.burst(), now);
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static void check(CallerProperties.RateLimit properties) {
        String where = "tokenbroker.callers.rate-limit";
        List<String> problems = new ArrayList<>();
        if (properties.requestsPerSecond() <= 0 || properties.burst() < 1) {
            problems.add(where + ": requests-per-second must be > 0 and burst >= 1");
        }
        if (properties.maxCallers() < 1) {
            problems.add(where + ".max-callers: must be >= 1");
        }
        for (int index = 0; index < properties.overrides().size(); index++) {
            CallerProperties.RateLimit.CallerLimit override =
                    properties.overrides().get(index);
            if (override.callers().isEmpty()) {
                problems.add(where + ".overrides[" + index + "].callers: at least one caller glob is required");
            }
            if (override.requestsPerSecond() <= 0 || override.burst() < 1) {
                problems.add(where + ".overrides[" + index + "]: requests-per-second must be > 0 and burst >= 1");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
    }

    private record Rule(List<Pattern> callers, double perSecond, int burst) {}

    private static final class UntilFull implements Expiry<String, TokenBucket> {

        @Override
        public long expireAfterCreate(String caller, TokenBucket bucket, long currentTime) {
            return bucket.refillNanos();
        }

        @Override
        public long expireAfterUpdate(String caller, TokenBucket bucket, long currentTime, long currentDuration) {
            return bucket.refillNanos();
        }

        @Override
        public long expireAfterRead(String caller, TokenBucket bucket, long currentTime, long currentDuration) {
            return bucket.refillNanos();
        }
    }
}
