package dev.tokenbroker.iot;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The WIoTP API client: mints application keys ({@code POST {api}/authorization/apikeys}), revokes them
 * ({@code DELETE {api}/authorization/apikeys/{key}}) and lists them ({@code GET}, following {@code bookmark}s), with
 * HTTP Basic authentication by the organisation's operator key. Transient failures (I/O, timeouts, 429, 5xx) are
 * retried with backoff; what is left is emitted as {@link dev.tokenbroker.problem.UpstreamUnavailableException} or
 * {@link UpstreamRejectedException} (permanent for 400/401/403: a refused master key). Thread-safe.
 *
 * <p>Every key it mints carries a {@code comment} of the form
 * {@code "<tag> credential=<name> roles=<r1,r2> instance=<process> nonce=<attempt>"} and an {@code expiresAt};
 * {@link #isTagged(String)} recognises them. Creating a key is not idempotent, so a create attempt that may have
 * reached the platform (timeout, I/O error, 5xx, 429, an unusable answer) is reconciled before any retry: the keys
 * are listed and any carrying that attempt's nonce is deleted (its token was never seen, so it cannot be adopted).
 * Every key created is recorded in the {@link IotKeyLedger} before it is emitted.
 */
public final class IotKeyProvider {

    private static final Upstream UPSTREAM = Upstream.WIOTP;
    private static final int PAGE_SIZE = 100;
    private static final int MAX_PAGES = 1000;

    private final WebClient client;
    private final IotProperties properties;
    private final UpstreamSettings settings;
    private final Clock clock;
    private final IotKeyLedger ledger;

    public IotKeyProvider(WebClient.Builder builder, IotProperties properties, Clock clock, IotKeyLedger ledger) {
        this.client = UpstreamCalls.webClient(builder, properties.http());
        this.properties = properties;
        this.settings = properties.http();
        this.clock = clock;
        this.ledger = ledger;
    }

    /**
     * Mints a key that expires {@code ttl} from now (to the second), tracked in the ledger before it is emitted. One
     * HTTP call, plus retries for transient failures, each after the failed attempt has been reconciled; when the
     * reconciliation itself fails there is no retry (the sweeper deletes what the attempt may have left).
     */
    public Mono<IotAppKey> mint(String credential, String org, Duration ttl, List<String> roles, IotMasterKey master) {
        List<String> sorted = roles.stream().sorted().distinct().toList();
        return Mono.defer(() -> attempt(credential, org, ttl, sorted, master))
                .retryWhen(UpstreamCalls.retry(UPSTREAM, settings))
                .onErrorMap(failure -> UpstreamCalls.translate(UPSTREAM, failure));
    }

    private Mono<IotAppKey> attempt(
            String credential, String org, Duration ttl, List<String> roles, IotMasterKey master) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        String nonce = ledger.creating();
        CreateKeyBody body = new CreateKeyBody(comment(credential, roles, nonce), roles, expiresAt.toString());
        return client.post()
                .uri(apikeys(org))
                .headers(headers -> authenticate(headers, master))
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchangeToMono(response -> read(response, KeyBody.class))
                .map(created -> toKey(created, credential, org, roles, now, expiresAt))
                .doOnNext(ledger::track)
                .onErrorResume(failure -> reconcile(org, master, nonce, failure))
                .doFinally(signal -> ledger.created(nonce));
    }

    // A refusal (400/401/403) created nothing; anything else may have. Deletes what carries the nonce, then lets the
    // failure through to the retry; a failed reconciliation ends the retries.
    private Mono<IotAppKey> reconcile(String org, IotMasterKey master, String nonce, Throwable failure) {
        ledger.requestSweep();
        if (failure instanceof UpstreamRejectedException rejected && rejected.permanent()) {
            return Mono.error(failure);
        }
        String mark = " nonce=" + nonce;
        return list(org, master)
                .filter(key -> key.comment() != null && key.comment().endsWith(mark))
                .concatMap(key -> revoke(org, key.key(), master))
                .then(Mono.<IotAppKey>error(failure))
                .onErrorMap(
                        reconciling -> reconciling != failure,
                        reconciling -> new UpstreamUnavailableException(
                                UPSTREAM,
                                "wiotp did not answer a create, and it could not be reconciled (listing or deleting its keys failed)",
                                Duration.ofSeconds(5),
                                null));
    }

    /**
     * Revokes a key.
     *
     * @return {@code true} when it was deleted, {@code false} when the platform no longer knew it (404)
     */
    public Mono<Boolean> revoke(String org, String key, IotMasterKey master) {
        return Mono.defer(() -> client.delete()
                        .uri(UriComponentsBuilder.fromUriString(properties.apiFor(checked(org)))
                                .path("/authorization/apikeys/{key}")
                                .encode()
                                .buildAndExpand(key)
                                .toUri())
                        .headers(headers -> authenticate(headers, master))
                        .exchangeToMono(response -> response.statusCode().value() == 404
                                ? response.releaseBody().thenReturn(false)
                                : read(response, Void.class).thenReturn(true)))
                .retryWhen(UpstreamCalls.retry(UPSTREAM, settings))
                .onErrorMap(failure -> UpstreamCalls.translate(UPSTREAM, failure));
    }

    /** Every API key of the organisation, page by page. */
    public Flux<ListedIotKey> list(String org, IotMasterKey master) {
        return page(org, master, null)
                .expand(page -> page.hasNext() ? page(org, master, page.bookmark) : Mono.empty())
                .take(MAX_PAGES)
                .flatMapIterable(page -> page.results == null ? List.<KeyEntry>of() : page.results)
                .filter(entry -> entry.key() != null)
                .map(entry -> new ListedIotKey(entry.key(), entry.comment, parseInstant(entry.expiresAt)));
    }

    /** Whether a key's comment says this broker (this {@code tokenbroker.iot.tag}) minted it. */
    public boolean isTagged(String comment) {
        return comment != null && (comment.equals(properties.tag()) || comment.startsWith(properties.tag() + " "));
    }

    /** The {@code instance=} of a tagged comment (the process that minted the key), or {@code null}. */
    static String instanceOf(String comment) {
        return word(comment, " instance=");
    }

    /** The {@code nonce=} of a tagged comment (the create attempt that made the key), or {@code null}. */
    static String nonceOf(String comment) {
        return word(comment, " nonce=");
    }

    /** The comment a key for this credential and these roles is minted with, by the create attempt {@code nonce}. */
    String comment(String credential, List<String> roles, String nonce) {
        return properties.tag() + " credential=" + credential + " roles=" + String.join(",", roles) + " instance="
                + ledger.instance() + " nonce=" + nonce;
    }

    private static String word(String comment, String name) {
        int at = comment == null ? -1 : comment.indexOf(name);
        if (at < 0) {
            return null;
        }
        int start = at + name.length();
        int end = comment.indexOf(' ', start);
        return comment.substring(start, end < 0 ? comment.length() : end);
    }

    private Mono<ListBody> page(String org, IotMasterKey master, String bookmark) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUriString(properties.apiFor(checked(org)))
                .path("/authorization/apikeys")
                .queryParam("_limit", PAGE_SIZE);
        if (bookmark != null) {
            uri.queryParam("_bookmark", "{bookmark}");
        }
        URI target = uri.encode()
                .buildAndExpand(bookmark == null ? Map.of() : Map.of("bookmark", bookmark))
                .toUri();
        return Mono.defer(() -> client.get()
                        .uri(target)
                        .headers(headers -> authenticate(headers, master))
                        .accept(MediaType.APPLICATION_JSON)
                        .exchangeToMono(response -> read(response, ListBody.class)))
                .retryWhen(UpstreamCalls.retry(UPSTREAM, settings))
                .onErrorMap(failure -> UpstreamCalls.translate(UPSTREAM, failure))
                .doOnNext(page -> page.previous = bookmark);
    }

    private URI apikeys(String org) {
        return UriComponentsBuilder.fromUriString(properties.apiFor(checked(org)))
                .path("/authorization/apikeys")
                .build()
                .toUri();
    }

    private <T> Mono<T> read(ClientResponse response, Class<T> type) {
        HttpStatusCode status = response.statusCode();
        if (status.is2xxSuccessful()) {
            return type == Void.class ? response.releaseBody().then(Mono.empty()) : response.bodyToMono(type);
        }
        return UpstreamCalls.failure(response, clock, ErrorBody.class, ErrorBody::code, IotKeyProvider::rejected);
    }

    private IotAppKey toKey(
            KeyBody created, String credential, String org, List<String> roles, Instant now, Instant expiresAt) {
        if (created.key == null || created.key.isBlank() || created.token == null || created.token.isBlank()) {
            throw new UpstreamRejectedException(UPSTREAM, 200, null, false, "wiotp sent a key response we cannot use");
        }
        return new IotAppKey(credential, org, created.key, Secret.of(created.token), roles, now, expiresAt);
    }

    private static void authenticate(HttpHeaders headers, IotMasterKey master) {
        headers.setBasicAuth(master.apikey().reveal(), master.token().reveal());
    }

    private static String checked(String org) {
        if (org == null || !IotProperties.ORG.matcher(org).matches()) {
            throw new IllegalArgumentException("not a WIoTP organisation id");
        }
        return org;
    }

    private static Instant parseInstant(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException unreadable) {
            return null;
        }
    }

    private static UpstreamRejectedException rejected(int status, String errorCode, boolean permanent) {
        String what = status == 401 || status == 403 ? "refused the master key" : "refused the request";
        String message = "wiotp " + what + ": HTTP " + status + (errorCode == null ? "" : " " + errorCode);
        return new UpstreamRejectedException(UPSTREAM, status, errorCode, permanent, message);
    }

    /** What {@code POST authorization/apikeys} takes. Holds no secret. */
    record CreateKeyBody(
            @JsonProperty("comment") String comment,
            @JsonProperty("roles") List<String> roles,
            @JsonProperty("expiresAt") String expiresAt) {}

    /** The platform's answer to a new key. No toString: it holds the token. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class KeyBody {
        @JsonProperty("key")
        public String key;

        @JsonProperty("token")
        public String token;
    }

    /** One page of {@code GET authorization/apikeys}: {@code results} and, when there are more, a {@code bookmark}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class ListBody {
        @JsonProperty("results")
        public List<KeyEntry> results;

        @JsonProperty("bookmark")
        public String bookmark;

        String previous;

        boolean hasNext() {
            return bookmark != null
                    && !bookmark.isBlank()
                    && !bookmark.equals(previous)
                    && results != null
                    && !results.isEmpty();
        }
    }

    /** One listed key. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class KeyEntry {
        @JsonProperty("key")
        public String key;

        @JsonProperty("id")
        public String id;

        @JsonProperty("comment")
        public String comment;

        @JsonProperty("expiresAt")
        public String expiresAt;

        String key() {
            return key != null ? key : id;
        }
    }

    /** The platform's error body: {@code {"message":"CUDRS0007E: …","exception":{"id":"CUDRS0007E",…}}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class ErrorBody {
        @JsonProperty("exception")
        public ErrorException exception;

        String code() {
            return exception == null || exception.id == null ? "" : exception.id;
        }
    }

    /** The {@code exception} member of an error body. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class ErrorException {
        @JsonProperty("id")
        public String id;
    }
}
