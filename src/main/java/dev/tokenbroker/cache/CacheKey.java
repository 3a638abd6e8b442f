package dev.tokenbroker.cache;

import java.util.List;

/**
 * What a cached credential is for. A new master-key version is a new key, so tokens minted with an old key are never
 * found again.
 *
 * @param credential the credential's name
 * @param secretVersion the master key's version in the vault
 * @param roles the roles minted into it (WIoTP keys; empty for IAM tokens), sorted
 */
public record CacheKey(String credential, String secretVersion, List<String> roles) {

    public CacheKey {
        // No stream for the empty roles of every IAM token lookup: this runs on each cache hit.
        roles = roles.isEmpty() ? List.of() : roles.stream().sorted().distinct().toList();
    }
}
