package dev.tokenbroker.shared;

import dev.tokenbroker.shared.RedisLink.RedisUnavailable;
import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamBudget;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The shared tier in front of the upstreams (DESIGN §11): before a replica mints, it looks in Redis for a credential
 * another replica minted; if there is none, the replica that wins a short lease ({@code SET NX PX}, renewed while its
 * mint runs) mints and writes it, the others wait for it while the lease is held and then take their turn (a duplicate
 * mint is harmless, a failed caller is not). Values are AES-256-GCM encrypted ({@link SharedCipher}) and expire with the credential.
 *
 * <p>Timeouts by path: a cache hit never comes here. A lookup (a local miss or a due refresh, which would otherwise
 * wait on an upstream) waits on Redis up to {@code lease}; a caller who holds a credential just minted waits at most
 * {@code timeout} for it to be written (the write goes on in the background). {@link #awaitReady} connects and reads
 * the encryption key before the replica reports ready.
 *
 * <p>Redis never fails a caller: any error, a call slower than its bound, or a value that does not decrypt, and the
 * replica mints as it would alone. While Redis is known to be away ({@code fallback}) lookups do not ask it; a probe
 * does, every {@code backoff}, and its first answer brings the tier back. A credential minted meanwhile is written to
 * Redis then (unless another replica's is there by then), so replicas that start later read it instead of minting.
 * {@link #state()} and the {@code tokenbroker.shared.*} meters show it. With the tier disabled, {@link #disabled()}
 * mints straight away. Thread-safe.
 */
public final class SharedTier implements SmartLifecycle {

    /** Counter of lookups, tag {@code outcome}: {@code hit}, {@code miss}, {@code undecryptable}, {@code fallback}. */
    public static final String LOOKUPS = "tokenbroker.shared.lookups";

    /** Counter of mint rights, tag {@code outcome}: {@code won}, {@code waited} (got the winner's), {@code takeover}. */
    public static final String LEASES = "tokenbroker.shared.leases";

    /**
     * Counter of credentials minted while Redis was away and written there once it answered, tag {@code outcome}:
     * {@code written}, or {@code present} (another replica's was there first).
     */
    public static final String WRITE_BACKS = "tokenbroker.shared.write-backs";

    // A loser that finds the lease gone without a value contends again this many times, then mints alone.
    private static final int ROUNDS = 3;

    private final RedisLink link;
    private final SharedTierProperties properties;
    private final SecretRepository secrets;
    private final Clock clock;
    private final SecureRandom random = seededRandom();
    private final SharedCipher cipher;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Pending<?>> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean writingBack = new AtomicBoolean();
    private final MeterRegistry meters;

    private SharedTier(
            RedisLink link,
            SharedTierProperties properties,
            SecretRepository secrets,
            Clock clock,
            MeterRegistry meters) {
        this.link = link;
        this.properties = properties;
        this.secrets = secrets;
        this.clock = clock;
        this.meters = meters;
        this.cipher = new SharedCipher(random);
        if (link != null) {
            link.onRejoin(this::writeBack);
        }
        if (meters != null) {
            for (String outcome : List.of("hit", "miss", "undecryptable", "fallback")) {
                counter(LOOKUPS, outcome, "Shared-tier lookups before a mint, by outcome");
            }
            for (String outcome : List.of("won", "waited", "takeover")) {
                counter(LEASES, outcome, "Shared-tier mint rights: won, waited for the winner's, taken over");
            }
            for (String outcome : List.of("written", "present")) {
                counter(WRITE_BACKS, outcome, "Credentials minted while Redis was away, written once it answered");
            }
        }
    }

    /**
     * The tier on, over this link to Redis; the encryption key is read from the vault secret the properties name. No
     * Redis type is named in this class (its scripts and commands are {@link RedisLink}'s): with the tier off, Spring's
     * introspection of the bean then loads no Spring Data Redis or Lettuce class (docs/benchmarks.md#footprint).
     */
    static SharedTier over(
            RedisLink link,
            SharedTierProperties properties,
            SecretRepository secrets,
            Clock clock,
            MeterRegistry meters) {
        return new SharedTier(link, properties, secrets, clock, meters);
    }

    /** The tier off: every {@link #getOrMint} mints. */
    public static SharedTier disabled() {
        return new SharedTier(null, null, null, Clock.systemUTC(), null);
    }

    /**
     * The call budget of an upstream (DESIGN §10), kept in Redis for every replica while the tier is on and Redis
     * answers, in this replica otherwise.
     *
     * @param callsPerSecond the rate; the bucket holds one second of calls ({@code 0}: no cap, pauses only)
     * @param maxWait the longest a call waits for its turn; a later turn is refused
     */
    public UpstreamBudget budget(Upstream upstream, int callsPerSecond, Duration maxWait, MeterRegistry registry) {
        return new SharedBudget(
                link, link == null ? null : properties.lease(), upstream, callsPerSecond, maxWait, registry);
    }

    /**
     * Probes Redis every {@code backoff} while the tier is not {@code connected}: the tier rejoins by itself, traffic
     * or not.
     */
    @Override
    public void start() {
        if (link != null) {
            link.startProbing();
        }
    }

    @Override
    public void stop() {
        if (link != null) {
            link.stopProbing();
        }
    }

    @Override
    public boolean isRunning() {
        return link != null && link.probing();
    }

    /**
     * Blocks (at start-up, before the replica reports ready; never on an event loop) until Redis answers and the
     * encryption key is read, then warms the lookup's paths once (a read, the lease's script, the cipher), so that
     * the first lookup of a cold replica meets a connection and warm code. After {@code bound}, gives up: the replica
     * reports ready in {@code fallback} and mints alone until Redis answers. No-op with the tier disabled.
     */
    public void awaitReady(Duration bound) {
        if (link == null) {
            return;
        }
        Mono<Void> ready = encryptionKey()
                .then(link.probe()
                        .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, Duration.ofMillis(100))
                                .filter(RedisUnavailable.class::isInstance)))
                .then(Mono.defer(this::warmUp));
        try {
            ready.block(bound);
        } catch (RuntimeException failure) {
            link.gaveUp(
                    failure instanceof RedisUnavailable
                            ? failure.getMessage()
                            : "not connected within " + bound.toMillis() + " ms");
        }
    }

    /** Whether the tier is on. */
    public boolean enabled() {
        return link != null;
    }

    /** {@code disabled}, {@code connecting}, {@code connected} or {@code fallback}, since when, and the last failure. */
    public State state() {
        return link == null ? new State("disabled", Instant.EPOCH, null) : link.state();
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
        if (link == null) {
            return mint.get().map(Obtained::minted);
        }
        String name = SharedCipher.name(kind, credential, masterKey);
        if (!link.usable()) {
            counter(LOOKUPS, "fallback", null).increment();
            return mintAlone(name, codec, mint);
        }
        if (!pending.isEmpty()) {
            writeBack();
        }
        return encryptionKey()
                .then(read(name, codec, usable))
                .flatMap(found -> {
                    counter(LOOKUPS, "hit", null).increment();
                    return Mono.just(Obtained.fromSharedTier(found));
                })
                .switchIfEmpty(Mono.defer(() -> {
                    counter(LOOKUPS, "miss", null).increment();
                    return contend(name, codec, usable, mint, 0);
                }))
                .onErrorResume(RedisUnavailable.class, failure -> {
                    counter(LOOKUPS, "fallback", null).increment();
                    return mintAlone(name, codec, mint);
                });
    }

    // Redis away: mint here, and remember it for the write-back once Redis answers.
    private <V extends Expiring> Mono<Obtained<V>> mintAlone(
            String name, SharedCodec<V> codec, Supplier<Mono<V>> mint) {
        return mint.get().doOnNext(fresh -> remember(name, codec, fresh)).map(Obtained::minted);
    }

    private <V extends Expiring> Mono<Obtained<V>> contend(
            String name, SharedCodec<V> codec, Predicate<V> usable, Supplier<Mono<V>> mint, int round) {
        String lease = name + ":lease";
        byte[] id = new byte[16];
        random.nextBytes(id);
        String holder = HexFormat.of().formatHex(id);
        return link.call(link.setIfAbsent(lease, holder, properties.lease()), properties.lease())
                .flatMap(won -> Boolean.TRUE.equals(won)
                        ? mintAndShare(name, lease, holder, codec, usable, mint)
                        : waitForWinner(name, lease, codec, usable, mint, round));
    }

    // Looks again once the lease is won: the previous holder may have written between our read and our lease. While
    // the mint runs (an upstream call, retries, a wait for a turn in the upstream's budget), the lease is renewed every
    // third of it, so that the others keep waiting for this mint however long it takes; if this replica dies, the
    // lease lapses within one lease.
    private <V extends Expiring> Mono<Obtained<V>> mintAndShare(
            String name,
            String lease,
            String holder,
            SharedCodec<V> codec,
            Predicate<V> usable,
            Supplier<Mono<V>> mint) {
        counter(LEASES, "won", null).increment();
        Runnable release = () -> release(lease, holder);
        return read(name, codec, usable)
                .doOnNext(found -> release.run())
                .map(Obtained::fromSharedTier)
                .switchIfEmpty(Mono.defer(() -> {
                    Disposable renewal = Flux.interval(properties.lease().dividedBy(3))
                            .onBackpressureDrop()
                            .concatMap(tick -> renew(lease, holder), 1)
                            .subscribe();
                    return mint.get()
                            .doFinally(signal -> renewal.dispose())
                            .doOnError(failure -> release.run())
                            .flatMap(fresh -> share(name, codec, fresh, release));
                }));
    }

    // Polls for the winner's value while its lease is held. A lease gone without a value (the winner's mint failed,
    // or the winner died and its lease expired): contend again, a few rounds, then mint here.
    private <V extends Expiring> Mono<Obtained<V>> waitForWinner(
            String name, String lease, SharedCodec<V> codec, Predicate<V> usable, Supplier<Mono<V>> mint, int round) {
        return Mono.delay(properties.pollInterval())
                .then(look(name, lease, codec, usable))
                .flatMap(look -> {
                    if (look.value() != null) {
                        counter(LEASES, "waited", null).increment();
                        return Mono.just(Obtained.fromSharedTier(look.value()));
                    }
                    if (look.held()) {
                        return waitForWinner(name, lease, codec, usable, mint, round);
                    }
                    if (round + 1 < ROUNDS) {
                        return contend(name, codec, usable, mint, round + 1);
                    }
                    counter(LEASES, "takeover", null).increment();
                    return mint.get().flatMap(fresh -> share(name, codec, fresh, () -> {}));
                });
    }

    private <V extends Expiring> Mono<Look<V>> look(
            String name, String lease, SharedCodec<V> codec, Predicate<V> usable) {
        return read(name, codec, usable)
                .map(found -> new Look<>(found, true))
                .switchIfEmpty(Mono.defer(() -> link.call(link.hasKey(lease), properties.lease())
                        .map(held -> new Look<V>(null, Boolean.TRUE.equals(held)))));
    }

    // The write starts now and goes on in the background up to the lease (then `after`: the lease's release); the
    // caller, who holds its credential, waits for it at most `timeout`.
    private <V extends Expiring> Mono<Obtained<V>> share(String name, SharedCodec<V> codec, V fresh, Runnable after) {
        CompletableFuture<Void> written =
                write(name, codec, fresh).doFinally(signal -> after.run()).toFuture();
        return Mono.fromFuture(written, true)
                .timeout(properties.timeout())
                .onErrorResume(TimeoutException.class, slow -> Mono.empty())
                .thenReturn(Obtained.minted(fresh));
    }

    private <V extends Expiring> Mono<V> read(String name, SharedCodec<V> codec, Predicate<V> usable) {
        return link.call(link.get(name), properties.lease()).flatMap(value -> {
            Optional<V> decoded = cipher.decrypt(name, value).flatMap(bytes -> decode(codec, bytes));
            if (decoded.isEmpty()) {
                counter(LOOKUPS, "undecryptable", null).increment();
                return Mono.empty();
            }
            return usable.test(decoded.get()) ? Mono.just(decoded.get()) : Mono.empty();
        });
    }

    // Expires with the credential. A write that fails is left for the write-back: it never fails the caller.
    private <V extends Expiring> Mono<Void> write(String name, SharedCodec<V> codec, V fresh) {
        Duration left = fresh.remaining(clock.instant());
        if (left.isNegative() || left.isZero()) {
            return Mono.empty();
        }
        return link.call(link.set(name, cipher.encrypt(name, codec.encode(fresh)), left), properties.lease())
                .doOnNext(written -> pending.remove(name))
                .then()
                .onErrorResume(RedisUnavailable.class, failure -> {
                    remember(name, codec, fresh);
                    return Mono.empty();
                });
    }

    private <V extends Expiring> void remember(String name, SharedCodec<V> codec, V fresh) {
        pending.put(name, new Pending<>(codec, fresh));
    }

    // Writes what was minted while Redis was away, unless another replica's value is there by then (SET NX); one
    // write-back at a time; what fails stays for the next rejoin.
    private void writeBack() {
        if (pending.isEmpty() || !writingBack.compareAndSet(false, true)) {
            return;
        }
        encryptionKey()
                .thenMany(Flux.fromIterable(List.copyOf(pending.entrySet())))
                .concatMap(entry -> writeBack(entry.getKey(), entry.getValue()))
                .doFinally(signal -> writingBack.set(false))
                .subscribe(written -> {}, failure -> {});
    }

    private Mono<Void> writeBack(String name, Pending<?> value) {
        Duration left = value.value().remaining(clock.instant());
        if (left.isNegative() || left.isZero()) {
            pending.remove(name, value);
            return Mono.empty();
        }
        return link.call(link.setIfAbsent(name, value.sealed(cipher, name), left), properties.lease())
                .doOnNext(written -> {
                    pending.remove(name, value);
                    counter(WRITE_BACKS, Boolean.TRUE.equals(written) ? "written" : "present", null)
                            .increment();
                })
                .then();
    }

    // Fire and forget: a lease that is not released expires by itself.
    private void release(String lease, String holder) {
        link.call(link.release(lease, holder), properties.lease())
                .onErrorResume(RedisUnavailable.class, failure -> Mono.empty())
                .subscribe();
    }

    private Mono<Long> renew(String lease, String holder) {
        String millis = Long.toString(properties.lease().toMillis());
        return link.call(link.renew(lease, holder, millis), properties.lease())
                .onErrorResume(RedisUnavailable.class, failure -> Mono.empty());
    }

    // One read of an absent key and one run of the lease's script, through the cipher: the first lookup of a cold
    // JVM then finds its code paths compiled enough and the script cached by Redis.
    private Mono<Void> warmUp() {
        String absent = "tokenbroker:warm-up:" + HexFormat.of().formatHex(seed());
        cipher.decrypt(absent, cipher.encrypt(absent, new byte[16]));
        return link.call(link.get(absent), properties.lease())
                .then(link.call(link.release(absent + ":lease", "warm-up"), properties.lease()))
                .then();
    }

    // The encryption key's newest version, taken on every lookup (the vault read is in memory).
    private Mono<Void> encryptionKey() {
        return secrets.read(properties.encryptionKeySecret())
                .doOnNext(cipher::use)
                .then()
                .onErrorMap(
                        failure -> !(failure instanceof RedisUnavailable),
                        failure -> link.unavailable(
                                "encryption key: " + failure.getClass().getSimpleName()));
    }

    private byte[] seed() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return bytes;
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

    // What a waiting replica saw: the winner's value, or whether the winner's lease is still held.
    private record Look<V>(V value, boolean held) {}

    // A credential minted while Redis was away, to be written once it answers. Never printed.
    private static final class Pending<V extends Expiring> {

        private final SharedCodec<V> codec;
        private final V value;

        Pending(SharedCodec<V> codec, V value) {
            this.codec = codec;
            this.value = value;
        }

        V value() {
            return value;
        }

        String sealed(SharedCipher cipher, String name) {
            return cipher.encrypt(name, codec.encode(value));
        }
    }
}
