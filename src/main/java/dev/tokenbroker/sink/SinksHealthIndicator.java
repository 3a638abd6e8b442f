package dev.tokenbroker.sink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code sinks}: down until every file sink has been written once, up after that (and up when no sink is
 * configured). In the {@code startup} and {@code readiness} groups, so that a sidecar's app container starts only once
 * its token files exist (DESIGN §6). A later failed rewrite shows as a detail, not as down: the file still holds a
 * valid token, and the cache retries. Details name paths and times, never a token.
 */
final class SinksHealthIndicator implements ReactiveHealthIndicator {

    private final FileSinks sinks;

    SinksHealthIndicator(FileSinks sinks) {
        this.sinks = sinks;
    }

    @Override
    public Mono<Health> health() {
        Map<String, Object> details = new LinkedHashMap<>();
        for (FileSinkWriter writer : sinks.writers()) {
            Map<String, Object> sink = new LinkedHashMap<>();
            sink.put("credential", writer.credential());
            sink.put("format", writer.format().id());
            sink.put("written", writer.written());
            writer.lastWrite().ifPresent(at -> sink.put("lastWrite", at.toString()));
            writer.writtenExpiresAt().ifPresent(at -> sink.put("expiresAt", at.toString()));
            writer.lastError().ifPresent(error -> sink.put("lastError", error));
            details.put(writer.path().toString(), sink);
        }
        Health.Builder health = sinks.allWritten() ? Health.up() : Health.down();
        return Mono.just(health.withDetails(details).build());
    }
}
