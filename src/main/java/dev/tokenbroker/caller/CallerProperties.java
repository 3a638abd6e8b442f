package dev.tokenbroker.caller;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call ({@code tokenbroker.callers.*}) and how often.
 *
 * @param clientKeys client id to the {@code sha256:HEX} hash of its key; the caller id is {@code client:{id}}
 * @param jwt the issuers whose workload JWTs are accepted; the caller id is the issuer's {@code caller-prefix}
 *     followed by the token's {@code sub}
 * @param rateLimit per-caller token buckets
 */
@ConfigurationProperties("tokenbroker.callers")
public record CallerProperties(
        Map<String, String> clientKeys,
        List<JwtIssuer> jwt,
        @DefaultValue RateLimit rateLimit) {

    public CallerProperties {
        clientKeys = clientKeys == null ? Map.of() : Map.copyOf(clientKeys);
        jwt = jwt == null ? List.of() : List.copyOf(jwt);
        rateLimit = rateLimit == null ? RateLimit.DEFAULT : rateLimit;
    }

    /**
     * One trusted JWT issuer, e.g. a cluster's service-account issuer.
     *
     * @param issuer the exact {@code iss} value its tokens carry
     * @param callerPrefix put in front of each token's {@code sub} to make the caller id, e.g. {@code eu1/} gives
     *     {@code eu1/system:serviceaccount:ml:scorer}; required, and distinct, when more than one issuer is configured,
     *     so that the same service account in two clusters is two callers (policy, rate limit, audit). At most 32
     *     characters of {@code [a-z0-9._-]} ending in {@code /}; empty (the default) with a single issuer
     * @param jwkSetUri where its public keys are published (JWKS)
     * @param audiences a token must name at least one of these in {@code aud}
     * @param clockSkew tolerance applied to {@code exp} and {@code nbf}
     * @param jwksMaxAge how long a fetched key set is used before it is fetched again (on the next request; the old
     *     one keeps serving if that fails)
     * @param jwksMinRefreshInterval an unknown {@code kid} re-fetches the key set at most once per this interval, so
     *     that forged tokens cannot hammer the issuer
     * @param jwksTimeout connect and response timeout of one key-set fetch
     * @param maxLifetime the longest life a token may claim: its {@code exp} is required and at most this long after
     *     its {@code iat} (or after now, when it has no {@code iat}); an {@code iat} in the future (beyond
     *     {@code clockSkew}) is refused, so that a token cannot stretch this by lying about its birth. Kubernetes
     *     projected tokens live 1 h by default; a leaked long-lived token is the risk this bounds
     */
    public record JwtIssuer(
            String issuer,
            String callerPrefix,
            URI jwkSetUri,
            List<String> audiences,
            @DefaultValue("30s") Duration clockSkew,
            @DefaultValue("5m") Duration jwksMaxAge,
            @DefaultValue("30s") Duration jwksMinRefreshInterval,
            @DefaultValue("5s") Duration jwksTimeout,
            @DefaultValue("24h") Duration maxLifetime) {

        public JwtIssuer {
            callerPrefix = callerPrefix == null ? "" : callerPrefix;
            audiences = audiences == null ? List.of() : List.copyOf(audiences);
        }
    }

    /**
     * Per-caller token buckets: a caller may send {@code burst} requests at once and {@code requestsPerSecond} on
     * average. State is kept for at most {@code maxCallers} callers and dropped once a bucket would be full again.
     *
     * @param requestsPerSecond refill rate
     * @param burst bucket size
     * @param maxCallers how many callers' buckets are remembered (least recently used go first)
     * @param overrides other limits for some callers; the first rule whose glob matches wins
     */
    public record RateLimit(
            @DefaultValue("50") double requestsPerSecond,
            @DefaultValue("100") int burst,
            @DefaultValue("100000") int maxCallers,
            List<CallerLimit> overrides) {

        static final RateLimit DEFAULT = new RateLimit(50, 100, 100_000, List.of());

        public RateLimit {
            overrides = overrides == null ? List.of() : List.copyOf(overrides);
        }

        /**
         * A limit for the callers matching any of {@code callers} (globs, {@code *} within one {@code :} segment).
         *
         * @param callers caller id globs, e.g. {@code client:batch-job}, {@code system:serviceaccount:ml:*}
         * @param requestsPerSecond refill rate
         * @param burst bucket size
         */
        public record CallerLimit(List<String> callers, double requestsPerSecond, int burst) {

            public CallerLimit {
                callers = callers == null ? List.of() : List.copyOf(callers);
            }
        }
    }
}
