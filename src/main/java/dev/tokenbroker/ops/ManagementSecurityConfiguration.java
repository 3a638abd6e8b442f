package dev.tokenbroker.ops;

import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.caller.OpsProperties;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.security.autoconfigure.actuate.web.reactive.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import reactor.core.publisher.Mono;

/**
 * Security of the management port: {@code health} (all groups) and {@code info} are open, for the kubelet; every
 * other endpoint needs the {@code ops} role ({@code tokenbroker.ops.callers}). Callers authenticate with the same
 * bearer credentials as on the caller API, or with HTTP Basic (user = the client id, password = its client key), so
 * that Spring Boot Admin and Prometheus {@code basic_auth} work with configuration only. Basic is accepted on this
 * port only; the caller API takes bearer credentials alone. No credentials: 401 problem; not an ops caller: 403
 * problem.
 *
 * <p>With a separate management port the management child context is served through the application's security
 * filter chains too; {@link EndpointRequest} matches only requests of that child context, so this chain takes every
 * actuator request, and the caller API's chains (ordered before it) match only requests of the caller port. The
 * problem renderer comes in as Spring Security's entry point and access-denied handler.
 */
@Configuration(proxyBeanMethods = false)
class ManagementSecurityConfiguration {

    /** After the caller API's chains, which match requests of the caller port only. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 10)
    SecurityWebFilterChain managementSecurity(
            ServerHttpSecurity http,
            ReactiveAuthenticationManager callerAuthenticationManager,
            ServerAuthenticationEntryPoint problems,
            ServerAccessDeniedHandler denied,
            OpsProperties ops) {
        ReactiveAuthenticationManager opsAware = authentication -> callerAuthenticationManager
                .authenticate(authentication)
                .map(authenticated -> withOpsRole(authenticated, ops));
        return http.securityMatcher(EndpointRequest.toAnyEndpoint())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(basic -> basic.authenticationManager(basic(callerAuthenticationManager, ops))
                        .authenticationEntryPoint(problems))
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .authorizeExchange(exchanges -> exchanges
                        .matchers(EndpointRequest.to(HealthEndpoint.class, InfoEndpoint.class))
                        .permitAll()
                        .anyExchange()
                        .hasAuthority(OpsProperties.ROLE_OPS))
                .oauth2ResourceServer(server -> server.authenticationManagerResolver(exchange -> Mono.just(opsAware))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(denied))
                .exceptionHandling(
                        handling -> handling.authenticationEntryPoint(problems).accessDeniedHandler(denied))
                .build();
    }

    // HTTP Basic: the password is a client key, authenticated like a bearer key; the user must be that key's client id,
    // so a key pasted under another name is refused rather than silently accepted as someone else.
    private static ReactiveAuthenticationManager basic(ReactiveAuthenticationManager callers, OpsProperties ops) {
        return authentication -> {
            String user = authentication.getName();
            Object credentials = authentication.getCredentials();
            String password = credentials == null ? "" : credentials.toString();
            if (!password.startsWith(ClientKeys.PREFIX)) {
                return Mono.error(new BadCredentialsException("HTTP Basic needs a client id and its client key"));
            }
            return callers.authenticate(new BearerTokenAuthenticationToken(password))
                    .onErrorMap(
                            AuthenticationException.class,
                            failure -> new BadCredentialsException("unknown client key", failure))
                    .filter(authenticated -> authenticated.getName().equals("client:" + user))
                    .switchIfEmpty(Mono.error(new BadCredentialsException("the client key is not this client id's")))
                    .map(authenticated -> withOpsRole(authenticated, ops));
        };
    }

    // Client-key callers get ROLE_OPS from their authentication manager; JWT callers (or any other kind) listed in
    // tokenbroker.ops.callers get it here, by caller id.
    private static Authentication withOpsRole(Authentication authenticated, OpsProperties ops) {
        boolean hasRole = authenticated.getAuthorities().stream()
                .anyMatch(authority -> OpsProperties.ROLE_OPS.equals(authority.getAuthority()));
        if (hasRole || !ops.isOps(authenticated.getName())) {
            return authenticated;
        }
        List<GrantedAuthority> authorities = new ArrayList<>(authenticated.getAuthorities());
        authorities.add(new SimpleGrantedAuthority(OpsProperties.ROLE_OPS));
        return new CallerAuthentication(authenticated.getName(), authorities);
    }
}
