package dev.tokenbroker.iam;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.credential.TrustedProfile;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.support.MintDeferred;
import dev.tokenbroker.support.RetryableUpstreamFailure;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamBudget;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Mints IAM access tokens: {@code POST {url}/identity/token} with the apikey grant, the cr-token grant (a trusted
 * profile's token for a compute-resource token, as IBM's {@code ContainerAuthenticator} asks) or the assume grant (a
 * trusted profile's token for another IAM token, as IBM's {@code IamAssumeAuthenticator} asks). Transient failures (I/O, timeouts, 429, 5xx) are retried with backoff; what is left is emitted as
 * {@link dev.tokenbroker.problem.UpstreamUnavailableException} or {@link UpstreamRejectedException} (with IAM's
 * {@code errorCode}; permanent for 400/401/403). Every attempt first takes its turn in the {@link UpstreamBudget}
 * ({@code tokenbroker.iam.max-calls-per-second}); a 429 pauses the budget's refreshes ahead until its
 * {@code Retry-After}. Thread-safe.
 */
public final class IamTokenProvider {

    /** IAM's API-key grant type, the one the broker mints with (and the facade's callers send). */
    public static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";

    /** IAM's grant of a trusted profile's token for a compute-resource token (DESIGN §1). */
    public static final String CR_TOKEN_GRANT = "urn:ibm:params:oauth:grant-type:cr-token";

    /** IAM's grant of a trusted profile's token for another IAM access token (DESIGN §1). */
    public static final String ASSUME_GRANT = "urn:ibm:params:oauth:grant-type:assume";

    private static final Upstream UPSTREAM = Upstream.IAM;

    // A 429 without Retry-After pauses refreshes ahead this long (IAM sends one; this is the fallback).
    private static final Duration PAUSE_WITHOUT_RETRY_AFTER = Duration.ofSeconds(5);

    private final WebClient client;
    private final URI tokenUri;
    private final UpstreamSettings settings;
    private final Clock clock;
    private final UpstreamBudget budget;

    /** Without a budget: every attempt goes at once. */
    public IamTokenProvider(WebClient.Builder builder, IamProperties properties, Clock clock) {
        this(builder, properties, clock, UpstreamBudget.UNLIMITED);
    }

    public IamTokenProvider(WebClient.Builder builder, IamProperties properties, Clock clock, UpstreamBudget budget) {
        this.budget = budget;
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
        return call(
                () -> BodyInserters.fromFormData("grant_type", APIKEY_GRANT)
                        .with("apikey", apikey.reveal())
                        .with("response_type", "cloud_iam"),
                "the API key");
    }

    /**
     * Mints a token of the trusted profile for this compute-resource token (the cr-token grant, with
     * {@code profile_id}, {@code profile_name} or {@code profile_crn} as configured); one HTTP call, plus retries for
     * transient failures. An unknown or expired token and a profile not linked to the compute resource are IAM's
     * permanent refusals (400/401/403).
     */
    public Mono<IamToken> mintForProfile(Secret crToken, TrustedProfile profile) {
        return call(
                () -> {
                    BodyInserters.FormInserter<String> form = BodyInserters.fromFormData("grant_type", CR_TOKEN_GRANT)
                            .with("cr_token", crToken.reveal());
                    if (profile.id() != null) {
                        return form.with("profile_id", profile.id());
                    }
                    if (profile.crn() != null) {
                        return form.with("profile_crn", profile.crn());
                    }
                    return form.with("profile_name", profile.name());
                },
                "the compute-resource token or the trusted profile");
    }

    /**
     * Trades an IAM access token for a token of the trusted profile (the assume grant, with {@code profile_id},
     * {@code profile_crn}, or {@code profile_name} and {@code account}); one HTTP call, plus retries for transient
     * failures. A profile that does not trust the token's identity is IAM's permanent refusal.
     */
    public Mono<IamToken> assume(Secret accessToken, TrustedProfile profile) {
        return call(
                () -> {
                    BodyInserters.FormInserter<String> form = BodyInserters.fromFormData("grant_type", ASSUME_GRANT)
                            .with("access_token", accessToken.reveal());
                    if (profile.crn() != null) {
                        return form.with("profile_crn", profile.crn());
                    }
                    if (profile.id() != null) {
                        return form.with("profile_id", profile.id());
                    }
                    return form.with("profile_name", profile.name()).with("account", profile.account());
                },
                "to let the master key assume the trusted profile");
    }

    // One token request per attempt, each after its turn in the budget, the form built afresh for each (it is what
    // holds the secret). A refusal of the budget is not retried: it is already the caller's answer.
    private Mono<IamToken> call(Supplier<BodyInserters.FormInserter<String>> form, String refused) {
        return budget.acquire()
                .then(Mono.defer(() -> client.post()
                        .uri(tokenUri)
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .accept(MediaType.APPLICATION_JSON)
                        .body(form.get())
                        .exchangeToMono(response -> read(response, refused))))
                .onErrorResume(RetryableUpstreamFailure.class, this::pauseOn429)
                .retryWhen(UpstreamCalls.retry(UPSTREAM, settings))
                .onErrorMap(
                        failure -> !(failure instanceof MintDeferred),
                        failure -> UpstreamCalls.translate(UPSTREAM, failure));
    }

    // IAM's 429 pauses every replica's refreshes ahead until its Retry-After; the failure goes on to the retries.
    private Mono<IamToken> pauseOn429(RetryableUpstreamFailure failure) {
        if (failure.status() != 429) {
            return Mono.error(failure);
        }
        return budget.pause(failure.retryAfter().orElse(PAUSE_WITHOUT_RETRY_AFTER))
                .then(Mono.error(failure));
    }

    private Mono<IamToken> read(ClientResponse response, String refused) {
        HttpStatusCode status = response.statusCode();
        if (status.is2xxSuccessful()) {
            return response.bodyToMono(TokenBody.class).map(this::toToken);
        }
        return UpstreamCalls.failure(
                response,
                clock,
                ErrorBody.class,
                body -> body.errorCode,
                (code, errorCode, permanent) -> rejected(refused, code, errorCode, permanent));
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

    private static UpstreamRejectedException rejected(String refused, int status, String errorCode, boolean permanent) {
        String message = "iam refused " + refused + ": HTTP " + status + (errorCode == null ? "" : " " + errorCode);
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
