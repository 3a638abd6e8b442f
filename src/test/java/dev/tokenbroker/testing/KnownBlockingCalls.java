package dev.tokenbroker.testing;

import java.util.List;
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

    /** A method inside which blocking is allowed, named as BlockHound takes it: a binary class name and a method. */
    record Allowed(String className, String method) {}

    static final List<Allowed> ALLOWED = List.of(
            new Allowed("tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer"),
            new Allowed("tools.jackson.databind.ser.SerializerCache", "addAndResolveNonTypedSerializer"),
            new Allowed("ch.qos.logback.core.OutputStreamAppender", "writeBytes"),
            new Allowed("ch.qos.logback.core.OutputStreamAppender", "subAppend"),
            new Allowed("dev.tokenbroker.audit.AuditJournal", "writeNow"),
            new Allowed("org.thymeleaf.spring6.view.reactive.ThymeleafReactiveView", "render"),
            new Allowed("org.thymeleaf.TemplateEngine", "process"),
            new Allowed("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines"));

    @Override
    public void applyTo(BlockHound.Builder builder) {
        ALLOWED.forEach(allowed -> builder.allowBlockingCallsInside(allowed.className(), allowed.method()));
    }
}
