package dev.tokenbroker.api;

import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.KnownCallers;
import dev.tokenbroker.credential.CredentialRegistry;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.header.HttpHeaderWriterWebFilter;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The hot path: serves the ordinary requests of the three token endpoints ({@code POST
 * /v1/credentials/{name}/iam-token}, {@code POST /iam/{name}/identity/token}, {@code POST /oauth2/token}) from one
 * early filter, without annotated dispatch, content negotiation or the Spring Security filter chain, and with each
 * answer's bytes serialised once per token and second ({@link TokenBodies}). What it does for them is what the chain
 * and the controllers do, in the same order and by the same code: the security headers of the endpoint's own chain
 * (its {@link HttpHeaderWriterWebFilter}), bearer authentication with the caller authentication manager, the
 * {@code /v1} rate limit, then the controller method, whose answer it writes as the annotated dispatch would.
 *
 * <p>Anything out of the ordinary goes down the regular path untouched, to be answered there exactly as before: a
 * path that is not plainly well formed, a query string, an {@code Accept} header other than none, {@code *}{@code /*}
 * or {@code application/json}, a loopback-caller request, an {@code Authorization} header that is not one plain
 * {@code Bearer} value, and a {@code /v1} caller that does not authenticate (its 401 is the entry point's).
 * Failures after that are signalled as errors, for {@link AuditedResponses} and {@link ProblemResponses} to answer, as
 * they are for a controller. Thread-safe.
 */
@Component
final class TokenEndpoints {

    static final String V1_PATTERN = "/v1/credentials/{name}/iam-token";
    static final String FACADE_PATTERN = "/iam/{name}/identity/token";
    static final String EXCHANGE_PATH = "/oauth2/token";

    static final String V1_PREFIX = "/v1/credentials/";
    static final String V1_SUFFIX = "/iam-token";
    private static final String FACADE_PREFIX = "/iam/";
    private static final String FACADE_SUFFIX = "/identity/token";
    private static final String BEARER_PREFIX = "Bearer ";
    private static final String LOOPBACK_HEADER = "X-Token-Broker-Request";
    private static final int MAX_AUTHORIZATION = 16 * 1024;

    private final KnownCallers callers;
    private final CallerRateLimits rateLimits;
    private final CredentialsController v1;
    private final IamFacadeController facade;
    private final TokenExchangeController exchange;
    private final TokenAnswers answers;
    private final HttpHeaderWriterWebFilter callerHeaders;
    private final HttpHeaderWriterWebFilter inBodyHeaders;

    TokenEndpoints(
            KnownCallers callerAuthenticationManager,
            CallerRateLimits rateLimits,
            CredentialsController v1,
            IamFacadeController facade,
            TokenExchangeController exchange,
            TokenAnswers answers,
            @Qualifier("callerSecurity") SecurityWebFilterChain callerSecurity,
            @Qualifier("inBodyCredentials") SecurityWebFilterChain inBodyCredentials) {
        this.callers = callerAuthenticationManager;
        this.rateLimits = rateLimits;
        this.v1 = v1;
        this.facade = facade;
        this.exchange = exchange;
        this.answers = answers;
        this.callerHeaders = headerWriter(callerSecurity);
        this.inBodyHeaders = headerWriter(inBodyCredentials);
    }

    /** This step of {@link ApiEdge}: as a {@link WebFilter} would, with {@code chain} the steps after it. */
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (request.getMethod() != HttpMethod.POST
                || request.getURI().getRawQuery() != null
                || !ordinary(request.getHeaders())) {
            return chain.filter(exchange);
        }
        String path = request.getPath().value();
        if (path.startsWith("/v1/")) {
            String name = name(path, V1_PREFIX, V1_SUFFIX);
            return name != null ? v1(name, exchange, chain) : chain.filter(exchange);
        }
        if (path.startsWith(FACADE_PREFIX)) {
            String name = name(path, FACADE_PREFIX, FACADE_SUFFIX);
            if (name == null) {
                return chain.filter(exchange);
            }
            matched(exchange, FACADE_PATTERN);
            return inBodyHeaders.filter(
                    exchange, served -> answers.write(served, Mono.defer(() -> facade.token(name, served))));
        }
        if (path.equals(EXCHANGE_PATH)) {
            matched(exchange, EXCHANGE_PATH);
            return inBodyHeaders.filter(
                    exchange, served -> answers.write(served, Mono.defer(() -> this.exchange.token(served))));
        }
        return chain.filter(exchange);
    }

    private Mono<Void> v1(String name, ServerWebExchange exchange, WebFilterChain chain) {
        String bearer = bearer(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (bearer == null) {
            return chain.filter(exchange);
        }
        CallerAuthentication known = callers.known(bearer);
        if (known != null) {
            return served(name, known, exchange);
        }
        return callers.authenticate(new BearerTokenAuthenticationToken(bearer))
                .ofType(CallerAuthentication.class)
                .map(Optional::of)
                // Not authenticated here: the chain authenticates it again and answers as it always has.
                .onErrorResume(failure -> Mono.just(Optional.empty()))
                .defaultIfEmpty(Optional.empty())
                .flatMap(caller -> caller.isPresent() ? served(name, caller.get(), exchange) : chain.filter(exchange));
    }

    private Mono<Void> served(String name, CallerAuthentication caller, ServerWebExchange exchange) {
        matched(exchange, V1_PATTERN);
        return callerHeaders.filter(exchange, served -> {
            RateLimitedException limited = rateLimits.refusal(caller, served);
            if (limited != null) {
                return Mono.error(limited);
            }
            if (!JsonBodies.isAbsent(served.getRequest().getHeaders())) {
                return answers.write(served, Mono.defer(() -> v1.iamToken(name, caller, served)));
            }
            // No body: a cache hit is answered at once, anything else (a cold key, a refusal) the reactive way.
            ResponseEntity<IamTokenResponse> hit;
            try {
                hit = v1.cachedIamToken(name, caller, served);
            } catch (RuntimeException refused) {
                return Mono.error(refused);
            }
            return hit != null
                    ? answers.write(served, hit)
                    : answers.write(served, v1.iamTokenWithoutBody(name, caller, served));
        });
    }

    /**
     * The credential name of a token endpoint path, {@code prefix + name + suffix} with a well-formed name
     * ({@link CredentialRegistry#NAME}); null for any other path. By hand: a regular expression here was a tenth of
     * a cache hit's cost.
     */
    static String name(String path, String prefix, String suffix) {
        int end = path.length() - suffix.length();
        if (end <= prefix.length() || !path.startsWith(prefix) || !path.endsWith(suffix)) {
            return null;
        }
        return CredentialRegistry.isWellFormed(path, prefix.length(), end)
                ? path.substring(prefix.length(), end)
                : null;
    }

    /**
     * The token of an {@code Authorization: Bearer} value, as Spring Security's bearer converter reads it (RFC 6750
     * §2.1 b64token: {@code Bearer ([a-zA-Z0-9-._~+/]+=*)}, case and all), at most {@link #MAX_AUTHORIZATION}
     * characters; null for anything else.
     */
    static String bearer(String authorization) {
        if (authorization == null
                || authorization.length() > MAX_AUTHORIZATION
                || !authorization.startsWith(BEARER_PREFIX)) {
            return null;
        }
        int start = BEARER_PREFIX.length();
        int end = authorization.length();
        int padding = end;
        while (padding > start && authorization.charAt(padding - 1) == '=') {
            padding--;
        }
        if (padding == start) {
            return null;
        }
        for (int i = start; i < padding; i++) {
            char c = authorization.charAt(i);
            boolean b64 = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~'
                    || c == '+'
                    || c == '/';
            if (!b64) {
                return null;
            }
        }
        return authorization.substring(start);
    }

    // One Authorization at most, no loopback-caller request, and an Accept the annotated dispatch would answer with
    // application/json.
    static boolean ordinary(HttpHeaders headers) {
        List<String> accept = headers.get(HttpHeaders.ACCEPT);
        if (accept != null
                && (accept.size() != 1 || !("*/*".equals(accept.get(0)) || "application/json".equals(accept.get(0))))) {
            return false;
        }
        List<String> authorization = headers.get(HttpHeaders.AUTHORIZATION);
        return (authorization == null || authorization.size() == 1) && !headers.containsHeader(LOOPBACK_HEADER);
    }

    // What the handler mappings record for the request observation (http.server.requests' uri tag).
    private static void matched(ServerWebExchange exchange, String pattern) {
        ServerRequestObservationContext.findCurrent(exchange.getAttributes())
                .ifPresent(context -> context.setPathPattern(pattern));
    }

    private static HttpHeaderWriterWebFilter headerWriter(SecurityWebFilterChain chain) {
        return chain.getWebFilters()
                .ofType(HttpHeaderWriterWebFilter.class)
                .toStream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("a security chain without its header writer"));
    }
}
