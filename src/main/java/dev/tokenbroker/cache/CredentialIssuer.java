package dev.tokenbroker.cache;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.iot.IotAppKey;
import dev.tokenbroker.iot.IotKeyProvider;
import dev.tokenbroker.iot.IotMasterKey;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.vault.SecretNotFoundException;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issues credentials (IAM tokens, WIoTP keys) from the cache: resolves a credential's current master-key version, asks
 * the cache, and mints from the vault on a miss. Drops entries minted with a master key as soon as the vault shows a
 * new version; WIoTP keys that leave the cache are revoked on the platform. Callers and policy are not its concern.
 * Thread-safe.
 */
public final class CredentialIssuer implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(CredentialIssuer.class);

    private final CredentialRegistry registry;
    private final SecretRepository secrets;
    private final TokenCache<IamToken> iamTokens;
    private final TokenCache<IotAppKey> iotKeys;
    private final IotKeyProvider iot;
    private final double shareWhileLeft;
    private final Disposable rotationWatch;

    public CredentialIssuer(
            CredentialRegistry registry,
            SecretRepository secrets,
            IamTokenProvider iam,
            IotKeyProvider iot,
            CacheProperties properties,
            java.time.Clock clock) {
        this.registry = registry;
        this.secrets = secrets;
        this.iot = iot;
        this.shareWhileLeft = 1 - properties.refreshAt();
        this.iamTokens = new TokenCache<>(
                "iam-token", Upstream.IAM, key -> mintIamToken(key, iam), retired -> {}, properties, clock);
        this.iotKeys = new TokenCache<>("iot-key", Upstream.WIOTP, this::mintIotKey, this::revoke, properties, clock);
        this.rotationWatch = secrets.changes().subscribe(this::onNewVersion);
    }

    /**
     * An IAM token for an {@code iam-apikey} credential, valid for at least {@code minValid}.
     *
     * @return the token, or {@link dev.tokenbroker.support.UpstreamException} / {@link SecretNotFoundException}
     */
    public Mono<IamToken> iamToken(Credential credential, Duration minValid) {
        return secrets.read(credential.secret())
                .flatMap(secret ->
                        iamTokens.get(new CacheKey(credential.name(), secret.version(), List.of()), minValid));
    }

    /**
     * A WIoTP application key of an {@code iot-app} credential with these roles. Callers asking for the same credential
     * and roles share one key while more than {@code 1 - refresh-at} (20%) of its life is left; it is replaced in the
     * background once {@code refresh-at} of its life has passed, and every key that leaves the cache (replaced,
     * expired, evicted, minted with an old master key) is revoked on the platform.
     *
     * @param roles WIoTP role ids, already checked against policy
     * @return the key, or {@link dev.tokenbroker.support.UpstreamException} / {@link SecretNotFoundException}
     */
    public Mono<IotAppKey> iotKey(Credential credential, Set<String> roles) {
        Duration minValid = Duration.ofMillis((long) (ttl(credential).toMillis() * shareWhileLeft));
        return secrets.read(credential.secret())
                .flatMap(secret ->
                        iotKeys.get(new CacheKey(credential.name(), secret.version(), List.copyOf(roles)), minValid));
    }

    /**
     * Keeps the credential's IAM tokens refreshed ahead even when no caller asks for them (file sinks). See
     * {@link TokenCache#keepWarm(String)}.
     */
    public void keepWarm(Credential credential) {
        iamTokens.keepWarm(credential.name());
    }

    /**
     * Every IAM token minted for the credential from now on (first mints and refreshes, any master-key version). Hot,
     * no replay; see {@link TokenCache#mints()} for threading.
     */
    public Flux<IamToken> iamTokenMints(Credential credential) {
        return iamTokens
                .mints()
                .filter(minted -> minted.key().credential().equals(credential.name()))
                .map(Minted::value);
    }

    /** Whether an IAM token of the credential is cached now (does not count as a request). */
    public boolean holdsIamToken(Credential credential) {
        return iamTokens.holds(credential.name());
    }

    /** Every cache this issuer fills, for operations. */
    public List<TokenCache<?>> caches() {
        return List.of(iamTokens, iotKeys);
    }

    @Override
    public void destroy() {
        rotationWatch.dispose();
    }

    private Mono<IamToken> mintIamToken(CacheKey key, IamTokenProvider iam) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        return secrets.read(credential.secret()).flatMap(secret -> iam.mint(secret.require("apikey")));
    }

    private Mono<IotAppKey> mintIotKey(CacheKey key) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        return secrets.read(credential.secret())
                .flatMap(secret ->
                        iot.mint(credential.name(), credential.org(), ttl(credential), key.roles(), masterKey(secret)));
    }

    // Fire and forget: called from the cache's removal listener and from refreshes, which must not wait on the
    // platform. A key whose revoke fails is deleted by the IotKeySweeper once its expiresAt has passed.
    private void revoke(IotAppKey key) {
        Credential credential = registry.find(key.credential()).orElse(null);
        if (credential == null) {
            return;
        }
        secrets.read(credential.secret())
                .flatMap(secret -> iot.revoke(key.org(), key.key(), masterKey(secret)))
                .subscribe(
                        deleted -> log.debug("Revoked a WIoTP key of credential '{}' ({})", key.credential(), key),
                        failure -> log.warn(
                                "Revoking a WIoTP key of credential '{}' failed: {}; the sweeper deletes it after {}",
                                key.credential(),
                                UpstreamCalls.describe(failure),
                                key.expiresAt()));
    }

    private static IotMasterKey masterKey(StoredSecret secret) {
        return new IotMasterKey(secret.require("apikey"), secret.require("token"));
    }

    private static Duration ttl(Credential credential) {
        return credential.ttl() == null ? Duration.ofHours(1) : credential.ttl();
    }

    private void onNewVersion(StoredSecret secret) {
        for (Credential credential : registry.all()) {
            if (credential.secret().equals(secret.name())) {
                for (TokenCache<?> cache : caches()) {
                    int dropped = cache.evictOtherVersions(credential.name(), secret.version());
                    if (dropped > 0) {
                        log.info(
                                "Master key of credential '{}' changed: dropped {} cached {} entries",
                                credential.name(),
                                dropped,
                                cache.kind());
                    }
                }
            }
        }
    }
}
