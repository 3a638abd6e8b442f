package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.credential.CredentialRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;

/**
 * The caller API's one reader of {@code Authorization: Bearer} answers what Spring Security's own converter answers
 * (the token, nothing, or an {@code invalid_token} error), on the edge cases and on many random values over the
 * characters that matter; it refuses oversized headers before parsing them, and lets the sidecar's loopback caller
 * through only without an {@code Authorization} header.
 */
class CallerCredentialConverterTests {

    private static final LoopbackCallerProperties OFF = new LoopbackCallerProperties(null);
    private static final LoopbackCallerProperties ON = new LoopbackCallerProperties("sidecar:app");

    private final ServerBearerTokenAuthenticationConverter spring = new ServerBearerTokenAuthenticationConverter();
    private final CallerCredentialConverter ours = new CallerCredentialConverter(OFF);

    @Test
    void convertWhenAnyAuthorizationValueThenAnswersAsSpringSecuritysConverter() {
        List<String> values = new ArrayList<>(List.of(
                "Bearer tbk_abc",
                "bearer tbk_abc",
                "BEARER abc==",
                "Bearer ===",
                "Bearer a=b",
                "Bearer ",
                "Bearer",
                "Bearerabc",
                "Bearer  abc",
                "Bearer a.b.c-_~+/",
                "Bearer abc def",
                "Basic abc",
                "Digest x",
                "",
                "bear"));
        Random random = new Random(13);
        String alphabet = "aZ9-._~+/= !\"\t";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder token = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                token.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String scheme = List.of("Bearer ", "bearer ", "Bearer", "BeArEr  ", "Basic ")
                    .get(random.nextInt(5));
            values.add(scheme + token);
        }

        for (String value : values) {
            assertThat(outcome(ours, value)).as(value).isEqualTo(outcome(spring, value));
        }
    }

    @Test
    void convertWhenNoAuthorizationThenNothing() {
        assertThat(ours.convert(exchange(null, "10.0.0.7", false)).blockOptional())
                .isEmpty();
    }

    @Test
    void convertWhenAuthorizationLongerThan16KibThenInvalidTokenBeforeParsing() {
        String huge = "Bearer " + "a".repeat(CallerCredentialConverter.MAX_LENGTH);

        assertThat(outcome(ours, huge)).isEqualTo("error invalid_token");
    }

    @Test
    void convertWhenLoopbackModeAndLocalRequestWithoutAuthorizationThenTheLoopbackCaller() {
        CallerCredentialConverter sidecar = new CallerCredentialConverter(ON);

        Authentication local =
                sidecar.convert(exchange(null, "127.0.0.1", true)).block();
        Authentication bearer =
                sidecar.convert(exchange("Bearer tbk_x", "127.0.0.1", true)).block();

        assertThat(local).isInstanceOf(CallerAuthentication.class);
        assertThat(local.getName()).isEqualTo("sidecar:app");
        assertThat(bearer).isInstanceOf(BearerTokenAuthenticationToken.class);
    }

    @Test
    void wellFormedCredentialNamesAreTheNamePattern() {
        Random random = new Random(13);
        String alphabet = "az09-A_";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(66);
            for (int j = 0; j < length; j++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = name.toString();
            assertThat(CredentialRegistry.isWellFormed(candidate))
                    .as(candidate)
                    .isEqualTo(CredentialRegistry.NAME.matcher(candidate).matches());
        }
        assertThat(CredentialRegistry.isWellFormed(null)).isFalse();
    }

    // "token X", "nothing", or "error CODE".
    private static String outcome(
            org.springframework.security.web.server.authentication.ServerAuthenticationConverter converter,
            String authorization) {
        try {
            Authentication converted = converter
                    .convert(exchange(authorization, "10.0.0.7", false))
                    .block();
            return converted == null ? "nothing" : "token " + ((BearerTokenAuthenticationToken) converted).getToken();
        } catch (OAuth2AuthenticationException failure) {
            return "error " + failure.getError().getErrorCode();
        }
    }

    private static MockServerWebExchange exchange(String authorization, String from, boolean loopbackHeader) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.post("/v1/credentials/x/iam-token")
                .remoteAddress(new InetSocketAddress(from, 40_000));
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (loopbackHeader) {
            request.header("X-Token-Broker-Request", "true");
        }
        return MockServerWebExchange.from(request);
    }
}
