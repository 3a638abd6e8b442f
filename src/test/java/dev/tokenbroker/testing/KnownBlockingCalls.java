package dev.tokenbroker.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls we accept on event loops, each short and bounded: Jackson's lock while it builds a
 * (de)serializer the first time a type is seen, logback's lock around writing one console line, and the audit
 * journal's write of a line by the thread that logs it, which it does only once the journal has closed (the
 * application context going away; docs/operations.md#logs). And one outside the broker: the Spring Boot Admin
 * server of the tests (ops/TestAdminServer) renders its UI pages with Thymeleaf, which reads templates and its
 * configuration from jars. And one inside Netty 4.2 that its own BlockHound integration does not list yet: when its
 * adaptive allocator grows a group of buffer magazines, it frees the old ones under their {@code StampedLock}, which
 * parks for the moment another event loop holds it (a lock for synchronisation only, no I/O; line/armeria#6344 allows
 * it the same way). Everything else BlockHound finds fails the test that caused it.
 */
public final class KnownBlockingCalls implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(
                        "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer")
                .allowBlockingCallsInside(
                        "tools.jackson.databind.ser.SerializerCache", "addAndResolveNonTypedSerializer")
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend")
                .allowBlockingCallsInside("dev.tokenbroker.audit.AuditJournal", "writeNow")
                .allowBlockingCallsInside("org.thymeleaf.spring6.view.reactive.ThymeleafReactiveView", "render")
                .allowBlockingCallsInside("org.thymeleaf.TemplateEngine", "process")
                .allowBlockingCallsInside(
                        "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
    }
}
