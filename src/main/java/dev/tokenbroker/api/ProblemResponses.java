package dev.tokenbroker.api;

import dev.tokenbroker.caller.CallerServer;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.problem.BrokerException;
import dev.tokenbroker.problem.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The problem-details dialect: answers every error, from handlers, from Spring Security (entry point, access denied,
 * firewall) and from WebFlux itself, as an RFC 9457 {@code application/problem+json} body with {@code request_id}, and
 * notes refusals on the caller API for the audit ({@link AuditedResponses}). Every failure is first translated into the
 * broker's failure family ({@link Failures}), whose type gives the status, title and audit reason. {@code instance} is
 * the path with any segment that could be a pasted secret redacted; the {@code detail} never quotes an upstream body, a
 * header or key material.
 */
@Component
@Order(-2)
public final class ProblemResponses
        implements WebExceptionHandler,
                ServerAuthenticationEntryPoint,
                ServerAccessDeniedHandler,
                ServerExchangeRejectedHandler {

    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;
    // A path segment echoed as it is: the literal segments of the API and well-formed credential names.
    private static final Pattern SAFE_SEGMENT = CredentialRegistry.NAME;

    private final JsonMapper json = JsonMapper.builder().build();

    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException failure) {
        return render(exchange, Failures.translate(failure));
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
        return render(exchange, Failures.translate(denied));
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, ServerExchangeRejectedException rejected) {
        return render(exchange, new InvalidRequestException("request rejected: malformed or ambiguous path"));
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(failure);
        }
        return render(exchange, Failures.translate(failure));
    }

    private Mono<Void> render(ServerWebExchange exchange, BrokerException problem) {
        ServerHttpResponse response = exchange.getResponse();
        AuditContext context = AuditContext.of(exchange);
        int status = problem.getStatusCode().value();

        Map<String, Object> body = new LinkedHashMap<>();
        body.put(
                "type",
                problem.type() == null ? "about:blank" : problem.type().uri().toString());
        body.put("title", problem.title());
        body.put("status", status);
        body.put("detail", problem.detail());
        body.put("instance", instance(exchange));
        if (context.credential() != null) {
            body.put("credential", context.credential());
        }
        body.putAll(problem.members());
        body.put("request_id", RequestIds.of(exchange));

        if (isCallerApi(exchange)) {
            AuditedResponses.refused(exchange, status, problem.auditReason());
        }
        response.setStatusCode(problem.getStatusCode());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(PROBLEM_JSON);
        NoStore.apply(headers);
        problem.getHeaders().forEach(headers::put);
        byte[] bytes = json.writeValueAsBytes(body);
        DataBuffer buffer =
                response.bufferFactory().allocateBuffer(bytes.length).write(bytes);
        return response.writeWith(Mono.just(buffer));
    }

    /**
     * The request's path, with every segment that could be a secret pasted into a URL (a client key, a JWT: anything
     * that is not a well-formed name, or is percent-encoded) replaced by {@code *}.
     */
    static String instance(ServerWebExchange exchange) {
        String[] segments = exchange.getRequest().getPath().value().split("/", -1);
        for (int index = 0; index < segments.length; index++) {
            if (!segments[index].isEmpty()
                    && !SAFE_SEGMENT.matcher(segments[index]).matches()) {
                segments[index] = "*";
            }
        }
        return String.join("/", segments);
    }

    /** Whether the exchange is a request to the caller API (on the caller port): those are audited. */
    static boolean isCallerApi(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().value();
        return (path.startsWith("/v1/") || path.startsWith("/iam/") || path.startsWith("/oauth2/"))
                && CallerServer.serves(exchange);
    }
}
