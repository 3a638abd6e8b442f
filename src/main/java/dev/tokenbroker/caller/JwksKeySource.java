package dev.tokenbroker.caller;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.support.LogSafe;
import dev.tokenbroker.support.SingleFlight;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One issuer's public keys, fetched from its JWKS endpoint. Differs from Spring Security's own remote source in three
 * ways that matter to a broker facing untrusted tokens: every fetch is single-flight (any number of concurrent misses
 * share one request); an unknown {@code kid} re-fetches at most once per {@code minRefreshInterval}; and the last good
 * key set keeps serving while the endpoint is down. Only RS256/ES256 headers are ever looked up, and nothing in the
 * token ({@code jku}, {@code x5u}, {@code jwk}) can point the broker at another key or URL. Thread-safe.
 */
final class JwksKeySource {

    /** The only algorithms a workload token may use. */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private static final Logger log = LoggerFactory.getLogger(JwksKeySource.class);
    private static final KeySet EMPTY = new KeySet(new JWKSet(), Instant.MIN);

    private final String issuer;
    private final URI uri;
    private final WebClient webClient;
    private final Clock clock;
    private final Duration maxAge;
    private final Duration minRefreshInterval;
    private final AtomicReference<KeySet> known = new AtomicReference<>();
    private final SingleFlight<URI, KeySet> fetches = new SingleFlight<>();
    private final AtomicReference<Instant> lastAttempt = new AtomicReference<>(Instant.MIN);
    private final AtomicReference<MissRefetch> lastMissRefetch = new AtomicReference<>();

    JwksKeySource(
            String issuer, URI uri, WebClient webClient, Clock clock, Duration maxAge, Duration minRefreshInterval) {
        this.issuer = issuer;
        this.uri = uri;
        this.webClient = webClient;
        this.clock = clock;
        this.maxAge = maxAge;
        this.minRefreshInterval = minRefreshInterval;
    }

    /** The keys that may have signed this token: none for a disallowed algorithm or an unknown key. Never errors. */
    Flux<JWK> keys(SignedJWT jwt) {
        JWSHeader header = jwt.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            return Flux.empty();
        }
        JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(header));
        return Mono.defer(this::current)
                .flatMap(current -> select(selector, header.getKeyID(), current))
                .flatMapIterable(keys -> keys);
    }

    private Mono<List<JWK>> select(JWKSelector selector, String kid, Current current) {
        List<JWK> found = selector.select(current.keys().set());
        if (!found.isEmpty()
                || kid == null
                || current.keys().set().getKeyByKeyId(kid) != null
                || current.fetchedNow()) {
            return Mono.just(found);
        }
        return Mono.fromFuture(refetchForUnknownKid(kid), true).map(keys -> selector.select(keys.set()));
    }

    // At most one re-fetch per minRefreshInterval: a miss inside the interval waits for (or reads) the answer of the
    // re-fetch that opened it, so concurrent misses share one request and forged kids cannot force more.
    private CompletableFuture<KeySet> refetchForUnknownKid(String kid) {
        Instant now = clock.instant();
        while (true) {
            MissRefetch last = lastMissRefetch.get();
            if (last != null && now.isBefore(last.at().plus(minRefreshInterval))) {
                return last.result();
            }
            MissRefetch mine = new MissRefetch(now, new CompletableFuture<>());
            if (lastMissRefetch.compareAndSet(last, mine)) {
                // The kid is the caller's, unverified: escaped, so that it cannot forge a log line.
                log.info(
                        "JWT signed with key id {} unknown to issuer {}: fetching its key set again",
                        LogSafe.text(kid),
                        issuer);
                refresh().whenComplete((keys, failure) -> mine.result().complete(keys));
                return mine.result();
            }
        }
    }

    private Mono<Current> current() {
        KeySet keys = known.get();
        Instant now = clock.instant();
        boolean fresh = keys != null && now.isBefore(keys.fetchedAt().plus(maxAge));
        boolean recentlyTried = now.isBefore(lastAttempt.get().plus(minRefreshInterval));
        if (fresh || recentlyTried) {
            return Mono.just(new Current(keys == null ? EMPTY : keys, false));
        }
        return Mono.fromFuture(refresh(), true).map(fetched -> new Current(fetched, true));
    }

    // Single flight: concurrent callers share one fetch, which runs to its end even if they all disconnect. Completes
    // with the new key set, or the last good one (or an empty one) when the fetch fails; never exceptionally.
    private CompletableFuture<KeySet> refresh() {
        return fetches.start(uri, () -> {
            lastAttempt.set(clock.instant());
            return fetch().doOnNext(known::set).onErrorResume(failure -> {
                KeySet lastGood = known.get();
                log.warn(
                        "Could not fetch the key set of issuer {} ({}); {}",
                        issuer,
                        failure.getClass().getSimpleName(),
                        lastGood == null ? "no key is known yet" : "keeping the last good key set");
                return Mono.just(lastGood == null ? EMPTY : lastGood);
            });
        });
    }

    private Mono<KeySet> fetch() {
        return webClient
                .get()
                .uri(uri)
                .accept(MediaType.APPLICATION_JSON)
                .retrieve()
                .bodyToMono(String.class)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("issuer " + issuer + " served no key set")))
                .map(this::parse);
    }

    private KeySet parse(String body) {
        try {
            // Only public parts are kept, whatever the endpoint serves.
            return new KeySet(JWKSet.parse(body).toPublicJWKSet(), clock.instant());
        } catch (ParseException e) {
            throw new IllegalStateException("issuer " + issuer + " served a malformed key set", e);
        }
    }

    private record KeySet(JWKSet set, Instant fetchedAt) {}

    private record Current(KeySet keys, boolean fetchedNow) {}

    private record MissRefetch(Instant at, CompletableFuture<KeySet> result) {}
}
