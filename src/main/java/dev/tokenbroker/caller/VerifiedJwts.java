package dev.tokenbroker.caller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tokenbroker.support.CacheMaintenance;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * JWTs already verified, remembered by the SHA-256 of the whole token until the token's own {@code exp}, so that a
 * workload presenting the same token again skips parsing and signature checks. Holds no token, only its hash and the
 * caller id. Bounded (least recently used go first); time from the injected {@link Clock}. Thread-safe.
 */
final class VerifiedJwts {

    private final Clock clock;
    private final Cache<String, Verified> verified;

    VerifiedJwts(Clock clock, long maximumSize) {
        this.clock = clock;
        this.verified = Caffeine.newBuilder()
                .executor(CacheMaintenance.IN_CALLER)
                .ticker(() -> nanos(clock.instant()))
                .maximumSize(maximumSize)
                .expireAfter(new UntilExp())
                .build();
    }

    /** The key under which a token is remembered. */
    static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The caller of a token verified before and not yet expired, or {@code null}. */
    String caller(String hash) {
        Verified known = verified.getIfPresent(hash);
        return known == null || !clock.instant().isBefore(known.expiresAt()) ? null : known.caller();
    }

    /** Remembers a verified token until {@code expiresAt}. */
    void remember(String hash, String caller, Instant expiresAt) {
        verified.put(hash, new Verified(caller, expiresAt));
    }

    long size() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private record Verified(String caller, Instant expiresAt) {}

    private final class UntilExp implements Expiry<String, Verified> {

        @Override
        public long expireAfterCreate(String key, Verified value, long currentTime) {
            Duration left = Duration.between(clock.instant(), value.expiresAt());
            return left.isNegative() ? 0 : left.toNanos();
        }

        @Override
        public long expireAfterUpdate(String key, Verified value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Verified value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
