package baseline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * A second baseline of {@code scripts/bench.sh}: {@link BareWebFluxApp} behind the lean Spring Security chain the
 * broker's caller API has (no csrf, basic, form login, logout, request cache, anonymous; a no-op context repository;
 * one {@code AuthenticationWebFilter} whose converter reads {@code Authorization: Bearer} and whose manager compares it
 * with one configured key; {@code authenticated()}), nothing else. Its own JVM, on the WebFlux class path plus Spring
 * Security. It says what the framework's security chain costs by itself, the floor under the broker's cache hit.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableWebFluxSecurity
public class BareSecuredWebFluxApp {

    public static void main(String[] args) {
        SpringApplication.run(BareSecuredWebFluxApp.class, args);
    }

    /** With {@code bench.annotated=true}, the same answer from an annotated controller instead of a route. */
    @RestController
    @ConditionalOnBooleanProperty("bench.annotated")
    static class Annotated {

        private final byte[] body;

        Annotated(Environment environment) throws IOException {
            this.body = Files.readAllBytes(Path.of(environment.getRequiredProperty("bench.body")));
        }

        @PostMapping("/v1/credentials/{name}/iam-token")
        Mono<ResponseEntity<byte[]>> token(@PathVariable String name, Principal caller, ServerWebExchange exchange) {
            return Mono.just(ResponseEntity.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .cacheControl(CacheControl.noStore())
                    .header("Pragma", "no-cache")
                    .body(body));
        }
    }

    @Bean
    @ConditionalOnBooleanProperty(value = "bench.annotated", havingValue = false, matchIfMissing = true)
    RouterFunction<ServerResponse> token(Environment environment) throws Exception {
        return BareWebFluxApp.tokenRoute(environment);
    }

    @Bean
    SecurityWebFilterChain callerApi(ServerHttpSecurity http, Environment environment) {
        String key = environment.getRequiredProperty("bench.key");
        ReactiveAuthenticationManager manager = credential -> key.equals(credential.getCredentials())
                ? Mono.just(UsernamePasswordAuthenticationToken.authenticated(
                        "client:bench", key, AuthorityUtils.NO_AUTHORITIES))
                : Mono.error(new BadCredentialsException("unknown key"));
        AuthenticationWebFilter authentication = new AuthenticationWebFilter(manager);
        authentication.setServerAuthenticationConverter(exchange -> {
            String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
            return authorization == null || !authorization.startsWith("Bearer ")
                    ? Mono.empty()
                    : Mono.just(
                            UsernamePasswordAuthenticationToken.unauthenticated("bearer", authorization.substring(7)));
        });
        return http.securityMatcher(
                        exchange -> exchange.getRequest().getPath().value().startsWith("/v1/")
                                ? MatchResult.match()
                                : MatchResult.notMatch())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .addFilterAt(authentication, SecurityWebFiltersOrder.AUTHENTICATION)
                .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
                .build();
    }
}
