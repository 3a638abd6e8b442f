package dev.tokenbroker.caller;

import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds one verifying decoder per configured issuer, with the prefix of its callers' ids, after checking the
 * configuration (one line per problem).
 */
final class JwtIssuers {

    // eu1/, cluster-a/: short, printable, and free of ':' so that policy globs keep their segments.
    private static final Pattern CALLER_PREFIX = Pattern.compile("[a-z0-9][a-z0-9._-]{0,30}/");

    // A key set is small (a few keys of ~1 KiB); this only stops a misbehaving endpoint.
    private static final int MAX_KEY_SET_BYTES = 512 * 1024;

    private JwtIssuers() {}

    /** Each configured issuer by its {@code iss}. */
    static Map<String, TrustedIssuer> trusted(
            List<CallerProperties.JwtIssuer> issuers, WebClient.Builder builder, Clock clock) {
        check(issuers);
        Map<String, TrustedIssuer> trusted = new LinkedHashMap<>();
        for (CallerProperties.JwtIssuer issuer : issuers) {
            trusted.put(issuer.issuer(), new TrustedIssuer(issuer.callerPrefix(), decoder(issuer, builder, clock)));
        }
        return trusted;
    }

    static ReactiveJwtDecoder decoder(CallerProperties.JwtIssuer issuer, WebClient.Builder builder, Clock clock) {
        Duration timeout = issuer.jwksTimeout();
        WebClient webClient = UpstreamCalls.webClient(
                builder.clone().codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(MAX_KEY_SET_BYTES)),
                new UpstreamSettings(timeout, timeout, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
        JwksKeySource keys = new JwksKeySource(
                issuer.issuer(),
                issuer.jwkSetUri(),
                webClient,
                clock,
                issuer.jwksMaxAge(),
                issuer.jwksMinRefreshInterval());
        NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSource(keys::keys)
                .jwtProcessorCustomizer(processor -> processor.setJWSKeySelector(
                        new JWSVerificationKeySelector<>(JwksKeySource.ALGORITHMS, new JWKSecurityContextJWKSet())))
                .build();
        decoder.setJwtValidator(validator(issuer, clock));
        return decoder;
    }

    private static OAuth2TokenValidator<Jwt> validator(CallerProperties.JwtIssuer issuer, Clock clock) {
        JwtTimestampValidator timestamps = new JwtTimestampValidator(issuer.clockSkew());
        timestamps.setClock(clock);
        timestamps.setAllowEmptyExpiryClaim(false);
        List<String> audiences = issuer.audiences();
        JwtClaimValidator<List<String>> audience = new JwtClaimValidator<>(
                JwtClaimNames.AUD, aud -> aud != null && aud.stream().anyMatch(audiences::contains));
        return new DelegatingOAuth2TokenValidator<>(
                timestamps,
                new JwtLifetimeValidator(issuer.maxLifetime(), issuer.clockSkew(), clock),
                new JwtIssuerValidator(issuer.issuer()),
                audience);
    }

    private static void check(List<CallerProperties.JwtIssuer> issuers) {
        List<String> problems = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (int index = 0; index < issuers.size(); index++) {
            CallerProperties.JwtIssuer issuer = issuers.get(index);
            String where = "tokenbroker.callers.jwt[" + index + "]";
            if (issuer.issuer() == null || issuer.issuer().isBlank()) {
                problems.add(where + ".issuer: required");
            } else if (seen.contains(issuer.issuer())) {
                problems.add(where + ".issuer: '" + issuer.issuer() + "' is configured twice");
            } else {
                seen.add(issuer.issuer());
            }
            if (issuer.jwkSetUri() == null
                    || !issuer.jwkSetUri().isAbsolute()
                    || !List.of("http", "https").contains(issuer.jwkSetUri().getScheme())) {
                problems.add(where + ".jwk-set-uri: an absolute http(s) URL is required");
            }
            if (issuer.maxLifetime() == null
                    || issuer.maxLifetime().isNegative()
                    || issuer.maxLifetime().isZero()) {
                problems.add(where + ".max-lifetime: must be a positive duration");
            }
            if (issuer.audiences().isEmpty()) {
                problems.add(where + ".audiences: at least one audience is required");
            }
            String prefix = issuer.callerPrefix();
            if (prefix.isEmpty() && issuers.size() > 1) {
                problems.add(where + ".caller-prefix: required when more than one issuer is configured (e.g. eu1/),"
                        + " so that the same subject from two issuers is two callers");
            } else if (!prefix.isEmpty() && !CALLER_PREFIX.matcher(prefix).matches()) {
                problems.add(where + ".caller-prefix: must match " + CALLER_PREFIX.pattern());
            } else if (!prefix.isEmpty() && prefixes.contains(prefix)) {
                problems.add(where + ".caller-prefix: '" + prefix + "' is used by another issuer");
            }
            prefixes.add(prefix);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
    }
}
