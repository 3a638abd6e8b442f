package dev.tokenbroker.iam;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
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
 * {@link dev.tokenbroker.problem.UpstreamUnavailableException} or {@link UpstreamRejectedException} (with IAM's
 * {@code errorCode}; permanent for 400/401/403). Thread-safe.
 */
public final class IamTokenProvider {

    /** IAM's API-key grant type, the one the broker mints with (and the facade's callers send). */
    public static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";

    private static final Upstream UPSTREAM = Upstream.IAM;

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
        return UpstreamCalls.failure(
                response, clock, ErrorBody.class, body -> body.errorCode, IamTokenProvider::rejected);
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

    private static UpstreamRejectedException rejected(int status, String errorCode, boolean permanent) {
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
