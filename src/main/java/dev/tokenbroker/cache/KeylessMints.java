package dev.tokenbroker.cache;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.shared.SharedTier;
import dev.tokenbroker.support.Obtained;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

// The mints of the keyless credential types (DESIGN §1, §4), through the shared tier like an apikey credential's:
// a trusted profile's token for the compute-resource token, read from its file afresh for every mint (the kubelet
// rotates it; a new content is no rotation to prove, just the next mint's input), and a trusted profile's token
// assumed with a master key's token.
final class KeylessMints {

    // How long a missing or unreadable compute-resource token file keeps callers away: the kubelet writes it anew
    // within seconds when it can.
    private static final Duration UNREADABLE_RETRY_AFTER = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(KeylessMints.class);

    // The shared tier's Redis key is an HMAC under a credential's master key; a trusted profile has none, so its key
    // is an HMAC under this constant over the credential's name and profile (no secret goes into either).
    private static final Secret NO_MASTER_KEY = Secret.of("token-broker/iam-trusted-profile");

    private final IamTokenProvider iam;
    private final SharedTier shared;
    private final Predicate<IamToken> sharedUsable;

    KeylessMints(IamTokenProvider iam, SharedTier shared, Predicate<IamToken> sharedUsable) {
        this.iam = iam;
        this.shared = shared;
        this.sharedUsable = sharedUsable;
    }

    /** A token of an {@code iam-trusted-profile} credential's profile, for the token its file holds now. */
    Mono<Obtained<IamToken>> trustedProfile(Credential credential) {
        return shared.getOrMint(
                "iam-token",
                sharedName(credential),
                NO_MASTER_KEY,
                IamTokenCodec.INSTANCE,
                sharedUsable,
                () -> crToken(credential).flatMap(crToken -> iam.mintForProfile(crToken, credential.profile())));
    }

    /**
     * A token of an {@code iam-assume} credential's profile, assumed with {@code masterToken} (subscribed only when
     * the shared tier has none).
     *
     * @param apikey the master key of the version minted with: the shared tier's key changes with it
     */
    Mono<Obtained<IamToken>> assume(Credential credential, Secret apikey, Mono<IamToken> masterToken) {
        return shared.getOrMint(
                "iam-token",
                sharedName(credential),
                apikey,
                IamTokenCodec.INSTANCE,
                sharedUsable,
                () -> masterToken.flatMap(master -> iam.assume(master.accessToken(), credential.profile())));
    }

    /**
     * The compute-resource token in the credential's file now, read off the event loop; never cached, never logged. A
     * file that is missing, unreadable or empty is {@link UpstreamUnavailableException} (503; not remembered as a
     * refusal), logged as a warning: the message names the configured path and the failure's type, nothing of the
     * content.
     */
    static Mono<Secret> crToken(Credential credential) {
        return Mono.fromCallable(() -> read(credential.crTokenFile()))
                .subscribeOn(Schedulers.boundedElastic())
                .doOnError(
                        UpstreamUnavailableException.class,
                        unreadable -> log.warn(
                                "Credential '{}': {}; is the projected service-account token mounted? (docs/keyless.md)",
                                credential.name(),
                                unreadable.getMessage()));
    }

    // Surrounding white space is dropped (a hand-written file ends with a newline; a JWT holds none).
    private static Secret read(Path file) {
        String content;
        try {
            content = Files.readString(file);
        } catch (IOException | UncheckedIOException | SecurityException e) {
            throw unreadable(file, e.getClass().getSimpleName());
        }
        String token = content.strip();
        if (token.isEmpty()) {
            throw unreadable(file, "empty");
        }
        return Secret.of(token);
    }

    private static UpstreamUnavailableException unreadable(Path file, String why) {
        return new UpstreamUnavailableException(
                Upstream.IAM,
                "compute-resource token file '" + file + "' cannot be read (" + why + ")",
                UNREADABLE_RETRY_AFTER,
                null);
    }

    // A profile configured anew under the same name is another Redis key.
    private static String sharedName(Credential credential) {
        return credential.name() + "|" + credential.profile().describe();
    }
}
