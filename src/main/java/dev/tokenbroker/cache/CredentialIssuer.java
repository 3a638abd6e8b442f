package dev.tokenbroker.cache;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialType;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.iot.IotAppKey;
import dev.tokenbroker.iot.IotKeyProvider;
import dev.tokenbroker.iot.IotMasterKey;
import dev.tokenbroker.iot.IotMasterKeys;
import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.shared.SharedTier;
import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issues credentials (IAM tokens, WIoTP keys) from the cache: resolves the master-key version in service for a
 * credential, asks the cache, and mints on a miss. Callers and policy are not its concern. Thread-safe.
 *
 * <p>Rotation is make-before-break: a new master-key version in the vault is proven by one successful mint (an IAM
 * token; for an {@code iot-app} credential, an authenticated list of the organisation's keys, which mints nothing)
 * before anything changes for callers. Until then the version in service keeps serving and minting; a version that
 * fails its proof is reported once to the {@link RotationListener} and tried again with backoff. The moment it
 * succeeds, it is in service and credentials minted with older versions are dropped from the cache (WIoTP keys stay
 * valid until their {@code expires_at}; the ledger revokes them then).
 *
 * <p>Keyless credentials go through the same IAM token cache: an {@code iam-trusted-profile} credential has no master
 * key, so its entry's version is the constant {@link #PROFILE_VERSION} and it never rotates (the compute-resource
 * token file is read afresh at each mint). An {@code iam-assume} credential's entry is keyed by its secret's version,
 * like an {@code iam-apikey} one's, and rotates with it; its mint takes the master key's token from the entry of an
 * {@code iam-apikey} credential of the same secret (the one named like the secret, else the first by name: one apikey
 * mint serves both), or, when there is none, from its own entry in the {@value #MASTER_TOKENS} cache, which callers
 * never get.
 */
public final class CredentialIssuer implements IotMasterKeys, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CredentialIssuer.class);

    /** The master-key version in the cache keys of an {@code iam-trusted-profile} credential, which has none. */
    public static final String PROFILE_VERSION = "profile";

    /** The kind of the cache of master-key tokens that {@code iam-assume} credentials trade (never served). */
    public static final String MASTER_TOKENS = "iam-master-token";

    // WIoTP expiries are to the second.
    private static final Duration EXPIRY_PRECISION = Duration.ofSeconds(1);

    // How long the master key's token must still live when an assume grant presents it.
    private static final Duration MASTER_MIN_VALID = Duration.ofSeconds(60);

    private final CredentialRegistry registry;
    private final SecretRepository secrets;
    private final TokenCache<IamToken> iamTokens;
    private final TokenCache<IotAppKey> iotKeys;
    private final TokenCache<IamToken> masterTokens;
    private final KeylessMints keyless;
    private final IotKeyProvider iot;
    private final Clock clock;
    private final double shareWhileLeft;
    private final MasterKeyRotation rotation;
    private final SharedTier shared;
    private final double sharedUsableUntil;
    private final List<RotationListener> rotationListeners = new CopyOnWriteArrayList<>();
    private volatile Disposable rotationWatch;

    public CredentialIssuer(
            CredentialRegistry registry,
            SecretRepository secrets,
            IamTokenProvider iam,
            IotKeyProvider iot,
            CacheProperties properties,
            Clock clock,
            SharedTier shared) {
        this.registry = registry;
        this.shared = shared;
        // A shared token is taken instead of minting until the earliest point any replica may refresh it.
        this.sharedUsableUntil = properties.refreshAt() - properties.refreshJitter();
        this.secrets = secrets;
        this.iot = iot;
        this.clock = clock;
        this.shareWhileLeft = 1 - properties.refreshAt();
        this.rotation = new MasterKeyRotation(properties.retryInterval(), secrets::known);
        this.keyless = new KeylessMints(iam, shared, this::notDueYet);
        this.iamTokens = new TokenCache<>("iam-token", Upstream.IAM, key -> mintIamToken(key, iam), properties, clock);
        this.iotKeys = new TokenCache<>("iot-key", Upstream.WIOTP, this::mintIotKey, properties, clock);
        this.masterTokens = new TokenCache<>(
                MASTER_TOKENS, Upstream.IAM, key -> mintWithApikey(MASTER_TOKENS, key, iam), properties, clock);
    }

    /**
     * An IAM token for a credential of a type that mints them ({@code iam-apikey}, {@code iam-trusted-profile},
     * {@code iam-assume}), valid for at least {@code minValid}.
     *
     * @return the token, or {@link dev.tokenbroker.problem.UpstreamException} / {@link SecretNotFoundException}
     */
    public Mono<IamToken> iamToken(Credential credential, Duration minValid) {
        if (credential.type() == CredentialType.IAM_TRUSTED_PROFILE) {
            return iamTokens.get(new CacheKey(credential.name(), PROFILE_VERSION, List.of()), minValid);
        }
        return serving(credential)
                .flatMap(secret ->
                        iamTokens.get(new CacheKey(credential.name(), secret.version(), List.of()), minValid));
    }

    /**
     * A WIoTP application key of an {@code iot-app} credential with these roles. Callers asking for the same credential
     * and roles share one key while more than {@code 1 - refresh-at} (20%) of its life is left; it is replaced in the
     * background once {@code refresh-at} of its life has passed. Every key stays valid until the {@code expiresAt} it
     * was handed out with, and is revoked then (see {@link dev.tokenbroker.iot.IotKeySweeper}).
     *
     * @param roles WIoTP role ids, already checked against policy
     * @return the key, or {@link dev.tokenbroker.problem.UpstreamException} / {@link SecretNotFoundException}
     */
    public Mono<IotAppKey> iotKey(Credential credential, Set<String> roles) {
        // A key's expiresAt is cut to the second (IotKeyProvider), so it lives up to a second less than the ttl: the
        // share limit allows for that second, or a key could stop being shared before its refresh is due.
        Duration minValid = Duration.ofMillis((long) (ttl(credential).toMillis() * shareWhileLeft))
                .minus(EXPIRY_PRECISION);
        return serving(credential)
                .flatMap(secret ->
                        iotKeys.get(new CacheKey(credential.name(), secret.version(), List.copyOf(roles)), minValid));
    }

    /** The operator key in service for an {@code iot-app} credential (during a rotation, the proven one). */
    @Override
    public Mono<IotMasterKey> of(String credential) {
        return Mono.justOrEmpty(registry.find(credential))
                .switchIfEmpty(Mono.error(() -> new SecretNotFoundException(credential, null)))
                .flatMap(this::serving)
                .map(CredentialIssuer::masterKey);
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

    /**
     * Every cache this issuer fills, for operations: IAM tokens, WIoTP keys, and the master-key tokens of
     * {@code iam-assume} credentials (see {@link #cacheKinds}).
     */
    public List<TokenCache<?>> caches() {
        return List.of(iamTokens, iotKeys, masterTokens);
    }

    /**
     * The kinds of the caches that hold entries of this credential: {@code iot-key} or {@code iam-token}, and
     * {@value #MASTER_TOKENS} for an {@code iam-assume} credential that no {@code iam-apikey} credential of its
     * secret serves.
     */
    public List<String> cacheKinds(Credential credential) {
        if (credential.type() == CredentialType.IOT_APP) {
            return List.of(iotKeys.kind());
        }
        if (credential.type() == CredentialType.IAM_ASSUME && apikeyUser(credential.secret()) == null) {
            return List.of(iamTokens.kind(), MASTER_TOKENS);
        }
        return List.of(iamTokens.kind());
    }

    /** Secrets whose newest version waits for its proof, for health and operators. */
    public List<PendingRotation> pendingRotations() {
        return rotation.pending();
    }

    /** Adds a listener told about rotations (metrics, audit). */
    public void addRotationListener(RotationListener listener) {
        rotationListeners.add(listener);
    }

    /** Starts the proof of every new master-key version whose next attempt is due; returns at once. */
    public void proveDue() {
        registry.all().stream()
                .map(Credential::secret)
                .filter(Objects::nonNull)
                .distinct()
                .forEach(this::proveDue);
    }

    @Override
    public void start() {
        rotationWatch = secrets.changes().subscribe(this::onNewVersion);
    }

    @Override
    public void stop() {
        Disposable watch = rotationWatch;
        rotationWatch = null;
        if (watch != null) {
            watch.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return rotationWatch != null;
    }

    private Mono<StoredSecret> serving(Credential credential) {
        return secrets.read(credential.secret()).map(newest -> {
            StoredSecret serving = rotation.serving(newest);
            if (!serving.version().equals(newest.version())) {
                proveDue(credential.secret());
            }
            return serving;
        });
    }

    private void onNewVersion(StoredSecret newest) {
        rotation.serving(newest);
        proveDue(newest.name());
    }

    private void proveDue(String secret) {
        StoredSecret candidate = rotation.dueCandidate(secret, clock.instant());
        if (candidate != null) {
            prove(candidate).subscribe(proven -> {}, failure -> refused(candidate, failure), () -> rotated(candidate));
        }
    }

    // One mint with the new version: an IAM token of its API key (cached, so it serves at once; for a secret that only
    // iam-assume credentials use, in the master-token cache), or for WIoTP an authenticated list.
    private Mono<Void> prove(StoredSecret candidate) {
        List<Credential> users = users(candidate.name());
        Credential iam = apikeyUser(candidate.name());
        if (iam != null) {
            return iamTokens
                    .get(new CacheKey(iam.name(), candidate.version(), List.of()), Duration.ZERO)
                    .then();
        }
        Credential assume = users.stream()
                .filter(credential -> credential.type() == CredentialType.IAM_ASSUME)
                .findFirst()
                .orElse(null);
        if (assume != null) {
            return masterTokens
                    .get(new CacheKey(assume.name(), candidate.version(), List.of()), Duration.ZERO)
                    .then();
        }
        Credential device = users.get(0);
        return Mono.fromCallable(() -> masterKey(candidate))
                .flatMapMany(master -> iot.list(device.org(), master).take(1))
                .then();
    }

    private void rotated(StoredSecret candidate) {
        if (!rotation.proven(candidate)) {
            return;
        }
        for (Credential credential : users(candidate.name())) {
            for (TokenCache<?> cache : caches()) {
                int dropped = cache.evictOtherVersions(credential.name(), candidate.version());
                if (dropped > 0) {
                    log.info(
                            "Master key of credential '{}' rotated to version {}: dropped {} cached {} entries",
                            credential.name(),
                            candidate.version(),
                            dropped,
                            cache.kind());
                }
            }
        }
        rotationListeners.forEach(listener -> listener.rotated(candidate.name(), candidate.version()));
    }

    private void refused(StoredSecret candidate, Throwable failure) {
        String error = failure instanceof SecretNotFoundException missing
                ? missing.getMessage()
                : UpstreamCalls.describe(failure);
        if (rotation.refused(candidate, error, clock.instant())) {
            log.warn(
                    "New version {} of secret '{}' cannot mint ({}): the version in service keeps serving; retrying"
                            + " with backoff",
                    candidate.version(),
                    candidate.name(),
                    error);
            rotationListeners.forEach(listener -> listener.refused(candidate.name(), candidate.version(), error));
        }
    }

    private List<Credential> users(String secret) {
        return registry.all().stream()
                .filter(credential -> Objects.equals(credential.secret(), secret))
                .toList();
    }

    // The iam-apikey credential of the secret whose tokens iam-assume credentials of it trade, and whose mint proves a
    // new version: the one named like the secret, else the first by name.
    private Credential apikeyUser(String secret) {
        List<Credential> apikeys = users(secret).stream()
                .filter(credential -> credential.type() == CredentialType.IAM_APIKEY)
                .toList();
        return apikeys.stream()
                .filter(credential -> credential.name().equals(secret))
                .findFirst()
                .orElse(apikeys.isEmpty() ? null : apikeys.get(0));
    }

    private Mono<Obtained<IamToken>> mintIamToken(CacheKey key, IamTokenProvider iam) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        return switch (credential.type()) {
            case IAM_TRUSTED_PROFILE -> keyless.trustedProfile(credential);
            case IAM_ASSUME ->
                secretAt(key)
                        .flatMap(secret -> keyless.assume(
                                credential, secret.require("apikey"), masterToken(credential, key.secretVersion())));
            default -> mintWithApikey("iam-token", key, iam);
        };
    }

    // The master key's token an iam-assume credential trades, of the master-key version its own entry is keyed by.
    private Mono<IamToken> masterToken(Credential assume, String version) {
        Credential sibling = apikeyUser(assume.secret());
        return sibling != null
                ? iamTokens.get(new CacheKey(sibling.name(), version, List.of()), MASTER_MIN_VALID)
                : masterTokens.get(new CacheKey(assume.name(), version, List.of()), MASTER_MIN_VALID);
    }

    // Through the shared tier when it is on: another replica's token, or one minted here and shared.
    private Mono<Obtained<IamToken>> mintWithApikey(String kind, CacheKey key, IamTokenProvider iam) {
        return secretAt(key).flatMap(secret -> {
            Secret apikey = secret.require("apikey");
            return shared.getOrMint(
                    kind, key.credential(), apikey, IamTokenCodec.INSTANCE, this::notDueYet, () -> iam.mint(apikey));
        });
    }

    private boolean notDueYet(Expiring token) {
        Instant now = clock.instant();
        long lifeMillis = token.lifetime().toMillis();
        return now.isBefore(token.issuedAt().plusMillis((long) (lifeMillis * sharedUsableUntil)));
    }

    // Through the shared tier when it is on: one live key per (credential, roles) cluster-wide. Only the replica that
    // minted a key tracks it (its ledger revokes it at expiry); the others hand out the same key from Redis.
    private Mono<Obtained<IotAppKey>> mintIotKey(CacheKey key) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        return secretAt(key).flatMap(secret -> {
            IotMasterKey master = masterKey(secret);
            return shared.getOrMint(
                    "iot-key",
                    credential.name() + "|" + String.join(",", key.roles()),
                    master.token(),
                    IotAppKeyCodec.INSTANCE,
                    this::notDueYet,
                    () -> iot.mint(credential.name(), credential.org(), ttl(credential), key.roles(), master));
        });
    }

    // The fields of the version the key names (proven or candidate), read again from the vault if it is not known.
    private Mono<StoredSecret> secretAt(CacheKey key) {
        Credential credential = registry.find(key.credential()).orElseThrow();
        StoredSecret known = rotation.version(credential.secret(), key.secretVersion());
        return known != null ? Mono.just(known) : serving(credential);
    }

    private static IotMasterKey masterKey(StoredSecret secret) {
        return new IotMasterKey(secret.require("apikey"), secret.require("token"));
    }

    private static Duration ttl(Credential credential) {
        return credential.ttl() == null ? Duration.ofHours(1) : credential.ttl();
    }
}
