package dev.tokenbroker.iot;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialType;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Deletes the keys this broker minted once their time is up, whatever happened to the broker in between (a crash
 * before a revoke, a revoke that failed, a replica that is gone): at {@link #start()} and then every
 * {@code tokenbroker.iot.sweep-interval}, it lists the keys of every organisation an {@code iot-app} credential
 * names and deletes those whose comment carries this broker's tag and whose {@code expiresAt} has passed. Keys
 * without the tag, and tagged keys still within their time, are never touched. Thread-safe.
 */
public final class IotKeySweeper {

    private static final Logger log = LoggerFactory.getLogger(IotKeySweeper.class);

    private final CredentialRegistry registry;
    private final SecretRepository secrets;
    private final IotKeyProvider provider;
    private final IotProperties properties;
    private final Clock clock;
    private final AtomicReference<Disposable> ticks = new AtomicReference<>();

    public IotKeySweeper(
            CredentialRegistry registry,
            SecretRepository secrets,
            IotKeyProvider provider,
            IotProperties properties,
            Clock clock) {
        this.registry = registry;
        this.secrets = secrets;
        this.provider = provider;
        this.properties = properties;
        this.clock = clock;
    }

    /** Sweeps now and then every {@code sweep-interval}, in the background; a failed sweep is logged and retried. */
    public void start() {
        Disposable running = Flux.interval(java.time.Duration.ZERO, properties.sweepInterval(), Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(failure -> Mono.empty()), 1)
                .subscribe();
        Disposable previous = ticks.getAndSet(running);
        if (previous != null) {
            previous.dispose();
        }
    }

    /** Stops the periodic sweep. */
    public void stop() {
        Disposable running = ticks.getAndSet(null);
        if (running != null) {
            running.dispose();
        }
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

    private Mono<Integer> sweep(Credential credential) {
        return secrets.read(credential.secret())
                .map(secret -> new IotMasterKey(secret.require("apikey"), secret.require("token")))
                .flatMap(master -> {
                    Instant now = clock.instant();
                    return provider.list(credential.org(), master)
                            .filter(key -> provider.isTagged(key.comment()))
                            .filter(key ->
                                    key.expiresAt() != null && !key.expiresAt().isAfter(now))
                            // List everything before deleting anything, so that no paging scheme can skip a key.
                            .collectList()
                            .flatMapMany(Flux::fromIterable)
                            .concatMap(key -> provider.revoke(credential.org(), key.key(), master))
                            .filter(Boolean::booleanValue)
                            .count()
                            .map(Long::intValue);
                })
                .doOnNext(deleted -> {
                    if (deleted > 0) {
                        log.info("Swept {} expired key(s) of WIoTP organisation '{}'", deleted, credential.org());
                    }
                })
                .onErrorResume(failure -> {
                    log.warn(
                            "Sweeping expired keys of WIoTP organisation '{}' failed: {}",
                            credential.org(),
                            failure.getClass().getSimpleName() + ": " + safeMessage(failure));
                    return Mono.just(0);
                });
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

    // Our own exceptions name the upstream and status only; anything else is reduced to its type.
    private static String safeMessage(Throwable failure) {
        return failure instanceof dev.tokenbroker.support.UpstreamException
                        || failure instanceof dev.tokenbroker.vault.SecretNotFoundException
                ? failure.getMessage()
                : "(no detail)";
    }
}
