package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.LIMITED_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestJwts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizationContext;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.TokenExchangeReactiveOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

/** RFC 8693 token exchange at {@code /oauth2/token}: Spring Security's own client, the answer, RFC 6749 errors. */
@ExtendWith(OutputCaptureExtension.class)
class TokenExchangeIntegrationTests extends BrokerIntegrationTest {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @Test
    void springTokenExchangeProviderWithClientKeySubjectObtainsAnIamToken() {
        Duration life = wholeSecondsOfAnHourMintedNow();
        OAuth2AccessToken subject = new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, SCORER_KEY, null, null);

        OAuth2AuthorizedClient authorized = springClient(subject, "wml-prod");

        assertThat(IAM.keyThatMinted(authorized.getAccessToken().getTokenValue()))
                .isEqualTo(WML_PROD_KEY);
        assertThat(authorized.getAccessToken().getTokenType()).isEqualTo(OAuth2AccessToken.TokenType.BEARER);
        assertThat(Duration.between(
                        authorized.getAccessToken().getIssuedAt(),
                        authorized.getAccessToken().getExpiresAt()))
                .isEqualTo(life);
    }

    // expires_in of an hour's token minted now: whole seconds, its expiry cut to the second (at most an hour).
    private static Duration wholeSecondsOfAnHourMintedNow() {
        Instant now = TestBroker.CLOCK.instant();
        return Duration.ofSeconds(
                Duration.between(now, TestBroker.anHourFrom(now)).toSeconds());
    }

    @Test
    void springTokenExchangeProviderWithWorkloadJwtSubjectObtainsAnIamToken(CapturedOutput output) {
        String workloadJwt = TestJwts.serviceAccount("ml", "scorer").sign();
        Jwt subject = Jwt.withTokenValue(workloadJwt)
                .header("alg", "RS256")
                .subject("system:serviceaccount:ml:scorer")
                .build();

        OAuth2AuthorizedClient authorized = springClient(subject, "wml-prod");

        assertThat(IAM.keyThatMinted(authorized.getAccessToken().getTokenValue()))
                .isEqualTo(WML_PROD_KEY);
        assertThat(output.getAll())
                .contains("\"caller\":\"cluster/system:serviceaccount:ml:scorer\",\"credential\":\"wml-prod\","
                        + "\"grant\":\"iam-token\",\"outcome\":\"issued\"");
    }

    @Test
    void exchangeWithWorkloadJwtThenTokenAndWithBadJwtsThenRfc6749Errors() {
        String scorer = TestJwts.serviceAccount("ml", "scorer").sign();

        jwtExchange(scorer, "wml-prod").exchange().expectStatus().isOk();
        assertThat(oauthError(jwtExchange(scorer, "other-team"), 400)).containsEntry("error", "invalid_target");
        assertThat(oauthError(
                        jwtExchange(
                                TestJwts.serviceAccount("ml", "scorer")
                                        .issued(Duration.ofHours(2), Duration.ofHours(1))
                                        .sign(),
                                "wml-prod"),
                        400))
                .containsEntry("error", "invalid_grant");
        assertThat(oauthError(
                        jwtExchange(
                                TestJwts.serviceAccount("ml", "scorer")
                                        .audience("someone-else")
                                        .sign(),
                                "wml-prod"),
                        400))
                .containsEntry("error", "invalid_grant");
        assertThat(oauthError(
                        jwtExchange(TestJwts.serviceAccount("factory", "robot").sign(), "wml-prod"), 400))
                .containsEntry("error", "unauthorized_client");
        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }

    @Test
    void exchangeWhenCallerOverItsRateLimitThen429TemporarilyUnavailable() {
        CLOCK.advance(Duration.ofMinutes(1));
        WebTestClient.ResponseSpec[] answers = new WebTestClient.ResponseSpec[3];
        for (int i = 0; i < answers.length; i++) {
            answers[i] = exchange(
                            "grant_type", TOKEN_EXCHANGE,
                            "subject_token", LIMITED_KEY,
                            "subject_token_type", ACCESS_TOKEN_TYPE,
                            "audience", "wml-prod")
                    .exchange();
        }

        answers[0].expectStatus().isOk();
        answers[1].expectStatus().isOk();
        answers[2]
                .expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .valueEquals(HttpHeaders.RETRY_AFTER, "1")
                .expectBody()
                .jsonPath("$.error")
                .isEqualTo("temporarily_unavailable");
    }

    @Test
    void exchangeWithClientKeyThenRfc8693AnswerWithNoStore(CapturedOutput output) {
        Duration life = wholeSecondsOfAnHourMintedNow();
        Map<String, Object> body = exchange(
                        "grant_type", TOKEN_EXCHANGE,
                        "subject_token", SCORER_KEY,
                        "subject_token_type", ACCESS_TOKEN_TYPE,
                        "resource", "wml-prod")
                .header(HttpHeaders.AUTHORIZATION, "Bearer ignored-garbage")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
                .expectHeader()
                .valueEquals("Pragma", "no-cache")
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();

        assertThat(IAM.keyThatMinted((String) body.get("access_token"))).isEqualTo(WML_PROD_KEY);
        assertThat(body)
                .containsEntry("issued_token_type", ACCESS_TOKEN_TYPE)
                .containsEntry("token_type", "Bearer")
                .containsEntry("expires_in", (int) life.toSeconds())
                .containsOnlyKeys("access_token", "issued_token_type", "token_type", "expires_in");
        assertThat(output.getAll())
                .contains("\"caller\":\"client:scorer\",\"credential\":\"wml-prod\",\"grant\":\"iam-token\","
                        + "\"outcome\":\"issued\"");
    }

    @Test
    void exchangeWhenRequestMalformedThenInvalidRequestOrUnsupportedGrantType() {
        assertThat(oauthError(exchange("grant_type", "client_credentials"), 400))
                .containsEntry("error", "unsupported_grant_type");
        assertThat(oauthError(exchange("subject_token", SCORER_KEY), 400))
                .containsEntry("error", "invalid_request")
                .containsEntry("error_description", "parameter 'grant_type' is missing or empty");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE, "subject_token_type", ACCESS_TOKEN_TYPE, "audience", "x"),
                        400))
                .containsEntry("error_description", "parameter 'subject_token' is missing or empty");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", JWT_TYPE,
                                "audience", "wml-prod"),
                        400))
                .containsEntry("error", "invalid_request");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", ACCESS_TOKEN_TYPE),
                        400))
                .containsEntry("error_description", "resource, audience or scope must name the credential");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", ACCESS_TOKEN_TYPE,
                                "resource", "wml-prod",
                                "audience", "wml-dev"),
                        400))
                .containsEntry("error", "invalid_request");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", ACCESS_TOKEN_TYPE,
                                "audience", "wml-prod",
                                "scope", "wml-dev"),
                        400))
                .containsEntry("error_description", "resource, audience and scope must name the same credential");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", ACCESS_TOKEN_TYPE,
                                "scope", "wml-prod wml-dev"),
                        400))
                .containsEntry("error_description", "scope must name one credential");
        assertThat(oauthError(
                        exchange(
                                "grant_type", TOKEN_EXCHANGE,
                                "subject_token", SCORER_KEY,
                                "subject_token_type", ACCESS_TOKEN_TYPE,
                                "audience", "wml-prod",
                                "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"),
                        400))
                .containsEntry("error", "invalid_request");
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void exchangeWhenSubjectTokenNotAcceptedThenInvalidGrant() {
        Map<String, Object> unknownKey = oauthError(
                exchange(
                        "grant_type",
                        TOKEN_EXCHANGE,
                        "subject_token",
                        "tbk_unknown000000000000000000000000000000",
                        "subject_token_type",
                        ACCESS_TOKEN_TYPE,
                        "audience",
                        "wml-prod"),
                400);
        Map<String, Object> notAJwt = oauthError(
                exchange(
                        "grant_type",
                        TOKEN_EXCHANGE,
                        "subject_token",
                        "not.a.jwt",
                        "subject_token_type",
                        JWT_TYPE,
                        "audience",
                        "wml-prod"),
                400);

        assertThat(unknownKey).containsEntry("error", "invalid_grant");
        assertThat(notAJwt).containsEntry("error", "invalid_grant");
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void exchangeWhenTargetUnknownNotAllowedOrWrongTypeThenSameInvalidTarget() {
        Map<String, Object> notInPolicy = target(SCORER_KEY, "other-team");
        Map<String, Object> unknown = target(SCORER_KEY, "no-such-thing");
        Map<String, Object> otherGrantOnly = target(GATEWAY_KEY, "wml-dev");
        Map<String, Object> wrongType = target(GATEWAY_KEY, "factory-iot");

        assertThat(List.of(notInPolicy, unknown, otherGrantOnly, wrongType))
                .allSatisfy(body -> assertThat(body).containsEntry("error", "invalid_target"));
        assertThat(notInPolicy.get("error_description"))
                .isEqualTo(unknown.get("error_description"))
                .isEqualTo(otherGrantOnly.get("error_description"));
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void exchangeWhenCallerHasNoGrantAtAllThenUnauthorizedClient() {
        assertThat(target(STRANGER_KEY, "wml-prod")).containsEntry("error", "unauthorized_client");
    }

    @Test
    void exchangeWhenIamRefusesTheMasterKeyThen502ServerErrorWithUpstreamCode() {
        Map<String, Object> body = oauthError(
                exchange(
                        "grant_type", TOKEN_EXCHANGE,
                        "subject_token", SCORER_KEY,
                        "subject_token_type", ACCESS_TOKEN_TYPE,
                        "audience", "wml-badkey"),
                502);

        assertThat(body).containsEntry("error", "server_error").containsEntry("upstream_error_code", "BXNIM0415E");
    }

    /**
     * Spring Security's token-exchange client configured as an application would, with a client registration alone:
     * {@code scope} names the credential, and Spring's default parameters (no converter) carry it (RFC 8693 §2.1).
     */
    OAuth2AuthorizedClient springClient(OAuth2Token subject, String credential) {
        ClientRegistration registration = ClientRegistration.withRegistrationId("token-broker")
                .clientId("scorer")
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.TOKEN_EXCHANGE)
                .tokenUri("http://127.0.0.1:" + port + "/oauth2/token")
                .scope(credential)
                .build();
        TokenExchangeReactiveOAuth2AuthorizedClientProvider provider =
                new TokenExchangeReactiveOAuth2AuthorizedClientProvider();
        provider.setSubjectTokenResolver(context -> Mono.just(subject));
        OAuth2AuthorizationContext context = OAuth2AuthorizationContext.withClientRegistration(registration)
                .principal(UsernamePasswordAuthenticationToken.authenticated("scorer", null, List.of()))
                .build();

        return provider.authorize(context).block(Duration.ofSeconds(30));
    }

    private WebTestClient.RequestHeadersSpec<?> jwtExchange(String jwt, String credential) {
        return exchange(
                "grant_type", TOKEN_EXCHANGE,
                "subject_token", jwt,
                "subject_token_type", JWT_TYPE,
                "resource", credential);
    }

    private Map<String, Object> target(String callerKey, String credential) {
        return oauthError(
                exchange(
                        "grant_type", TOKEN_EXCHANGE,
                        "subject_token", callerKey,
                        "subject_token_type", ACCESS_TOKEN_TYPE,
                        "audience", credential),
                400);
    }

    WebTestClient.RequestHeadersSpec<?> exchange(String... pairs) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            body.append(body.isEmpty() ? "" : "&")
                    .append(pairs[i])
                    .append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return client.post()
                .uri("/oauth2/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> oauthError(WebTestClient.RequestHeadersSpec<?> request, int status) {
        Map<String, Object> body = request.exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_JSON)
                .expectHeader()
                .valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
        assertThat(body).containsKeys("error", "error_description", "request_id");
        return body;
    }
}
