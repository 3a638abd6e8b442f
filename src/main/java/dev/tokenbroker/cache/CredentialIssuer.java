package dev.tokenbroker.cache;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.vault.SecretNotFoundException;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issues credentials from the cache: resolves a credential's current master-key version, asks the cache, and mints
 * from the vault on a miss. Drops entries minted with a master key as soon as the vault shows a new version.
 * Callers and policy are not its concern. Thread-safe.
 */
public final class CredentialIssuer implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(CredentialIssuer.class);

    private final CredentialRegistry registry;
    private final SecretRepository secrets;
    private final TokenCache<IamToken> iamTokens;
    private final Disposable rotationWatch;

    public CredentialIssuer(
            CredentialRegistry registry,
            SecretRepository secrets,
            IamTokenProvider iam,
            CacheProperties properties,
            java.time.Clock clock) {
        this.registry = registry;
        this.secrets = secrets;
        this.iamTokens = new TokenCache<>("iam-token", key -> mintIamToken(key, iam), retired -> {}, properties, clock);
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
        return List.of(iamTokens);
    }

    @Override
    public void destroy() {
        rotationWatch.dispose();
    }

    private Mono<IamToken> mintIamToken(CacheKey key, IamTokenProvider iam) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        return secrets.read(credential.secret()).flatMap(secret -> iam.mint(secret.require("apikey")));
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
