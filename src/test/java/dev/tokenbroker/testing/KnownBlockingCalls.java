package dev.tokenbroker.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls we accept on event loops, each short and bounded: Jackson's lock while it builds a
 * (de)serializer the first time a type is seen, logback's lock around writing one console line, and the
 * {@code json-lines} audit appender's write of one line by the logging thread, which it does only when its queue is
 * full (back-pressure) or it has stopped (docs/operations.md#logs). Everything else BlockHound finds fails the test
 * that caused it.
 */
public final class KnownBlockingCalls implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(
                        "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer")
                .allowBlockingCallsInside(
                        "tools.jackson.databind.ser.SerializerCache", "addAndResolveNonTypedSerializer")
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
    }
}
