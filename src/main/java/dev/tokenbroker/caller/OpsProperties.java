package dev.tokenbroker.caller;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may operate the broker ({@code tokenbroker.ops.*}): call the management endpoints on the management port
 * (everything but {@code health} and {@code info}).
 *
 * @param callers caller ids holding the {@code ops} role: {@code client:{id}} for client keys, or JWT subjects such
 *     as {@code system:serviceaccount:monitoring:ops-console}; exact matches, no globs. Empty by default: nobody.
 */
@ConfigurationProperties("tokenbroker.ops")
public record OpsProperties(List<String> callers) {

    /** The authority granted to ops callers. */
    public static final String ROLE_OPS = "ROLE_OPS";

    public OpsProperties {
        callers = callers == null ? List.of() : List.copyOf(callers);
    }

    /** Whether this caller id holds the {@code ops} role. */
    public boolean isOps(String callerId) {
        return callerId != null && callers.contains(callerId);
    }
}
