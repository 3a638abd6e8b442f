package dev.tokenbroker.shared;

import java.time.Duration;
import java.util.List;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The Redis commands the shared tier sends, over Boot's reactive template. Its own class so that {@link SharedTier}
 * names no Redis type in a field, method or lambda: with the tier off, Spring's introspection of the
 * {@code SharedTier} bean then loads no Spring Data Redis or Lettuce class (docs/benchmarks.md#footprint).
 */
final class RedisCommands {

    private static final RedisScript<Long> RELEASE = RedisScript.of(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            Long.class);

    private final ReactiveStringRedisTemplate redis;

    RedisCommands(ReactiveStringRedisTemplate redis) {
        this.redis = redis;
    }

    Mono<String> ping() {
        return Mono.defer(() -> redis.execute(connection -> connection.ping()).next());
    }

    /** {@code SET key value NX PX ttl}: whether this caller got it. */
    Mono<Boolean> setIfAbsent(String key, String value, Duration ttl) {
        return redis.opsForValue().setIfAbsent(key, value, ttl);
    }

    /** Deletes the lease only while {@code holder} still holds it. */
    Mono<Long> release(String lease, String holder) {
        return redis.execute(RELEASE, List.of(lease), List.of(holder)).next();
    }

    Mono<String> get(String key) {
        return redis.opsForValue().get(key);
    }

    Mono<Boolean> set(String key, String value, Duration ttl) {
        return redis.opsForValue().set(key, value, ttl);
    }
}
