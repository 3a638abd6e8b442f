package dev.tokenbroker.cache;

import java.time.Instant;
import java.util.List;

/**
 * What operators may see of one cached entry: no secret.
 *
 * @param credential the credential's name
 * @param kind {@code iam-token} or {@code iot-key}
 * @param roles roles minted into it
 * @param secretVersion the master key's version it was minted with
 * @param expiresAt when the cached credential expires
 * @param refreshAt when its background refresh is due
 * @param lastAccess when a caller last asked for it
 * @param refreshing whether a refresh is in flight now
 * @param lastRefreshOutcome {@code success}, {@code failure} or {@code none}
 * @param lastError a short description of the last failed mint (upstream, status, error code), or {@code null}
 * @param mints how many times it was minted
 * @param hits how many requests it served
 * @param source {@code minted} (by this replica) or {@code shared} (read from the shared tier), for the credential it
 *     holds now
 */
public record CacheEntryView(
        String credential,
        String kind,
        List<String> roles,
        String secretVersion,
        Instant expiresAt,
        Instant refreshAt,
        Instant lastAccess,
        boolean refreshing,
        String lastRefreshOutcome,
        String lastError,
        long mints,
        long hits,
        String source) {}
