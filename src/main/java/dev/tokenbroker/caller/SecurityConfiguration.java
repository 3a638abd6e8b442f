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
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Stateless authentication for the caller API: {@code /v1/**} needs an authenticated caller (a client key, a workload
 * JWT, or in sidecar mode the loopback caller); everything else authenticates inside its own handler or is public.
 * Failures are answered by the problem-details entry point.
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
    KnownCallers callerAuthenticationManager(
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
     * than the work they observe (profiled with the cache-hit benchmark). The request itself stays observed
     * ({@code http.server.requests}), and so do the cache lookup and the upstream call.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    SecurityWebFilterChain callerSecurity(
            ServerHttpSecurity http,
            ReactiveAuthenticationManager callerAuthenticationManager,
            LoopbackCallerProperties loopback,
            ServerAuthenticationEntryPoint entryPoint) {
        return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .authorizeExchange(exchanges -> exchanges
                        .pathMatchers("/v1/**")
                        .authenticated()
                        .anyExchange()
                        .permitAll())
                .oauth2ResourceServer(server -> server.authenticationManagerResolver(
                                exchange -> Mono.just(callerAuthenticationManager))
                        .bearerTokenConverter(new BoundedBearerTokenConverter())
                        .authenticationEntryPoint(entryPoint))
                .addFilterAt(loopbackCallers(loopback, entryPoint), SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(handling -> handling.authenticationEntryPoint(entryPoint))
                .build();
    }

    /**
     * The drop-in token endpoints (IAM facade, RFC 8693) authenticate the caller from their form body, so they get a
     * chain of their own without bearer authentication: an {@code Authorization} header (the IBM SDKs send Basic
     * when configured with a client id) is neither needed nor looked at. The OpenAPI description is public.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain inBodyCredentials(ServerHttpSecurity http) {
        return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers(
                        "/iam/*/identity/token", "/oauth2/token", "/v3/api-docs", "/v3/api-docs/**"))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }

    // A caller the converter has already decided on needs no further authentication.
    private static AuthenticationWebFilter loopbackCallers(
            LoopbackCallerProperties properties, ServerAuthenticationEntryPoint entryPoint) {
        AuthenticationWebFilter filter = new AuthenticationWebFilter((ReactiveAuthenticationManager) Mono::just);
        filter.setServerAuthenticationConverter(new LoopbackCallerConverter(properties));
        filter.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        return filter;
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
