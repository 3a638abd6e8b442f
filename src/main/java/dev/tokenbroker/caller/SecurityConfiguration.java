package dev.tokenbroker.caller;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.PathPatternParserServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Spring Security for the caller API, stateless, on the caller port only ({@link CallerServer}: the management server
 * sees these chains too and is guarded by its own). {@code /v1/**} goes through one lean chain whose one
 * {@link AuthenticationWebFilter} turns the caller's credential ({@link CallerCredentialConverter}: a bearer client
 * key or workload JWT, or the sidecar's loopback caller) into an authenticated caller and refuses everyone else (401
 * problem, {@code WWW-Authenticate: Bearer}); the drop-in token endpoints, which authenticate the caller from their
 * form body, and the OpenAPI description get a chain without authentication; everything else (a 404) one with the
 * default headers only. Every chain writes Spring Security's default headers; none has CSRF, sessions, a request
 * cache, form login, HTTP Basic, logout or anonymous authentication.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class SecurityConfiguration {

    // Distinct live workload tokens remembered after verification (each entry is a hash and a caller id).
    private static final long VERIFIED_JWTS = 100_000;

    @Bean
    Policy policy(PolicyProperties properties, CredentialRegistry registry) {
        return Policy.load(properties, registry);
    }

    /** Bearer values: {@code tbk_…} client keys, anything else a workload JWT from a configured issuer. */
    @Bean
    ReactiveAuthenticationManager callerAuthenticationManager(
            CallerProperties properties, OpsProperties ops, WebClient.Builder webClients, Clock clock) {
        checkClientKeys(properties);
        JwtAuthenticationManager jwts = new JwtAuthenticationManager(
                JwtIssuers.trusted(properties.jwt(), webClients, clock), new VerifiedJwts(clock, VERIFIED_JWTS));
        return new BearerAuthenticationManager(new ClientKeyAuthenticationManager(properties, ops), jwts);
    }

    @Bean
    CallerRateLimiter callerRateLimiter(CallerProperties properties, Clock clock) {
        return new CallerRateLimiter(properties.rateLimit(), clock);
    }

    /**
     * No observation per security filter, authentication and authorization: on the cache-hit path they cost more
     * than the work they observe (docs/benchmarks.md). The request itself stays observed
     * ({@code http.server.requests}), and so do the cache lookup and the upstream call.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * First of all chains: the caller API is what the broker serves most, and its matcher reads no more than which
     * server took the request and its path.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain callerApi(
            ServerHttpSecurity http,
            ReactiveAuthenticationManager callerAuthenticationManager,
            LoopbackCallerProperties loopback,
            ServerAuthenticationEntryPoint entryPoint) {
        // The loopback caller comes out of the converter already authenticated; bearer values are authenticated here.
        ReactiveAuthenticationManager callers = credential -> credential instanceof CallerAuthentication local
                ? Mono.just(local)
                : callerAuthenticationManager.authenticate(credential);
        AuthenticationWebFilter authentication = new AuthenticationWebFilter(callers);
        authentication.setServerAuthenticationConverter(new CallerCredentialConverter(loopback));
        authentication.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        return lean(http.securityMatcher(callerPort(new PathPatternParserServerWebExchangeMatcher("/v1/**"))))
                .addFilterAt(authentication, SecurityWebFiltersOrder.AUTHENTICATION)
                .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
                .exceptionHandling(handling -> handling.authenticationEntryPoint(entryPoint))
                .build();
    }

    /**
     * The drop-in token endpoints (IAM facade, RFC 8693) authenticate the caller from their form body, so their chain
     * has no authentication: an {@code Authorization} header (the IBM SDKs send Basic when configured with a client
     * id) is neither needed nor looked at. The OpenAPI description is public.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    SecurityWebFilterChain inBodyCredentials(ServerHttpSecurity http) {
        return lean(http.securityMatcher(callerPort(ServerWebExchangeMatchers.pathMatchers(
                        "/iam/*/identity/token", "/oauth2/token", "/v3/api-docs", "/v3/api-docs/**"))))
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }

    /** Anything else, on either port: nothing to authenticate (it is answered 404), the default headers. */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    SecurityWebFilterChain everythingElse(ServerHttpSecurity http) {
        return lean(http)
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }

    // These paths on the caller port (the server is asked first: it costs nothing).
    private static ServerWebExchangeMatcher callerPort(ServerWebExchangeMatcher paths) {
        return exchange -> CallerServer.serves(exchange) ? paths.matches(exchange) : MatchResult.notMatch();
    }

    // Stateless and without what a browser application needs.
    private static ServerHttpSecurity lean(ServerHttpSecurity http) {
        return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance());
    }

    private static void checkClientKeys(CallerProperties properties) {
        List<String> problems = new ArrayList<>();
        properties.clientKeys().forEach((id, hash) -> {
            if (!ClientKeys.ID.matcher(id).matches()) {
                problems.add("tokenbroker.callers.client-keys." + id + ": id must match " + ClientKeys.ID.pattern());
            }
            if (hash == null || !ClientKeys.HASH.matcher(hash).matches()) {
                problems.add("tokenbroker.callers.client-keys." + id
                        + ": must be sha256:<64 lowercase hex> (see generate-client-key)");
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
    }
}
