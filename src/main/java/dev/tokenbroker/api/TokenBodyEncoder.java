package dev.tokenbroker.api;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.boot.http.codec.CodecCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;
import org.springframework.core.codec.AbstractEncoder;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.util.MimeType;
import reactor.core.publisher.Flux;

/**
 * WebFlux's codec for token answers ({@link TokenBody} in any of its shapes): their JSON from {@link TokenBodies},
 * serialised once per token and second instead of once per request, in a buffer of the server's own allocator. It
 * writes {@code application/json} only, so content negotiation answers exactly as it does for Jackson's codec (406 to
 * an {@code Accept} that excludes JSON); registered ahead of Jackson's.
 */
final class TokenBodyEncoder extends AbstractEncoder<TokenBody> {

    private final TokenBodies bodies;

    TokenBodyEncoder(TokenBodies bodies) {
        super(MediaType.APPLICATION_JSON);
        this.bodies = bodies;
    }

    @Override
    public boolean canEncode(ResolvableType elementType, @Nullable MimeType mimeType) {
        return TokenBody.class.isAssignableFrom(elementType.toClass()) && super.canEncode(elementType, mimeType);
    }

    @Override
    public Flux<DataBuffer> encode(
            Publisher<? extends TokenBody> input,
            DataBufferFactory bufferFactory,
            ResolvableType elementType,
            @Nullable MimeType mimeType,
            @Nullable Map<String, Object> hints) {
        return Flux.from(input).map(body -> encodeValue(body, bufferFactory, elementType, mimeType, hints));
    }

    @Override
    public DataBuffer encodeValue(
            TokenBody body,
            DataBufferFactory bufferFactory,
            ResolvableType valueType,
            @Nullable MimeType mimeType,
            @Nullable Map<String, Object> hints) {
        byte[] bytes = bodies.bytes(body);
        // Pooled and direct under Netty: a wrapped array would be copied into a new direct buffer on every write.
        return bufferFactory.allocateBuffer(bytes.length).write(bytes);
    }

    @Override
    public List<MimeType> getEncodableMimeTypes() {
        return List.of(MediaType.APPLICATION_JSON);
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        CodecCustomizer tokenBodyCodec(TokenBodies bodies) {
            return configurer -> configurer.customCodecs().register(new TokenBodyEncoder(bodies));
        }
    }
}
