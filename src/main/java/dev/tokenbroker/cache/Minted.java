package dev.tokenbroker.cache;

import dev.tokenbroker.support.Expiring;

/**
 * A credential the cache just minted, as told to {@link TokenCache#mints()} listeners. Prints no secret as long as
 * {@code V} does not (IAM tokens and WIoTP keys print none).
 *
 * @param key what it was minted for
 * @param value the fresh credential
 * @param <V> what the cache holds
 */
public record Minted<V extends Expiring>(CacheKey key, V value) {}
