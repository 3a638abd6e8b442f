package dev.tokenbroker.api;

import dev.tokenbroker.caller.CredentialForbiddenException;
import dev.tokenbroker.caller.CredentialTypeMismatchException;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.edge.Wire;
import dev.tokenbroker.support.UpstreamRejectedException;
import dev.tokenbroker.support.UpstreamUnavailableException;
import dev.tokenbroker.vault.SecretNotFoundException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers every error, from handlers, from Spring Security (entry point and firewall) and from WebFlux itself, as an RFC 9457
 * {@code application/problem+json} body with {@code request_id}, and notes refusals on the caller API for the audit
 * ({@link AuditedResponses}). {@code instance} is the path with any segment that could be a pasted secret redacted. The
 * {@code detail} never quotes an upstream body, a header or key material; unexpected exceptions become a bare 500
 * whose log line names the exception type but not its message (which may quote input).
 */
@Component
@Order(-2)
public final class ProblemResponses
        implements WebExceptionHandler, ServerAuthenticationEntryPoint, ServerExchangeRejectedHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);
    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;
    // A path segment echoed as it is: the literal segments of the API and well-formed credential names.
    private static final Pattern SAFE_SEGMENT = CredentialRegistry.NAME;

    private final JsonMapper json = JsonMapper.builder().build();

    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException failure) {
        return render(exchange, failure);
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
        return render(exchange, failure);
    }

    private Mono<Void> render(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        Problem problem = toProblem(failure);
        String requestId = RequestIds.of(exchange);
        AuditContext context = AuditContext.of(exchange);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put(
                "type",
                problem.type == null ? "about:blank" : problem.type.uri().toString());
        body.put("title", problem.title);
        body.put("status", problem.status.value());
        body.put("detail", problem.detail);
        body.put("instance", instance(exchange));
        if (context.credential() != null) {
            body.put("credential", context.credential());
        }
        body.putAll(problem.extra);
        body.put("request_id", requestId);

        if (isCallerApi(exchange)) {
            String reason = problem.type == null ? "http-" + problem.status.value() : problem.type.slug();
            AuditedResponses.refused(exchange, problem.status.value(), reason);
        }
        response.setStatusCode(problem.status);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(PROBLEM_JSON);
        NoStore.apply(headers);
        problem.headers.forEach(headers::set);
        DataBuffer buffer = TokenAnswers.buffer(response, json.writeValueAsBytes(body));
        return response.writeWith(Mono.just(buffer));
    }

    private Problem toProblem(Throwable failure) {
        if (failure instanceof InvalidRequestException invalid) {
            return Problem.of(ProblemType.INVALID_REQUEST, invalid.getMessage());
        }
        if (failure instanceof CredentialTypeMismatchException mismatch) {
            return Problem.of(ProblemType.WRONG_CREDENTIAL_TYPE, mismatch.getMessage());
        }
        if (failure instanceof CredentialForbiddenException forbidden) {
            return Problem.of(ProblemType.CREDENTIAL_FORBIDDEN, forbidden.getMessage());
        }
        if (failure instanceof IotRolesForbiddenException roles) {
            return Problem.of(ProblemType.ROLES_FORBIDDEN, roles.getMessage());
        }
        if (failure instanceof RateLimitedException limited) {
            return Problem.of(ProblemType.RATE_LIMITED, "caller is over its rate limit")
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(limited.retryAfterSeconds()));
        }
        if (failure instanceof AuthenticationException authentication) {
            return Problem.of(ProblemType.UNAUTHORIZED, "a valid bearer credential is required")
                    .header(HttpHeaders.WWW_AUTHENTICATE, wwwAuthenticate(authentication));
        }
        if (failure instanceof AccessDeniedException) {
            return Problem.of(ProblemType.FORBIDDEN, "the caller may not do this");
        }
        if (failure instanceof UpstreamRejectedException rejected) {
            Problem problem = Problem.of(ProblemType.UPSTREAM_REJECTED, rejected.getMessage());
            rejected.upstreamErrorCode().ifPresent(code -> problem.extra.put("upstream_error_code", code));
            return problem;
        }
        if (failure instanceof UpstreamUnavailableException unavailable) {
            return Problem.of(
                            ProblemType.UPSTREAM_UNAVAILABLE,
                            unavailable.getMessage() + "; no cached credential is valid long enough")
                    .header(
                            HttpHeaders.RETRY_AFTER,
                            Long.toString(unavailable.retryAfter().toSeconds()));
        }
        if (failure instanceof SecretNotFoundException missing) {
            return Problem.of(ProblemType.MASTER_KEY_MISSING, missing.getMessage());
        }
        if (Wire.isTimeout(failure)) {
            return Problem.of(ProblemType.REQUEST_TIMEOUT, "request body not received in time");
        }
        if (failure instanceof DataBufferLimitException) {
            return Problem.of(ProblemType.INVALID_REQUEST, "request body exceeds 16 KiB");
        }
        if (failure instanceof UnsupportedMediaTypeStatusException unsupported) {
            Problem problem = Problem.of(ProblemType.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type");
            if (!unsupported.getSupportedMediaTypes().isEmpty()) {
                // RFC 9110 §15.5.16: say what would have been accepted.
                problem.header(HttpHeaders.ACCEPT, MediaType.toString(unsupported.getSupportedMediaTypes()));
            }
            return problem;
        }
        if (failure instanceof ServerWebInputException input) {
            return input.getCause() instanceof DataBufferLimitException
                    ? Problem.of(ProblemType.INVALID_REQUEST, "request body exceeds 16 KiB")
                    : Problem.of(ProblemType.INVALID_REQUEST, "malformed request");
        }
        if (failure instanceof MethodNotAllowedException) {
            return Problem.of(ProblemType.METHOD_NOT_ALLOWED, "method not allowed on this path");
        }
        if (failure instanceof ResponseStatusException status) {
            if (status.getStatusCode().value() == 413) {
                return Problem.of(ProblemType.INVALID_REQUEST, "request body exceeds 16 KiB");
            }
            if (status.getStatusCode().value() == 404) {
                return Problem.of(ProblemType.NOT_FOUND, "no such endpoint");
            }
            HttpStatus known = HttpStatus.resolve(status.getStatusCode().value());
            HttpStatus code = known == null ? HttpStatus.BAD_REQUEST : known;
            return new Problem(null, code, code.getReasonPhrase(), code.getReasonPhrase());
        }
        logUnexpected(failure);
        return Problem.of(ProblemType.INTERNAL_ERROR, "unexpected error; quote the request id to the operators");
    }

    /**
     * Logs an exception nobody expected: its type and top frames only, since its message may quote input (and so a
     * secret).
     */
    static void logUnexpected(Throwable failure) {
        log.error(
                "Unexpected {} at {}",
                failure.getClass().getName(),
                Arrays.stream(failure.getStackTrace())
                        .limit(8)
                        .map(StackTraceElement::toString)
                        .collect(Collectors.joining(" < ")));
    }

    private static String wwwAuthenticate(AuthenticationException failure) {
        if (failure instanceof OAuth2AuthenticationException oauth) {
            return "Bearer error=\"" + oauth.getError().getErrorCode() + "\"";
        }
        return "Bearer";
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

    static boolean isCallerApi(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().value();
        return path.startsWith("/v1/") || path.startsWith("/iam/") || path.startsWith("/oauth2/");
    }

    private record Problem(
            ProblemType type,
            HttpStatus status,
            String title,
            String detail,
            Map<String, Object> extra,
            Map<String, String> headers) {

        Problem(ProblemType type, HttpStatus status, String title, String detail) {
            this(type, status, title, detail, new LinkedHashMap<>(), new LinkedHashMap<>());
        }

        static Problem of(ProblemType type, String detail) {
            return new Problem(type, type.status(), type.title(), detail);
        }

        Problem header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }
}
