package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.credential.InvalidConfigurationException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;

class JwtIssuersTests {

    @Test
    void trustedWhenTwoIssuersWithoutCallerPrefixesThenRefusesNamingBoth() {
        List<CallerProperties.JwtIssuer> issuers =
                List.of(issuer("https://eu1.test", ""), issuer("https://us1.test", ""));

        assertThatThrownBy(() -> JwtIssuers.trusted(issuers, WebClient.builder(), Clock.systemUTC()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("tokenbroker.callers.jwt[0].caller-prefix: required")
                .hasMessageContaining("tokenbroker.callers.jwt[1].caller-prefix: required");
    }

    @Test
    void trustedWhenCallerPrefixesCollideOrAreMalformedThenRefuses() {
        List<CallerProperties.JwtIssuer> issuers = List.of(
                issuer("https://eu1.test", "eu1/"), issuer("https://us1.test", "eu1/"), issuer("https://x.test", "x:"));

        assertThatThrownBy(() -> JwtIssuers.trusted(issuers, WebClient.builder(), Clock.systemUTC()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("jwt[1].caller-prefix: 'eu1/' is used by another issuer")
                .hasMessageContaining("jwt[2].caller-prefix: must match");
    }

    @Test
    void trustedWhenOneIssuerThenPrefixIsOptional() {
        List<CallerProperties.JwtIssuer> issuers = List.of(issuer("https://eu1.test", ""));

        assertThat(JwtIssuers.trusted(issuers, WebClient.builder(), Clock.systemUTC()))
                .hasEntrySatisfying(
                        "https://eu1.test",
                        trusted -> assertThat(trusted.callerPrefix()).isEmpty());
    }

    private static CallerProperties.JwtIssuer issuer(String issuer, String prefix) {
        return new CallerProperties.JwtIssuer(
                issuer,
                prefix,
                URI.create(issuer + "/jwks"),
                List.of("token-broker"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofHours(24));
    }
}
