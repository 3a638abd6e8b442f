package dev.tokenbroker.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A request body read as UTF-8 text, at most {@link #MAX_BYTES} of it (DESIGN §2). A longer body is read to its end
 * and dropped, up to {@link #DRAIN_BYTES}, before it is refused with {@link DataBufferLimitException}: so the refusal
 * (400) is written on a connection whose request has been read, and the connection stays usable, as Tomcat swallows
 * the rest of a refused upload. Cancelling the body instead, as {@code DataBufferUtils.join(body, limit)} does, left
 * Reactor Netty releasing the body's later chunks twice (IllegalReferenceCountException) and closing the connection
 * before the refusal was written, whenever the refusal waited for its audit line. A body past {@link #DRAIN_BYTES} is
 * cancelled at once: nobody sends a megabyte to this API in good faith.
 */
final class RequestBodies {

    /** The largest request body accepted (DESIGN §2). */
    static final int MAX_BYTES = 16 * 1024;

    /** How much of a refused body is read and dropped before the connection is given up. */
    static final int DRAIN_BYTES = 1024 * 1024;

    private RequestBodies() {}

    /** The body's text, or {@link DataBufferLimitException} past {@link #MAX_BYTES}; each buffer is released. */
    static Mono<String> text(Flux<DataBuffer> body) {
        return body.collect(Accumulated::new, Accumulated::add).flatMap(Accumulated::text);
    }

    private static final class Accumulated {

        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long seen;

        void add(DataBuffer buffer) {
            try {
                int readable = buffer.readableByteCount();
                seen += readable;
                if (seen > DRAIN_BYTES) {
                    throw limit();
                }
                if (seen <= MAX_BYTES) {
                    byte[] bytes = new byte[readable];
                    buffer.read(bytes);
                    kept.writeBytes(bytes);
                }
            } finally {
                DataBufferUtils.release(buffer);
            }
        }

        Mono<String> text() {
            if (seen > MAX_BYTES) {
                return Mono.error(limit());
            }
            return Mono.just(kept.toString(StandardCharsets.UTF_8));
        }

        private static DataBufferLimitException limit() {
            return new DataBufferLimitException("Exceeded limit on max bytes to buffer : " + MAX_BYTES);
        }
    }
}
