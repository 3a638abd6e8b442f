package dev.tokenbroker.sink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * {@code sinks}: down until every file sink has been written once, up after that (and up when no sink is
 * configured). In the {@code startup} and {@code readiness} groups, so that a sidecar's app container starts only once
 * its token files exist (DESIGN §6). Each sink is a sub-component in the details, named by its path ({@code status}
 * and {@code details}, as Spring Boot Admin shows a component): {@code DOWN} until written, {@code RESTRICTED} when a
 * later rewrite failed (the file still holds a valid token, and the cache retries), {@code UP} otherwise. Details name
 * paths and times, never a token.
 */
final class SinksHealthIndicator implements ReactiveHealthIndicator {

    // Spring Boot Admin's status for degraded but serving; ranked below UP in the probe groups (application.yaml).
    private static final Status RESTRICTED = new Status("RESTRICTED");

    private final FileSinks sinks;

    SinksHealthIndicator(FileSinks sinks) {
        this.sinks = sinks;
    }

    @Override
    public Mono<Health> health() {
        Map<String, Object> components = new LinkedHashMap<>();
        boolean restricted = false;
        for (FileSinkWriter writer : sinks.writers()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("credential", writer.credential());
            details.put("format", writer.format().id());
            writer.lastWrite().ifPresent(at -> details.put("lastWrite", at.toString()));
            writer.writtenExpiresAt().ifPresent(at -> details.put("expiresAt", at.toString()));
            writer.lastError().ifPresent(error -> details.put("lastError", error));
            Status status = !writer.written() ? Status.DOWN : writer.lastError().isPresent() ? RESTRICTED : Status.UP;
            restricted |= status == RESTRICTED;
            Map<String, Object> component = new LinkedHashMap<>();
            component.put("status", status.getCode());
            component.put("details", details);
            components.put(writer.path().toString(), component);
        }
        Status status = !sinks.allWritten() ? Status.DOWN : restricted ? RESTRICTED : Status.UP;
        return Mono.just(Health.status(status).withDetails(components).build());
    }
}
