package dev.tokenbroker.api;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CacheKey;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.CallerRateLimiter;
import dev.tokenbroker.caller.CredentialAccess;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.KnownCallers;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.edge.EdgeProperties;
import dev.tokenbroker.iam.IamToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * The cache hit of {@code POST /v1/credentials/{name}/iam-token}, answered in front of Spring WebFlux: the request
 * that the whole service exists for, answered without an exchange, a filter chain, an observation or a dispatcher.
 * Only the plainest form of it, and only when every answer is known to be a 200: HTTP/1.1, no query, no body, one
 * {@code Host}, an {@code Accept} of none, {@code *}{@code /*} or {@code application/json}, one {@code Bearer} value
 * that is a configured client key or a remembered JWT, a caller the policy allows, a cached token of the master-key
 * version in service with the default minimum validity, and a rate limit that admits the caller. Everything else,
 * decided before anything is taken or written, goes to the application as before ({@link TokenEndpoints} and the
 * chain), which answers it exactly as it always has.
 *
 * <p>What the application would do for such a request, this does with the same parts and in the same order: the
 * request id ({@link RequestIds}), one request from the caller's rate limit, the cache hit (statistics, access time,
 * refresh-ahead; {@link CredentialIssuer#cachedIamToken}), the audit line logged before the answer's bytes can reach
 * the client ({@link AuditLog}, whose listeners count {@code tokenbroker.requests}; with {@code json-lines} it is
 * queued then and written about a millisecond later), the answer's bytes ({@link TokenBodies}), its headers in the
 * order the application writes them (the request id, no-store, the JSON type and length, then Spring Security's
 * default headers, which {@code CacheHitShortcutIntegrationTests} holds to what the
 * chain writes) and a sample of the {@code http.server.requests} timer with the tags Boot's observation gives that
 * answer. It is a timer sample, not an observation: with a tracing bridge, these requests have no span; set
 * {@code tokenbroker.server.cache-hit-shortcut=false} to have every request observed.
 *
 * <p>One race is accepted: an entry that leaves the cache between the check and the hit (an eviction, a rotation
 * completing) sends the request on to the application after it has taken its request from the rate limit, which the
 * application then takes again. Thread-safe.
 */
@Component
final class CacheHits implements HttpHandlerDecoratorFactory {

    private static final String SERVER_REQUESTS = "http.server.requests";
    // Spring Security's default headers, as its header writer adds them to such an answer.
    private static final List<String[]> SECURITY_HEADERS = List.of(
            new String[] {"X-Content-Type-Options", "nosniff"},
            new String[] {"X-Frame-Options", "DENY"},
            new String[] {"X-XSS-Protection", "0"},
            new String[] {"Referrer-Policy", "no-referrer"});

    private final KnownCallers callers;
    private final CredentialAccess access;
    private final CallerRateLimiter rateLimits;
    private final CredentialIssuer issuer;
    private final TokenIssuance issuance;
    private final TokenBodies bodies;
    private final AuditLog audit;
    private final Clock clock;
    private final ObjectProvider<MeterRegistry> meters;
    private final boolean enabled;
    private volatile Timer served;

    CacheHits(
            KnownCallers callerAuthenticationManager,
            CredentialAccess access,
            CallerRateLimiter rateLimits,
            CredentialIssuer issuer,
            TokenIssuance issuance,
            TokenBodies bodies,
            AuditLog audit,
            Clock clock,
            ObjectProvider<MeterRegistry> meters,
            EdgeProperties edge) {
        this.callers = callerAuthenticationManager;
        this.access = access;
        this.rateLimits = rateLimits;
        this.issuer = issuer;
        this.issuance = issuance;
        this.bodies = bodies;
        this.audit = audit;
        this.clock = clock;
        this.meters = meters;
        this.enabled = edge.cacheHitShortcut();
    }

    @Override
    public HttpHandler apply(HttpHandler application) {
        if (!enabled) {
            return application;
        }
        return (request, response) -> {
            long started = System.nanoTime();
            Mono<Void> answered = answer(request, response, started);
            return answered != null ? answered : application.handle(request, response);
        };
    }

    // The answer, or null when the application must answer (nothing has been taken or written then, except in the
    // race described above).
    private Mono<Void> answer(ServerHttpRequest request, ServerHttpResponse response, long started) {
        if (request.getMethod() != HttpMethod.POST || request.getURI().getRawQuery() != null) {
            return null;
        }
        String name =
                TokenEndpoints.name(request.getPath().value(), TokenEndpoints.V1_PREFIX, TokenEndpoints.V1_SUFFIX);
        HttpHeaders headers = request.getHeaders();
        if (name == null || !TokenEndpoints.ordinary(headers) || !JsonBodies.isAbsent(headers) || !http11(request)) {
            return null;
        }
        List<String> hosts = headers.get(HttpHeaders.HOST);
        String bearer = TokenEndpoints.bearer(headers.getFirst(HttpHeaders.AUTHORIZATION));
        if (hosts == null || hosts.size() != 1 || bearer == null) {
            return null;
        }
        CallerAuthentication caller = callers.known(bearer);
        Credential credential = caller == null ? null : allowed(caller.callerId(), name);
        CacheKey cached =
                credential == null ? null : issuer.servableIamToken(credential, IamTokenRequest.DEFAULT_MIN_VALID);
        if (cached == null || !rateLimits.acquire(caller.callerId()).isZero()) {
            return null;
        }
        IamToken token = issuer.takeIamToken(cached, IamTokenRequest.DEFAULT_MIN_VALID);
        if (token == null) {
            return null;
        }
        String requestId = RequestIds.idFor(headers.getFirst(RequestIds.HEADER));
        audit.issued(
                requestId,
                caller.callerId(),
                name,
                Grant.IAM_TOKEN.id(),
                200,
                issuance.fingerprint(token.accessToken()));
        byte[] body = bodies.bytes(new IamTokenResponse(token, name, clock.instant()));
        response.setStatusCode(HttpStatus.OK);
        HttpHeaders answer = response.getHeaders();
        answer.set(RequestIds.HEADER, requestId);
        NoStore.apply(answer);
        answer.setContentType(MediaType.APPLICATION_JSON);
        answer.setContentLength(body.length);
        for (String[] header : SECURITY_HEADERS) {
            answer.set(header[0], header[1]);
        }
        DataBuffer buffer = TokenAnswers.buffer(response, body);
        return response.writeWith(Mono.just(buffer)).doOnSuccess(done -> record(started));
    }

    // The credential when the policy allows the caller its IAM token; null for any refusal (the application answers
    // it, and audits it, as before).
    private Credential allowed(String caller, String name) {
        try {
            return access.authorize(caller, name, Grant.IAM_TOKEN);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    private static boolean http11(ServerHttpRequest request) {
        return ServerHttpRequestDecorator.getNativeRequest(request) instanceof HttpServerRequest netty
                && HttpVersion.HTTP_1_1.equals(netty.version());
    }

    private void record(long started) {
        Timer timer = timer();
        if (timer != null) {
            timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    // Boot's http.server.requests, with the tags its observation gives a 200 of this endpoint.
    private Timer timer() {
        Timer timer = served;
        if (timer == null) {
            MeterRegistry registry = meters.getIfAvailable();
            timer = registry == null
                    ? null
                    : Timer.builder(SERVER_REQUESTS)
                            .tag("error", "none")
                            .tag("exception", "none")
                            .tag("method", "POST")
                            .tag("outcome", "SUCCESS")
                            .tag("status", "200")
                            .tag("uri", TokenEndpoints.V1_PATTERN)
                            .register(registry);
            served = timer;
        }
        return timer;
    }
}
