package dev.tokenbroker.iam;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.support.RetryableUpstreamFailure;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamRejectedException;
import dev.tokenbroker.support.UpstreamSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Mints IAM access tokens from API keys: {@code POST {url}/identity/token} with the apikey grant, as IBM's SDKs do.
 * Transient failures (I/O, timeouts, 429, 5xx) are retried with backoff; what is left is emitted as
 * {@link dev.tokenbroker.support.UpstreamUnavailableException} or {@link UpstreamRejectedException} (with IAM's
 * {@code errorCode}; permanent for 400/401/403). Thread-safe.
 */
public final class IamTokenProvider {

    static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";
    private static final String UPSTREAM = "iam";

    private final WebClient client;
    private final URI tokenUri;
    private final UpstreamSettings settings;
    private final Clock clock;

    public IamTokenProvider(WebClient.Builder builder, IamProperties properties, Clock clock) {
        this.client = UpstreamCalls.webClient(builder, properties.http());
        this.tokenUri = UriComponentsBuilder.fromUri(properties.url())
                .path("/identity/token")
                .build()
                .toUri();
        this.settings = properties.http();
        this.clock = clock;
    }

    /** Mints a token with this API key; one HTTP call, plus retries for transient failures. */
    public Mono<IamToken> mint(Secret apikey) {
        return Mono.defer(() -> requestToken(apikey))
                .retryWhen(UpstreamCalls.retry(UPSTREAM, settings))
                .onErrorMap(failure -> UpstreamCalls.translate(UPSTREAM, failure));
    }

    private Mono<IamToken> requestToken(Secret apikey) {
        return client.post()
                .uri(tokenUri)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .accept(MediaType.APPLICATION_JSON)
                .body(BodyInserters.fromFormData("grant_type", APIKEY_GRANT)
                        .with("apikey", apikey.reveal())
                        .with("response_type", "cloud_iam"))
                .exchangeToMono(this::read);
    }

    private Mono<IamToken> read(ClientResponse response) {
        HttpStatusCode status = response.statusCode();
        if (status.is2xxSuccessful()) {
            return response.bodyToMono(TokenBody.class).map(this::toToken);
        }
        if (status.value() == 429 || status.is5xxServerError()) {
            String retryAfter = response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER);
            return response.releaseBody()
                    .then(Mono.error(new RetryableUpstreamFailure(
                            status.value(), UpstreamCalls.parseRetryAfter(retryAfter, clock))));
        }
        boolean permanent = status.value() == 400 || status.value() == 401 || status.value() == 403;
        return response.bodyToMono(ErrorBody.class)
                .onErrorResume(unreadable -> Mono.empty())
                .map(body -> body.errorCode == null ? "" : body.errorCode)
                .defaultIfEmpty("")
                .flatMap(code -> Mono.error(rejected(status.value(), code, permanent)));
    }

    private IamToken toToken(TokenBody body) {
        Instant now = clock.instant();
        Instant expiresAt = body.expiration > 0
                ? Instant.ofEpochSecond(body.expiration)
                : body.expiresIn > 0 ? now.plusSeconds(body.expiresIn) : null;
        if (body.accessToken == null || body.accessToken.isBlank() || expiresAt == null || !expiresAt.isAfter(now)) {
            throw new UpstreamRejectedException(UPSTREAM, 200, null, false, "iam sent a token response we cannot use");
        }
        String tokenType = body.tokenType == null ? "Bearer" : body.tokenType;
        return new IamToken(Secret.of(body.accessToken), tokenType, now, expiresAt, body.scope);
    }

    private static UpstreamRejectedException rejected(int status, String code, boolean permanent) {
        String errorCode = code.matches("[A-Za-z0-9_.-]{1,64}") ? code : null;
        String message = "iam refused the API key: HTTP " + status + (errorCode == null ? "" : " " + errorCode);
        return new UpstreamRejectedException(UPSTREAM, status, errorCode, permanent, message);
    }

    /** IAM's 200 body; only what we use. No toString: it holds the token. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class TokenBody {
        @JsonProperty("access_token")
        public String accessToken;

        @JsonProperty("token_type")
        public String tokenType;

        @JsonProperty("expires_in")
        public long expiresIn;

        @JsonProperty("expiration")
        public long expiration;

        @JsonProperty("scope")
        public String scope;
    }

    /** IAM's error body: {@code {"errorCode":"BXNIM0415E","errorMessage":"…","context":{…}}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class ErrorBody {
        @JsonProperty("errorCode")
        public String errorCode;
    }
}
