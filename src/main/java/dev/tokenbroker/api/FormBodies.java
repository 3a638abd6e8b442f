package dev.tokenbroker.api;

import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.MissingParameterException;
import dev.tokenbroker.support.Secret;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Reads {@code application/x-www-form-urlencoded} token requests (the IAM facade, RFC 8693), at most
 * {@link RequestBodies#MAX_BYTES}. Raw buffers parsed here, not Spring's form codec: codecs log what they decode at
 * DEBUG, and these forms carry caller keys and tokens. Messages name known fields only, never echo input.
 */
final class FormBodies {

    private FormBodies() {}

    /**
     * Reads and parses an exchange's form body; an empty body is an empty form.
     *
     * @param known the field names that may be named in error messages (a repeated one is refused by name)
     * @return the form, or {@link InvalidRequestException} for another Content-Type, a malformed body or a repeated
     *     field, or {@link org.springframework.core.io.buffer.DataBufferLimitException} past the size cap
     */
    static Mono<Form> read(ServerWebExchange exchange, Set<String> known) {
        MediaType type;
        try {
            type = exchange.getRequest().getHeaders().getContentType();
        } catch (InvalidMediaTypeException garbage) {
            // Its message quotes the header.
            type = null;
        }
        if (type == null || !MediaType.APPLICATION_FORM_URLENCODED.equalsTypeAndSubtype(type)) {
            return Mono.error(new InvalidRequestException("Content-Type must be application/x-www-form-urlencoded"));
        }
        return RequestBodies.text(exchange.getRequest().getBody()).map(body -> parse(body, known));
    }

    static Form parse(String body, Set<String> known) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (fields.putIfAbsent(name, value) != null) {
                // RFC 6749 §3.2: parameters must not be included more than once.
                throw new InvalidRequestException(
                        known.contains(name) ? "parameter '" + name + "' is repeated" : "a parameter is repeated");
            }
        }
        return new Form(fields);
    }

    private static String decode(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            // Its message quotes the offending characters, which may be part of a key.
            throw new InvalidRequestException("body is not valid application/x-www-form-urlencoded");
        }
    }

    /** A parsed form. Prints no field name or value: either may be a pasted secret. */
    static final class Form {

        private final Map<String, String> fields;

        Form(Map<String, String> fields) {
            this.fields = Map.copyOf(fields);
        }

        /** A field's value, absent when missing or empty. */
        Optional<String> value(String name) {
            String value = fields.get(name);
            return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
        }

        /** A field's value, which must be present and not empty. */
        String required(String name) {
            return value(name).orElseThrow(() -> new MissingParameterException(name));
        }

        /** A secret field's value, which must be present and not empty. */
        Secret requiredSecret(String name) {
            return Secret.of(required(name));
        }

        @Override
        public String toString() {
            return "Form[" + fields.size() + " fields, redacted]";
        }
    }
}
