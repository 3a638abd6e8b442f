package dev.tokenbroker.iot;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialType;
import dev.tokenbroker.support.UpstreamCalls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Makes sure no WIoTP key this broker minted outlives its time, whatever happened in between (a create that timed
 * out, a revocation that failed, a replica that is gone):
 *
 * <ul>
 *   <li>every {@code revocation-interval}, revokes the {@linkplain IotKeyLedger tracked} keys whose {@code expiresAt}
 *       has come (not before: a caller was promised that time), retrying failures with backoff;
 *   <li>at start-up, every {@code sweep-interval}, and right after a failed create or revocation, lists the keys of
 *       every organisation an {@code iot-app} credential names and deletes the tagged keys whose {@code expiresAt}
 *       has passed (whichever process made them) and the keys tagged by this process that it neither tracks nor is
 *       still creating.
 * </ul>
 *
 * Keys without the tag, and other processes' tagged keys still within their time, are never touched. Runs between
 * {@link #start()} and {@link #stop()}; thread-safe.
 */
public final class IotKeySweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(IotKeySweeper.class);

    /** Counter of revocations at expiry, tag {@code outcome}: {@code revoked}, {@code gone}, {@code failed}. */
    public static final String REVOCATIONS_METER = "tokenbroker.iot.revocations";

    /** Counter of keys the sweep deleted, tag {@code reason}: {@code expired}, {@code untracked}. */
    public static final String SWEPT_METER = "tokenbroker.iot.swept";

    private final CredentialRegistry registry;
    private final IotMasterKeys masterKeys;
    private final IotKeyProvider provider;
    private final IotKeyLedger ledger;
    private final IotProperties properties;
    private final Clock clock;
    private final Set<String> revoking = ConcurrentHashMap.newKeySet();
    private final Set<String> reportedOverdue = ConcurrentHashMap.newKeySet();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private volatile Disposable running;

    public IotKeySweeper(
            CredentialRegistry registry,
            IotMasterKeys masterKeys,
            IotKeyProvider provider,
            IotKeyLedger ledger,
            IotProperties properties,
            Clock clock,
            MeterRegistry meters) {
        this.registry = registry;
        this.masterKeys = masterKeys;
        this.provider = provider;
        this.ledger = ledger;
        this.properties = properties;
        this.clock = clock;
        this.meters = meters;
        for (String outcome : new String[] {"revoked", "gone", "failed"}) {
            counter(REVOCATIONS_METER, "outcome", outcome, "WIoTP keys revoked at their expiresAt, by outcome");
        }
        for (String reason : new String[] {"expired", "untracked"}) {
            counter(SWEPT_METER, "reason", reason, "WIoTP keys deleted by the sweep, by reason");
        }
        Gauge.builder("tokenbroker.iot.keys.tracked", ledger, IotKeyLedger::size)
                .description("WIoTP keys minted by this process and not yet revoked")
                .register(meters);
    }

    @Override
    public void start() {
        Flux<Boolean> requests = Flux.merge(
                Flux.interval(java.time.Duration.ZERO, properties.sweepInterval(), Schedulers.parallel())
                        .map(tick -> true),
                ledger.sweepRequests());
        Flux<Integer> sweeps =
                requests.onBackpressureLatest().concatMap(request -> sweep().onErrorResume(failure -> Mono.empty()), 1);
        Flux<Integer> revocations = Flux.interval(properties.revocationInterval(), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> revokeDue().onErrorResume(failure -> Mono.empty()), 1);
        running = Disposables.composite(sweeps.subscribe(), revocations.subscribe());
    }

    @Override
    public void stop() {
        Disposable current = running;
        running = null;
        if (current != null) {
            current.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }

    /**
     * Revokes every tracked key whose time has come and whose last failed attempt is old enough.
     *
     * @return how many revocations were attempted
     */
    public Mono<Integer> revokeDue() {
        Instant now = clock.instant();
        return Flux.fromIterable(ledger.due(now))
                .filter(key -> revoking.add(key.key()))
                .flatMap(key -> revoke(key, now).doFinally(signal -> revoking.remove(key.key())), 4)
                .count()
                .map(Long::intValue);
    }

    /**
     * One sweep over every organisation.
     *
     * @return how many keys were deleted; organisations that could not be swept are logged and skipped
     */
    public Mono<Integer> sweep() {
        return Flux.fromIterable(oneCredentialPerOrg().values())
                .concatMap(this::sweep)
                .reduce(0, Integer::sum);
    }

    private Mono<Void> revoke(IotKeyLedger.Tracked key, Instant now) {
        return masterKeys
                .of(key.credential())
                .flatMap(master -> provider.revoke(key.org(), key.key(), master))
                .doOnNext(deleted -> {
                    ledger.revoked(key.key());
                    reportedOverdue.remove(key.key());
                    counter(REVOCATIONS_METER, "outcome", deleted ? "revoked" : "gone", null)
                            .increment();
                    log.debug("Revoked a WIoTP key of credential '{}' at its expiry", key.credential());
                })
                .onErrorResume(failure -> {
                    ledger.revocationFailed(key.key(), clock.instant());
                    ledger.requestSweep();
                    counter(REVOCATIONS_METER, "outcome", "failed", null).increment();
                    boolean overdue = now.isAfter(key.expiresAt().plus(properties.revocationRetryBudget()));
                    if (overdue && reportedOverdue.add(key.key())) {
                        log.error(
                                "A WIoTP key of credential '{}' is still alive {} after its expiry ({}); retrying",
                                key.credential(),
                                properties.revocationRetryBudget(),
                                UpstreamCalls.describe(failure));
                    } else {
                        log.warn(
                                "Revoking a WIoTP key of credential '{}' failed ({}); retrying with backoff",
                                key.credential(),
                                UpstreamCalls.describe(failure));
                    }
                    return Mono.empty();
                })
                .then();
    }

    private Mono<Integer> sweep(Credential credential) {
        return masterKeys
                .of(credential.name())
                .flatMap(master -> {
                    Instant now = clock.instant();
                    return provider.list(credential.org(), master)
                            .filter(key -> provider.isTagged(key.comment()))
                            // List everything before deleting anything, so that no paging scheme can skip a key.
                            .collectList()
                            .flatMapMany(Flux::fromIterable)
                            .filter(key -> reason(key, now) != null)
                            .concatMap(key -> provider.revoke(credential.org(), key.key(), master)
                                    .filter(Boolean::booleanValue)
                                    .doOnNext(deleted -> {
                                        ledger.revoked(key.key());
                                        counter(SWEPT_METER, "reason", reason(key, now), null)
                                                .increment();
                                    }))
                            .count()
                            .map(Long::intValue);
                })
                .doOnNext(deleted -> {
                    if (deleted > 0) {
                        log.info("Swept {} key(s) of WIoTP organisation '{}'", deleted, credential.org());
                    }
                })
                .onErrorResume(failure -> {
                    log.warn(
                            "Sweeping keys of WIoTP organisation '{}' failed: {}",
                            credential.org(),
                            UpstreamCalls.describe(failure));
                    return Mono.just(0);
                });
    }

    // Why a tagged key must go, or null when it stays.
    private String reason(ListedIotKey key, Instant now) {
        if (key.expiresAt() != null && !key.expiresAt().isAfter(now)) {
            return "expired";
        }
        boolean ours = ledger.instance().equals(IotKeyProvider.instanceOf(key.comment()));
        String nonce = IotKeyProvider.nonceOf(key.comment());
        if (ours && !ledger.tracks(key.key()) && (nonce == null || !ledger.isCreating(nonce))) {
            return "untracked";
        }
        return null;
    }

    // Listing one organisation once is enough: every operator key of it sees the same keys.
    private Map<String, Credential> oneCredentialPerOrg() {
        Map<String, Credential> byOrg = new LinkedHashMap<>();
        for (Credential credential : registry.all()) {
            if (credential.type() == CredentialType.IOT_APP) {
                byOrg.putIfAbsent(credential.org(), credential);
            }
        }
        return byOrg;
    }

    private Counter counter(String name, String tag, String value, String description) {
        return counters.computeIfAbsent(
                name + "|" + value,
                id -> Counter.builder(name)
                        .description(description)
                        .tag(tag, value)
                        .register(meters));
    }
}
