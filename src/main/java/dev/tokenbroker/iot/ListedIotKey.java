package dev.tokenbroker.iot;

import java.time.Instant;

/**
 * One API key as the platform lists it. Holds no token: the platform shows tokens only once, at creation.
 *
 * @param key the API key id
 * @param comment its comment, or {@code null}
 * @param expiresAt its {@code expiresAt}, or {@code null} when it has none (or one we cannot read)
 */
public record ListedIotKey(String key, String comment, Instant expiresAt) {}
