package dev.tokenbroker.problem;

import org.springframework.http.HttpHeaders;

// The Retry-After header of the answers that have one (429, 503).
final class RetryAfter {

    private RetryAfter() {}

    static HttpHeaders headers(long seconds) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        return headers;
    }
}
