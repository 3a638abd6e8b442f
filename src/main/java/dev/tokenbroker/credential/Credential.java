package dev.tokenbroker.credential;

import java.time.Duration;

/**
 * A named credential: what it mints and which secret holds its master key. Holds no secret.
 *
 * @param name the name callers ask for, matching {@code [a-z0-9][a-z0-9-]{0,62}}
 * @param type what it mints
 * @param secret the vault secret holding the master key
 * @param org the WIoTP organisation ({@code iot-app} only)
 * @param ttl the lifetime of minted keys ({@code iot-app} only)
 */
public record Credential(String name, CredentialType type, String secret, String org, Duration ttl) {}
