package dev.tokenbroker.api;

import dev.tokenbroker.problem.InvalidRequestException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Strict parsing of optional JSON request bodies: a body must be {@code application/json} (else 415; a request with
 * neither body nor Content-Type is the empty body); unknown fields, wrong types, trailing content and floats for
 * integers are rejected with a 400 whose message names known fields only, never echoing the input (a caller
 * might paste a secret where a field name belongs).
 */
final class JsonBodies {

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(
                    LogicalType.Integer, config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .build();

    private JsonBodies() {}

    /**
     * Reads and parses an exchange's body, at most {@link RequestBodies#MAX_BYTES}. Raw buffers, not a String codec: codecs
     * log what they decode at DEBUG, and a body may hold a secret.
     */
    static <T> Mono<T> read(ServerWebExchange exchange, Class<T> type, T empty) {
        Optional<MediaType> declared;
        try {
            declared = Optional.ofNullable(exchange.getRequest().getHeaders().getContentType());
        } catch (InvalidMediaTypeException garbage) {
            return Mono.error(unsupported());
        }
        if (declared.isPresent() && !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(declared.get())) {
            return Mono.error(unsupported());
        }
        return RequestBodies.text(exchange.getRequest().getBody()).map(body -> {
            if (declared.isEmpty() && !body.isEmpty()) {
                // A body must say what it is; only an absent body may come without a Content-Type.
                throw unsupported();
            }
            return parse(body, type, empty);
        });
    }

    /**
     * Whether a request comes without a body and without a {@code Content-Type}, so that {@link #read} would answer
     * its {@code empty} value without reading anything: no {@code Transfer-Encoding}, and no {@code Content-Length}
     * or one of 0.
     */
    static boolean isAbsent(HttpHeaders headers) {
        if (headers.containsHeader(HttpHeaders.CONTENT_TYPE) || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
            return false;
        }
        List<String> length = headers.get(HttpHeaders.CONTENT_LENGTH);
        return length == null || (length.size() == 1 && "0".equals(length.get(0)));
    }

    // Names neither the Content-Type sent (its message would quote the header) nor anything of the body.
    private static UnsupportedMediaTypeStatusException unsupported() {
        return new UnsupportedMediaTypeStatusException((MediaType) null, List.of(MediaType.APPLICATION_JSON));
    }

    /**
     * Parses a body; an absent or blank body gives {@code empty}.
     *
     * @throws InvalidRequestException when the body is not what {@code type} expects
     */
    static <T> T parse(String body, Class<T> type, T empty) {
        if (body == null || body.isBlank()) {
            return empty;
        }
        try {
            T value = STRICT.readValue(body, type);
            return value == null ? empty : value;
        } catch (UnrecognizedPropertyException unknown) {
            throw new InvalidRequestException("unknown field; allowed fields: " + unknown.getKnownPropertyIds());
        } catch (MismatchedInputException mismatch) {
            String field = mismatch.getPath().isEmpty()
                    ? null
                    : mismatch.getPath().get(mismatch.getPath().size() - 1).getPropertyName();
            throw new InvalidRequestException(
                    field == null ? "body must be a JSON object" : "field '" + field + "' has the wrong type");
        } catch (JacksonException malformed) {
            throw new InvalidRequestException("body is not valid JSON");
        }
    }
}
