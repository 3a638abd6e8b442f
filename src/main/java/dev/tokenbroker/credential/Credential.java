package dev.tokenbroker.credential;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A named credential: what it mints, which secret holds its master key, and for a keyless credential which IAM trusted
 * profile it mints for. Holds no secret.
 *
 * @param name the name callers ask for, matching {@code [a-z0-9][a-z0-9-]{0,62}}
 * @param type what it mints
 * @param secret the vault secret holding the master key; null for {@code iam-trusted-profile}, which has none
 * @param org the WIoTP organisation ({@code iot-app} only)
 * @param ttl the lifetime of minted keys ({@code iot-app} only)
 * @param profile the trusted profile ({@code iam-trusted-profile} and {@code iam-assume} only), else null
 * @param crTokenFile the compute-resource token file, read afresh for every mint ({@code iam-trusted-profile} only),
 *     else null
 */
public record Credential(
        String name,
        CredentialType type,
        String secret,
        String org,
        Duration ttl,
        TrustedProfile profile,
        Path crTokenFile) {

    /** A credential with a master key ({@code iam-apikey}, {@code iot-app}): no profile, no token file. */
    public Credential(String name, CredentialType type, String secret, String org, Duration ttl) {
        this(name, type, secret, org, ttl, null, null);
    }
}
