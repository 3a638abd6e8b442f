package dev.tokenbroker.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Status;

// The statuses the broker's health uses beyond Boot's four, and the shape of a sub-component inside a component's
// details: {"status": …, "details": {…}} as Boot writes a component, which Spring Boot Admin shows as one (with its
// own status badge and details) wherever it finds it.
final class HealthStatuses {

    /**
     * Degraded but serving: Spring Boot Admin's own status for it (coloured, ordered between UNKNOWN and UP), answered
     * with HTTP 200 ({@code management.endpoint.health.status.http-mapping}).
     */
    static final Status RESTRICTED = new Status("RESTRICTED");

    private HealthStatuses() {}

    static Map<String, Object> component(Status status, Map<String, Object> details) {
        Map<String, Object> component = new LinkedHashMap<>();
        component.put("status", status.getCode());
        if (!details.isEmpty()) {
            component.put("details", details);
        }
        return component;
    }
}
