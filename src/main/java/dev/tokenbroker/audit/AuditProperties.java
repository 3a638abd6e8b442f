package dev.tokenbroker.audit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The audit log ({@code tokenbroker.audit.*}).
 *
 * @param salt the per-deployment HMAC key of fingerprints; keep it in a Secret. When unset, a random one is made at
 *     start-up, so fingerprints cannot be compared across restarts or replicas
 * @param stdout how audit lines reach standard output: {@code pattern} (the default) as the logging configuration
 *     writes the AUDIT logger (Boot's console pattern unless a logback file routes it elsewhere); {@code json-lines}
 *     each line bare, one JSON object per line (docs/operations.md#logs). The Helm chart sets {@code json-lines}. In
 *     both, an issuance's line is written before the credential is sent, many lines to a write (group commit)
 * @param queueCapacity how many bytes of audit lines may wait to be written; when standard output stops taking them
 *     for that long, issuances are refused (503) rather than answered without their line
 */
@ConfigurationProperties("tokenbroker.audit")
public record AuditProperties(
        String salt, Stdout stdout, @DefaultValue("16MB") DataSize queueCapacity) {

    public AuditProperties {
        stdout = stdout == null ? Stdout.PATTERN : stdout;
        queueCapacity = queueCapacity == null ? DataSize.ofMegabytes(16) : queueCapacity;
    }

    /** How audit lines reach standard output. */
    public enum Stdout {
        /** As the logging configuration writes the AUDIT logger (Boot's console pattern by default). */
        PATTERN,
        /** Bare JSON lines. */
        JSON_LINES
    }

    @Override
    public String toString() {
        return "AuditProperties[salt=redacted, stdout=" + stdout + ", queueCapacity=" + queueCapacity + "]";
    }
}
