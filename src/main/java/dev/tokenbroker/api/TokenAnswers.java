package dev.tokenbroker.api;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a token endpoint's {@link ResponseEntity} as the annotated dispatch writes it for a request that accepts
 * {@code application/json}: its status and headers, then {@code Content-Type: application/json} unless it set one,
 * {@code Content-Length}, and the body as JSON ({@link TokenBodies} for token answers, the application's
 * {@link JsonMapper} for the rest). An empty answer, or a failure, is passed on as the signal it is. Thread-safe.
 */
@Component
final class TokenAnswers {

    private final TokenBodies bodies;
    private final JsonMapper json;

    TokenAnswers(TokenBodies bodies, JsonMapper json) {
        this.bodies = bodies;
        this.json = json;
    }

    Mono<Void> write(ServerWebExchange exchange, Mono<? extends ResponseEntity<?>> answer) {
        return answer.flatMap(entity -> write(exchange, entity));
    }

    Mono<Void> write(ServerWebExchange exchange, ResponseEntity<?> entity) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(entity.getStatusCode());
        HttpHeaders headers = response.getHeaders();
        entity.getHeaders().forEach(headers::put);
        if (headers.getContentType() == null) {
            headers.setContentType(MediaType.APPLICATION_JSON);
        }
        Object body = entity.getBody();
        byte[] bytes = body instanceof TokenBody token ? bodies.bytes(token) : json.writeValueAsBytes(body);
        headers.setContentLength(bytes.length);
        return response.writeWith(Mono.just(buffer(response, bytes)));
    }

    /**
     * An answer's bytes in a buffer of the server's own allocator (pooled, direct under Netty). A wrapped byte array
     * is a heap buffer that Netty copies into a new unpooled direct buffer on every write (4% of a cache hit).
     */
    static DataBuffer buffer(ServerHttpResponse response, byte[] bytes) {
        return response.bufferFactory().allocateBuffer(bytes.length).write(bytes);
    }
}
