package dev.tokenbroker.shared;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

// The shared tier's view of Redis: every command goes through call(), which bounds it by the timeout of its path, runs
// it off the event loop and keeps the state (connecting, connected, fallback) that decides whether Redis is asked at
// all. In fallback nothing on a request path touches Redis; a probe asks it every backoff instead, and its first answer
// brings the tier back (and runs the rejoin hooks: the write-back of what was minted meanwhile). Thread-safe.
final class RedisLink {

    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);

    // One key, one slot: PING would ask every node of a Redis Cluster, a failed one included.
    static final String PROBE_KEY = "tokenbroker:probe";

    private static final RedisScript<Long> RELEASE = RedisScript.of(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            Long.class);

    private static final RedisScript<Long> RENEW = RedisScript.of(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else"
                    + " return 0 end",
            Long.class);

    private final ReactiveStringRedisTemplate redis;
    private final SharedTierProperties properties;
    private final Clock clock;
    private final List<Runnable> rejoinHooks = new CopyOnWriteArrayList<>();
    private volatile SharedTier.State state;
    private volatile Disposable probing;

    RedisLink(ReactiveStringRedisTemplate redis, SharedTierProperties properties, Clock clock) {
        this.redis = redis;
        this.properties = properties;
        this.clock = clock;
        this.state = new SharedTier.State("connecting", clock.instant(), null);
    }

    /** {@code SET key value NX PX ttl}: whether this caller set it. */
    Mono<Boolean> setIfAbsent(String key, String value, Duration ttl) {
        return redis.opsForValue().setIfAbsent(key, value, ttl);
    }

    Mono<Boolean> set(String key, String value, Duration ttl) {
        return redis.opsForValue().set(key, value, ttl);
    }

    Mono<String> get(String key) {
        return redis.opsForValue().get(key);
    }

    Mono<Boolean> hasKey(String key) {
        return redis.hasKey(key);
    }

    /** Deletes a lease only while {@code holder} still holds it. */
    Mono<Long> release(String lease, String holder) {
        return script(RELEASE, lease, List.of(holder));
    }

    /** Extends a lease to {@code millis} from now only while {@code holder} still holds it. */
    Mono<Long> renew(String lease, String holder, String millis) {
        return script(RENEW, lease, List.of(holder, millis));
    }

    /** Runs a script on one key (one slot in a Redis Cluster). */
    <T> Mono<T> script(RedisScript<T> script, String key, List<String> arguments) {
        return redis.execute(script, List.of(key), arguments).next();
    }

    SharedTier.State state() {
        return state;
    }

    // Whether request paths may ask Redis: not while it is known to be away (the probe finds out when it is back).
    boolean usable() {
        return !"fallback".equals(state.state());
    }

    void onRejoin(Runnable hook) {
        rejoinHooks.add(hook);
    }

    /**
     * A command bounded by {@code timeout}, off the event loop (Lettuce connects synchronously on first use). Any
     * failure, a timeout included, is {@link RedisUnavailable} and puts the tier in fallback; an answer brings it back.
     */
    <T> Mono<T> call(Mono<T> command, Duration timeout) {
        return command.subscribeOn(Schedulers.boundedElastic())
                .timeout(timeout)
                .doOnSuccess(answer -> answered())
                .onErrorMap(
                        failure -> !(failure instanceof RedisUnavailable), failure -> unavailable(failure, timeout));
    }

    // While the tier is not connected, asks Redis every backoff: the tier rejoins by itself, traffic or not.
    void startProbing() {
        probing = Flux.interval(properties.backoff(), properties.backoff(), Schedulers.parallel())
                .onBackpressureDrop()
                .filter(tick -> !"connected".equals(state.state()))
                .concatMap(tick -> probe().onErrorResume(RedisUnavailable.class, failure -> Mono.empty()), 1)
                .subscribe();
    }

    void stopProbing() {
        Disposable running = probing;
        probing = null;
        if (running != null) {
            running.dispose();
        }
    }

    boolean probing() {
        return probing != null;
    }

    Mono<Boolean> probe() {
        return call(redis.hasKey(PROBE_KEY), properties.lease());
    }

    // Start-up could not reach Redis within its bound: the replica reports ready, and mints alone until Redis answers.
    void gaveUp(String reason) {
        if (!"connected".equals(state.state())) {
            log.warn(
                    "Shared tier not ready at start-up ({}): this replica mints for itself until Redis answers",
                    reason);
            state = new SharedTier.State("fallback", clock.instant(), reason);
        }
    }

    private RedisUnavailable unavailable(Throwable failure, Duration timeout) {
        return unavailable(
                failure instanceof TimeoutException
                        ? "timed out after " + timeout.toMillis() + " ms"
                        : failure.getClass().getSimpleName());
    }

    // The tier cannot be used now (Redis, or the encryption key): fallback until the probe finds it answering.
    RedisUnavailable unavailable(String reason) {
        String was = state.state();
        if (!"fallback".equals(was)) {
            if ("connected".equals(was)) {
                log.warn("Shared tier unavailable ({}): each replica mints for itself until it answers again", reason);
            }
            state = new SharedTier.State("fallback", clock.instant(), reason);
        }
        return new RedisUnavailable(reason);
    }

    private void answered() {
        SharedTier.State before = state;
        if ("connected".equals(before.state())) {
            return;
        }
        synchronized (this) {
            if ("connected".equals(state.state())) {
                return;
            }
            if ("fallback".equals(state.state())) {
                log.info("Shared tier answers again: replicas share minted credentials");
            }
            state = new SharedTier.State("connected", clock.instant(), state.lastError());
        }
        rejoinHooks.forEach(Runnable::run);
    }

    // Redis could not be used: the caller goes on without it.
    static final class RedisUnavailable extends RuntimeException {
        RedisUnavailable(String reason) {
            super(reason, null, false, false);
        }
    }
}
