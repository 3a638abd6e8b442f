package dev.tokenbroker.audit;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The audit log ({@code tokenbroker.audit.*}).
 *
 * @param salt the per-deployment HMAC key of fingerprints; keep it in a Secret. When unset, a random one is made at
 *     start-up, so fingerprints cannot be compared across restarts or replicas
 * @param stdout how the AUDIT logger writes: {@code pattern} (the default) leaves it to the logging configuration,
 *     Boot's console pattern unless a logback file routes it elsewhere; {@code json-lines} gives it the broker's own
 *     appender, which writes each audit line bare, one JSON object per line on standard output, many lines to a write
 *     from one thread, never dropping one (docs/operations.md#logs). The Helm chart sets {@code json-lines}
 */
@ConfigurationProperties("tokenbroker.audit")
public record AuditProperties(String salt, Stdout stdout) {

    public AuditProperties {
        stdout = stdout == null ? Stdout.PATTERN : stdout;
    }

    /** How audit lines reach standard output. */
    public enum Stdout {
        /** As the logging configuration writes the AUDIT logger (Boot's console pattern by default). */
        PATTERN,
        /** Bare JSON lines, written in batches by the broker's own appender on the AUDIT logger. */
        JSON_LINES
    }

    @Override
    public String toString() {
        return "AuditProperties[salt=redacted, stdout=" + stdout + "]";
    }
}
