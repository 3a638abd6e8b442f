package dev.tokenbroker.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets Jackson 3 build a deserializer on an event loop: {@code DeserializerCache} guards the one-time construction of
 * each type's deserializer with a {@code ReentrantLock} (Jackson 2 used {@code synchronized}, which BlockHound does not
 * see), so many first decodes racing on Netty threads park briefly once per type and never again. Without this, the
 * first burst of concurrent JSON decodes in a test JVM (1,000 callers in {@code SingleFlightIntegrationTests}) fails
 * at random.
 */
public final class JacksonBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(
                "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer");
    }
}
