package dev.tokenbroker.vault;

import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.SingleFlight;
import dev.tokenbroker.support.Upstream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.vault.VaultException;
import org.springframework.vault.core.ReactiveVaultKeyValueMetadataOperations;
import org.springframework.vault.core.ReactiveVaultOperations;
import org.springframework.vault.core.ReactiveVaultVersionedKeyValueOperations;
import org.springframework.vault.support.VaultMetadataResponse;
import org.springframework.vault.support.Versioned;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code hashicorp} store: HashiCorp Vault KV version 2 through Spring Vault's reactive client. A secret
 * {@code wml-prod} is {@code GET /v1/{mount}/data/{path-prefix}wml-prod}; its version is the KV version. The latest
 * version of every secret read is kept in memory, so {@link #read} costs nothing after the first call; every poll
 * interval the metadata ({@code current_version}) of those secrets is checked, and a new version is read and emitted
 * on {@link #changes()}. {@link #reachable()} is whether the last read or poll got answers from Vault. While Vault is
 * away the versions in memory keep being served. Thread-safe.
 */
public final class HashicorpVaultSecretRepository implements SecretRepository, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(HashicorpVaultSecretRepository.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    private static final int POLL_CONCURRENCY = 4;
    private static final List<Class<? extends Throwable>> SAFE_MESSAGES = List.of(
            VaultException.class,
            WebClientResponseException.class,
            WebClientRequestException.class,
            java.net.ConnectException.class,
            java.util.concurrent.TimeoutException.class,
            java.io.UncheckedIOException.class);

    private final ReactiveVaultVersionedKeyValueOperations kv;
    private final ReactiveVaultKeyValueMetadataOperations metadata;
    private final Runnable onPermissionDenied;
    private final String mount;
    private final String pathPrefix;
    private final Duration timeout;
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final SingleFlight<String, StoredSecret> firstReads = new SingleFlight<>();
    private final Sinks.Many<StoredSecret> changes = Sinks.many().multicast().directBestEffort();
    private final Disposable poller;
    private final AutoCloseable client;
    private volatile boolean reachable = true;

    HashicorpVaultSecretRepository(
            ReactiveVaultOperations vault,
            Runnable onPermissionDenied,
            String mount,
            String pathPrefix,
            Duration pollInterval,
            Duration timeout,
            AutoCloseable client) {
        this.kv = vault.opsForVersionedKeyValue(mount);
        this.metadata = kv.opsForKeyValueMetadata();
        this.onPermissionDenied = onPermissionDenied;
        this.mount = mount;
        this.pathPrefix = pathPrefix == null ? "" : pathPrefix;
        this.timeout = timeout;
        this.client = client;
        this.poller = Flux.interval(pollInterval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> poll())
                .subscribe();
    }

    /**
     * Connects to Vault as configured; nothing is sent until the first {@link #read}.
     *
     * @throws IllegalStateException naming each setting that cannot work (one per line)
     */
    public static HashicorpVaultSecretRepository connect(HashicorpVaultProperties properties) {
        HashicorpVaultClient client = HashicorpVaultClient.create(properties);
        return new HashicorpVaultSecretRepository(
                client.operations(),
                client::resetSession,
                properties.mount(),
                properties.pathPrefix(),
                properties.pollInterval(),
                properties.connectTimeout().plus(properties.readTimeout().multipliedBy(2)),
                client);
    }

    @Override
    public Mono<StoredSecret> read(String name) {
        Known current = known.get(name);
        if (current != null) {
            return Mono.just(current.secret());
        }
        // Single flight for the first read of a secret; failures are not remembered.
        return firstReads.run(name, () -> fetch(name));
    }

    @Override
    public StoredSecret known(String name) {
        Known current = known.get(name);
        return current == null ? null : current.secret();
    }

    @Override
    public Flux<StoredSecret> changes() {
        return changes.asFlux();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    @Override
    public void destroy() throws Exception {
        log.debug("Closing the Vault client");
        poller.dispose();
        client.close();
    }

    /** Where a secret lives in Vault, for messages. */
    String location(String name) {
        return "Vault KV v2 " + mount + "/data/" + pathPrefix + name;
    }

    private Mono<StoredSecret> fetch(String name) {
        return withRelogin(() -> attempt(name))
                .doOnNext(this::remember)
                .doOnSuccess(secret -> answered())
                .doOnError(SecretNotFoundException.class, missing -> answered())
                .onErrorMap(
                        failure -> !(failure instanceof SecretNotFoundException),
                        failure -> unavailable(name, failure));
    }

    /** When Vault no longer accepts our token (revoked, or expired while Vault was away), logs in again once. */
    private <T> Mono<T> withRelogin(Supplier<Mono<T>> call) {
        return call.get().onErrorResume(HashicorpVaultSecretRepository::isPermissionDenied, denied -> {
            onPermissionDenied.run();
            return call.get();
        });
    }

    private Mono<StoredSecret> attempt(String name) {
        return kv.get(pathPrefix + name)
                .timeout(timeout)
                .filter(Versioned::hasData)
                .switchIfEmpty(Mono.error(() -> new SecretNotFoundException(name, null, location(name))))
                .map(versioned -> toStoredSecret(name, versioned));
    }

    private StoredSecret toStoredSecret(String name, Versioned<Map<String, Object>> versioned) {
        Map<String, Secret> fields = new HashMap<>();
        versioned.getRequiredData().forEach((field, value) -> {
            if (value instanceof String text && !text.isEmpty()) {
                fields.put(field, Secret.of(text));
            }
        });
        int version = versioned.getVersion().getVersion();
        return new StoredSecret(name, Integer.toString(version), fields, location(name));
    }

    /** Keeps the newest version; emits it when it replaces an older one. */
    private void remember(StoredSecret fresh) {
        int version = Integer.parseInt(fresh.version());
        Known previous = known.get(fresh.name());
        Known merged = known.merge(
                fresh.name(),
                new Known(fresh, version),
                (old, candidate) -> candidate.version() > old.version() ? candidate : old);
        if (previous != null && merged.version() > previous.version() && merged.secret() == fresh) {
            log.info(
                    "Secret '{}' has a new version in Vault: {} (was {})",
                    fresh.name(),
                    merged.version(),
                    previous.version());
            synchronized (changes) {
                changes.tryEmitNext(fresh);
            }
        }
    }

    private Mono<Boolean> poll() {
        List<String> names = List.copyOf(known.keySet());
        return Flux.fromIterable(names)
                .flatMap(this::check, POLL_CONCURRENCY)
                .all(answered -> answered)
                .doOnNext(answered -> {
                    if (answered) {
                        answered();
                    } else {
                        unanswered();
                    }
                });
    }

    /** Checks one secret's current version; true when Vault answered. */
    private Mono<Boolean> check(String name) {
        return withRelogin(() -> metadata.get(pathPrefix + name).timeout(timeout))
                .flatMap(current -> isNewer(name, current) ? fetch(name).thenReturn(true) : Mono.just(true))
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    log.warn("Secret '{}' is gone from Vault ({}); keeping the version in use", name, location(name));
                    return true;
                }))
                .onErrorResume(SecretNotFoundException.class, gone -> {
                    log.warn("Secret '{}' has no readable current version in Vault; keeping the version in use", name);
                    return Mono.just(true);
                })
                .onErrorResume(failure -> {
                    if (reachable) {
                        log.warn("Vault could not be polled for secret '{}': {}", name, describe(failure));
                    }
                    return Mono.just(false);
                });
    }

    private boolean isNewer(String name, VaultMetadataResponse current) {
        Known mine = known.get(name);
        return mine == null || current.getCurrentVersion() > mine.version();
    }

    /** Callers (and their 503 problem) learn which secret; the log gets the cause, which names Vault's address. */
    private UpstreamUnavailableException unavailable(String name, Throwable failure) {
        unanswered();
        log.warn("Vault did not give secret '{}': {}", name, describe(failure));
        String reason = isPermissionDenied(failure) ? "Vault refused to give" : "Vault could not be reached for";
        return new UpstreamUnavailableException(
                Upstream.VAULT, reason + " secret '" + name + "'", RETRY_AFTER, failure);
    }

    private void answered() {
        if (!reachable) {
            log.info("Vault answers again");
        }
        reachable = true;
    }

    private void unanswered() {
        if (reachable) {
            log.warn("Vault is unreachable or refuses the broker; serving the secret versions in memory");
        }
        reachable = false;
    }

    private static boolean isPermissionDenied(Throwable failure) {
        String message = failure.getMessage();
        return message != null && message.startsWith("Status 403");
    }

    /**
     * The failure chain's types, with messages only from types whose messages are known to hold no secret (Vault's
     * status lines and paths, connection errors); a parser's message could quote a response body, so it is left out.
     */
    private static String describe(Throwable failure) {
        StringBuilder description = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (!description.isEmpty()) {
                description.append(" <- ");
            }
            description.append(cause.getClass().getSimpleName());
            if (hasSafeMessage(cause)) {
                description.append(": ").append(cause.getMessage());
            }
        }
        return description.toString();
    }

    private static boolean hasSafeMessage(Throwable failure) {
        return failure.getMessage() != null && SAFE_MESSAGES.stream().anyMatch(type -> type.isInstance(failure));
    }

    private record Known(StoredSecret secret, int version) {}
}
