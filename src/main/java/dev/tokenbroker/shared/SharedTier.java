package dev.tokenbroker.shared;

import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.vault.SecretRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The shared tier in front of the upstreams (DESIGN §11): before a replica mints, it looks in Redis for a credential
 * another replica minted; if there is none, the replica that wins a short lease ({@code SET NX PX}) mints and writes
 * it, the others wait for it up to the lease and then mint themselves (a duplicate mint is harmless, a failed caller
 * is not). Values are AES-256-GCM encrypted ({@link SharedCipher}) and expire with the credential.
 *
 * <p>Redis never fails a caller: any error, a call slower than {@code timeout}, or a value that does not decrypt, and
 * the replica mints as it would alone; after a failure Redis is left alone for {@code backoff}, then tried again.
 * {@link #state()} ({@code connecting} until the first answer) and the {@code tokenbroker.shared.*} meters show it. With the tier disabled, {@link #disabled()}
 * mints straight away. Thread-safe.
 */
public final class SharedTier implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SharedTier.class);

    /** Counter of lookups, tag {@code outcome}: {@code hit}, {@code miss}, {@code undecryptable}, {@code fallback}. */
    public static final String LOOKUPS = "tokenbroker.shared.lookups";

    /** Counter of mint rights, tag {@code outcome}: {@code won}, {@code waited} (got the winner's), {@code takeover}. */
    public static final String LEASES = "tokenbroker.shared.leases";

    private final RedisCommands redis;
    private final SharedTierProperties properties;
    private final SecretRepository secrets;
    private final Clock clock;
    private final SecureRandom random = seededRandom();
    private final SharedCipher cipher;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private volatile long skipUntilNanos = Long.MIN_VALUE;
    private volatile State state;
    private volatile Disposable running;

    private SharedTier(
            RedisCommands redis,
            SharedTierProperties properties,
            SecretRepository secrets,
            Clock clock,
            MeterRegistry meters) {
        this.redis = redis;
        this.properties = properties;
        this.secrets = secrets;
        this.clock = clock;
        this.meters = meters;
        this.cipher = new SharedCipher(random);
        this.state = new State(redis == null ? "disabled" : "connecting", clock.instant(), null);
        if (meters != null) {
            for (String outcome : List.of("hit", "miss", "undecryptable", "fallback")) {
                counter(LOOKUPS, outcome, "Shared-tier lookups before a mint, by outcome");
            }
            for (String outcome : List.of("won", "waited", "takeover")) {
                counter(LEASES, outcome, "Shared-tier mint rights: won, waited for the winner's, taken over");
            }
        }
    }

    /** The tier on, over this Redis; the encryption key is read from the vault secret the properties name. */
    static SharedTier over(
            RedisCommands redis,
            SharedTierProperties properties,
            SecretRepository secrets,
            Clock clock,
            MeterRegistry meters) {
        return new SharedTier(redis, properties, secrets, clock, meters);
    }

    /** The tier off: every {@link #getOrMint} mints. */
    public static SharedTier disabled() {
        return new SharedTier(null, null, null, Clock.systemUTC(), null);
    }

    /**
     * Connects to Redis in the background (a {@code PING}) so that the first request finds a connection, and while
     * the tier is not {@code connected}, pings it every {@code backoff}: the tier rejoins by itself, traffic or not.
     */
    @Override
    public void start() {
        if (redis != null) {
            running = Flux.interval(Duration.ZERO, properties.backoff(), Schedulers.parallel())
                    .onBackpressureDrop()
                    .filter(tick -> !"connected".equals(state.state()))
                    .concatMap(
                            tick -> call(redis.ping()).onErrorResume(RedisUnavailable.class, failure -> Mono.empty()),
                            1)
                    .subscribe();
        }
    }

    @Override
    public void stop() {
        Disposable connecting = running;
        running = null;
        if (connecting != null) {
            connecting.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }

    /** Whether the tier is on. */
    public boolean enabled() {
        return redis != null;
    }

    /** {@code disabled}, {@code connected} or {@code fallback}, since when, and the last failure (no secret). */
    public State state() {
        return state;
    }

    /**
     * A credential shared by every replica, or a fresh one.
     *
     * @param kind {@code iam-token} or {@code iot-key}: part of the Redis key
     * @param credential the credential's name: part of the Redis key's HMAC input, never in it
     * @param masterKey the master key it is minted with: the HMAC key of the Redis key, so a new master key is a new
     *     Redis key
     * @param usable whether a shared value may be served instead of minting (e.g. not yet due for refresh)
     * @param mint mints a fresh one
     */
    public <V extends Expiring> Mono<Obtained<V>> getOrMint(
            String kind,
            String credential,
            Secret masterKey,
            SharedCodec<V> codec,
            Predicate<V> usable,
            Supplier<Mono<V>> mint) {
        if (redis == null || System.nanoTime() < skipUntilNanos) {
            if (redis != null) {
                counter(LOOKUPS, "fallback", null).increment();
            }
            return mint.get().map(Obtained::minted);
        }
        String name = SharedCipher.name(kind, credential, masterKey);
        return encryptionKey()
                .then(read(name, codec, usable))
                .flatMap(found -> {
                    counter(LOOKUPS, "hit", null).increment();
                    return Mono.just(Obtained.fromSharedTier(found));
                })
                .switchIfEmpty(Mono.defer(() -> {
                    counter(LOOKUPS, "miss", null).increment();
                    return leased(name, codec, usable, mint);
                }))
                .onErrorResume(RedisUnavailable.class, failure -> {
                    counter(LOOKUPS, "fallback", null).increment();
                    return mint.get().map(Obtained::minted);
                });
    }

    private <V extends Expiring> Mono<Obtained<V>> leased(
            String name, SharedCodec<V> codec, Predicate<V> usable, Supplier<Mono<V>> mint) {
        String lease = name + ":lease";
        byte[] id = new byte[16];
        random.nextBytes(id);
        String holder = HexFormat.of().formatHex(id);
        return call(redis.setIfAbsent(lease, holder, properties.lease()))
                .flatMap(won -> Boolean.TRUE.equals(won)
                        ? mintAndShare(name, lease, holder, codec, usable, mint)
                        : waitForWinner(name, codec, usable, mint));
    }

    // Looks again once the lease is won: the previous holder may have written between our read and our lease.
    private <V extends Expiring> Mono<Obtained<V>> mintAndShare(
            String name,
            String lease,
            String holder,
            SharedCodec<V> codec,
            Predicate<V> usable,
            Supplier<Mono<V>> mint) {
        counter(LEASES, "won", null).increment();
        return read(name, codec, usable)
                .map(Obtained::fromSharedTier)
                .switchIfEmpty(Mono.defer(() -> mintAndWrite(name, codec, mint)))
                .doFinally(signal -> call(redis.release(lease, holder))
                        .onErrorResume(RedisUnavailable.class, failure -> Mono.empty())
                        .subscribe());
    }

    // Short polls for the winner's value, up to the lease; then mint here (the winner may have died).
    private <V extends Expiring> Mono<Obtained<V>> waitForWinner(
            String name, SharedCodec<V> codec, Predicate<V> usable, Supplier<Mono<V>> mint) {
        long polls = Math.max(
                1, properties.lease().toMillis() / properties.pollInterval().toMillis());
        return Mono.delay(properties.pollInterval())
                .then(read(name, codec, usable))
                .repeatWhenEmpty((int) polls, repeat -> repeat.delayElements(properties.pollInterval()))
                .doOnNext(found -> counter(LEASES, "waited", null).increment())
                .map(Obtained::fromSharedTier)
                .switchIfEmpty(Mono.defer(() -> {
                    counter(LEASES, "takeover", null).increment();
                    return mintAndWrite(name, codec, mint);
                }));
    }

    private <V extends Expiring> Mono<Obtained<V>> mintAndWrite(
            String name, SharedCodec<V> codec, Supplier<Mono<V>> mint) {
        return mint.get().flatMap(fresh -> write(name, codec, fresh).thenReturn(Obtained.minted(fresh)));
    }

    private <V extends Expiring> Mono<V> read(String name, SharedCodec<V> codec, Predicate<V> usable) {
        return call(redis.get(name)).flatMap(value -> {
            Optional<V> decoded = cipher.decrypt(name, value).flatMap(bytes -> decode(codec, bytes));
            if (decoded.isEmpty()) {
                counter(LOOKUPS, "undecryptable", null).increment();
                return Mono.empty();
            }
            return usable.test(decoded.get()) ? Mono.just(decoded.get()) : Mono.empty();
        });
    }

    // Expires with the credential. A failed write only costs the other replicas a mint.
    private <V extends Expiring> Mono<Void> write(String name, SharedCodec<V> codec, V fresh) {
        Duration left = fresh.remaining(clock.instant());
        if (left.isNegative() || left.isZero()) {
            return Mono.empty();
        }
        return call(redis.set(name, cipher.encrypt(name, codec.encode(fresh)), left))
                .then()
                .onErrorResume(RedisUnavailable.class, failure -> Mono.empty());
    }

    // The encryption key's newest version, taken on every lookup (the vault read is in memory).
    private Mono<Void> encryptionKey() {
        return secrets.read(properties.encryptionKeySecret())
                .doOnNext(cipher::use)
                .then()
                .onErrorMap(failure -> !(failure instanceof RedisUnavailable), failure -> unavailable(failure));
    }

    // Off the event loop: Lettuce connects synchronously on first use (and after a failed start-up connect).
    private <T> Mono<T> call(Mono<T> command) {
        return command.subscribeOn(Schedulers.boundedElastic())
                .timeout(properties.timeout())
                .doOnSuccess(answer -> recovered())
                .onErrorMap(failure -> !(failure instanceof RedisUnavailable), this::unavailable);
    }

    private RedisUnavailable unavailable(Throwable failure) {
        skipUntilNanos = System.nanoTime() + properties.backoff().toNanos();
        String reason = failure instanceof java.util.concurrent.TimeoutException
                ? "timed out after " + properties.timeout().toMillis() + " ms"
                : failure.getClass().getSimpleName();
        if (!"fallback".equals(state.state()) && !"connecting".equals(state.state())) {
            log.warn("Shared tier unavailable ({}): each replica mints for itself until it answers again", reason);
            state = new State("fallback", clock.instant(), reason);
        }
        return new RedisUnavailable(reason);
    }

    // Redis answered: use it again at once, even within the backoff of an earlier failure.
    private void recovered() {
        if (skipUntilNanos != Long.MIN_VALUE) {
            skipUntilNanos = Long.MIN_VALUE;
        }
        if ("connecting".equals(state.state())) {
            state = new State("connected", clock.instant(), null);
        } else if ("fallback".equals(state.state())) {
            log.info("Shared tier answers again: replicas share minted credentials");
            state = new State("connected", clock.instant(), state.lastError());
        }
    }

    private static <V> Optional<V> decode(SharedCodec<V> codec, byte[] bytes) {
        try {
            return Optional.of(codec.decode(bytes));
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    private Counter counter(String name, String outcome, String description) {
        return counters.computeIfAbsent(
                name + "|" + outcome,
                id -> Counter.builder(name)
                        .description(description)
                        .tag("outcome", outcome)
                        .register(meters));
    }

    // Seeded once here, at start-up: SecureRandom's default may read /dev/urandom on every call, on an event loop.
    private static SecureRandom seededRandom() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[16]);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG is not available", e);
        }
    }

    /**
     * How the tier is doing.
     *
     * @param state {@code disabled}, {@code connecting}, {@code connected} or {@code fallback}
     * @param since when it got there
     * @param lastError the last failure (a timeout, an exception type), or {@code null}
     */
    public record State(String state, Instant since, String lastError) {}

    // Redis could not be used: the caller mints alone.
    private static final class RedisUnavailable extends RuntimeException {
        RedisUnavailable(String reason) {
            super(reason, null, false, false);
        }
    }
}
