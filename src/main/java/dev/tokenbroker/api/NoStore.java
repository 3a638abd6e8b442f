package dev.tokenbroker.api;

import org.springframework.http.HttpHeaders;

/**
 * DESIGN §2: every answer of the caller API that carries a credential, and every error, says {@code Cache-Control:
 * no-store} and {@code Pragma: no-cache}. The one place those two headers are written, in that order.
 */
final class NoStore {

    private NoStore() {}

    /** Sets both headers, replacing any value they had. */
    static void apply(HttpHeaders headers) {
        headers.set(HttpHeaders.CACHE_CONTROL, "no-store");
        headers.set(HttpHeaders.PRAGMA, "no-cache");
    }
}
