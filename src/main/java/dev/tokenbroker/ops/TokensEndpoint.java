package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CacheEntryView;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.TokenCache;
import dev.tokenbroker.credential.CredentialRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code /actuator/tokens}: what the caches hold, for operators. GET lists every cached entry of every cache (never
 * the credential itself); {@code POST /actuator/tokens/{credential}} refreshes that credential's entries now (one
 * upstream call per entry; 502 with the reason when the upstream refuses, the old entries stay);
 * {@code DELETE /actuator/tokens/{credential}} drops them so that the next request mints anew. An unconfigured
 * credential name is a 404.
 */
@Endpoint(id = "tokens")
final class TokensEndpoint {

    private final CredentialIssuer issuer;
    private final CredentialRegistry registry;
    private final Clock clock;

    TokensEndpoint(CredentialIssuer issuer, CredentialRegistry registry, Clock clock) {
        this.issuer = issuer;
        this.registry = registry;
        this.clock = clock;
    }

    @ReadOperation
    Map<String, Object> tokens() {
        Instant now = clock.instant();
        List<TokenEntry> entries = new ArrayList<>();
        for (TokenCache<?> cache : issuer.caches()) {
            cache.operations().entries().forEach(entry -> entries.add(TokenEntry.of(entry, now)));
        }
        entries.sort(Comparator.comparing(TokenEntry::credential).thenComparing(TokenEntry::kind));
        return Map.of("time", now.toString(), "tokens", entries);
    }

    @WriteOperation
    Mono<WebEndpointResponse<Map<String, Object>>> refresh(@Selector String credential) {
        if (registry.find(credential).isEmpty()) {
            return Mono.just(notConfigured(credential));
        }
        return Flux.fromIterable(issuer.caches())
                .concatMap(cache -> cache.operations().refresh(credential))
                .reduce(0, Integer::sum)
                .map(refreshed -> ok(credential, "refreshed", refreshed))
                .onErrorResume(failure -> Mono.just(new WebEndpointResponse<>(
                        Map.of("credential", credential, "refreshed", false, "error", Upstreams.describe(failure)),
                        502)));
    }

    @DeleteOperation
    WebEndpointResponse<Map<String, Object>> evict(@Selector String credential) {
        if (registry.find(credential).isEmpty()) {
            return notConfigured(credential);
        }
        int evicted = 0;
        for (TokenCache<?> cache : issuer.caches()) {
            evicted += cache.operations().evict(credential);
        }
        return ok(credential, "evicted", evicted);
    }

    private static WebEndpointResponse<Map<String, Object>> ok(String credential, String what, int count) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credential", credential);
        body.put(what, count);
        return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_OK);
    }

    private static WebEndpointResponse<Map<String, Object>> notConfigured(String credential) {
        boolean printable = CredentialRegistry.NAME.matcher(credential).matches();
        return new WebEndpointResponse<>(
                Map.of("error", "no such credential" + (printable ? ": " + credential : "")),
                WebEndpointResponse.STATUS_NOT_FOUND);
    }

    /**
     * One cached entry as operators see it.
     *
     * @param credential the credential's name
     * @param kind {@code iam-token}, {@code iot-key}, or {@code iam-master-token} (the master-key token an
     *     {@code iam-assume} credential trades; never served)
     * @param roles roles minted into it (WIoTP keys)
     * @param secretVersion the vault version of the master key it was minted with
     * @param expiresAt when it expires
     * @param expiresInSeconds seconds until then
     * @param refreshAt when its background refresh is due
     * @param lastAccess when a caller last got it
     * @param lastRefreshOutcome {@code success}, {@code failure} or {@code none} (not refreshed yet)
     * @param lastError the last failed refresh (upstream, status, error code), or {@code null}
     * @param lastErrorCode the upstream's error code of the last failed refresh (e.g. {@code BXNIM0415E}), or null
     * @param mints how many times it was minted
     * @param hits how many requests it served
     * @param source {@code minted} by this replica, or {@code shared}: read from the shared tier (DESIGN §11)
     */
    record TokenEntry(
            String credential,
            String kind,
            List<String> roles,
            String secretVersion,
            Instant expiresAt,
            long expiresInSeconds,
            Instant refreshAt,
            Instant lastAccess,
            String lastRefreshOutcome,
            String lastError,
            String lastErrorCode,
            long mints,
            long hits,
            String source) {

        static TokenEntry of(CacheEntryView view, Instant now) {
            return new TokenEntry(
                    view.credential(),
                    view.kind(),
                    view.roles(),
                    view.secretVersion(),
                    view.expiresAt(),
                    Math.max(0, view.expiresAt().getEpochSecond() - now.getEpochSecond()),
                    view.refreshAt(),
                    view.lastAccess(),
                    view.lastRefreshOutcome(),
                    view.lastError(),
                    errorCode(view.lastError()),
                    view.mints(),
                    view.hits(),
                    view.source());
        }

        // lastError reads "iam rejected (HTTP 400) BXNIM0415E": the code is the word after the status, if any.
        private static String errorCode(String lastError) {
            if (lastError == null) {
                return null;
            }
            int close = lastError.indexOf(") ");
            return close < 0 ? null : lastError.substring(close + 2).trim();
        }
    }
}
