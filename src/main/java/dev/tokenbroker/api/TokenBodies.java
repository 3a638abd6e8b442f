package dev.tokenbroker.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.support.CacheMaintenance;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bytes of a token answer ({@link TokenBody} in any of its shapes), serialised once per cached token, shape, credential
 * and value of {@code expires_in} (so about once a second) instead of once per request. The bytes are those Jackson
 * writes for the body with the application's own {@link JsonMapper}: the wire format is the annotated types'
 * exactly. Remembers the latest answer of at most {@value #MAX_ANSWERS} (shape, token) pairs; a token that leaves the
 * cache leaves here soon after. Thread-safe: two requests racing on a new second serialise twice and keep either.
 */
@Component
final class TokenBodies {

    private static final int MAX_ANSWERS = 1024;

    private final JsonMapper json;
    // Keys compare tokens by identity: the cache hands out the same instance until it is replaced.
    private final Cache<Shape, Rendered> rendered = Caffeine.newBuilder()
            .executor(CacheMaintenance.IN_CALLER)
            .maximumSize(MAX_ANSWERS)
            .build();

    TokenBodies(JsonMapper json) {
        this.json = json;
    }

    /** The JSON of this answer. */
    byte[] bytes(TokenBody body) {
        Shape shape = new Shape(
                body.getClass(), body.token, body instanceof IamTokenResponse named ? named.credential() : null);
        long expiresIn = body.expiresIn();
        Rendered known = rendered.getIfPresent(shape);
        if (known != null && known.expiresIn == expiresIn) {
            return known.bytes;
        }
        byte[] bytes = json.writeValueAsBytes(body);
        rendered.put(shape, new Rendered(expiresIn, bytes));
        return bytes;
    }

    // IamToken does not override equals: one key per token instance.
    private record Shape(Class<?> type, IamToken token, String credential) {}

    // Not a record, so that nothing prints the bytes (they hold an access token).
    private static final class Rendered {

        private final long expiresIn;
        private final byte[] bytes;

        Rendered(long expiresIn, byte[] bytes) {
            this.expiresIn = expiresIn;
            this.bytes = bytes;
        }

        @Override
        public String toString() {
            return "Rendered[redacted]";
        }
    }
}
