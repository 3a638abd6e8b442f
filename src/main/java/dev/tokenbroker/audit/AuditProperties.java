package dev.tokenbroker.audit;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The audit log ({@code tokenbroker.audit.*}).
 *
 * @param salt the per-deployment HMAC key of fingerprints; keep it in a Secret. When unset, a random one is made at
 *     start-up, so fingerprints cannot be compared across restarts or replicas
 */
@ConfigurationProperties("tokenbroker.audit")
public record AuditProperties(String salt) {

    @Override
    public String toString() {
        return "AuditProperties[salt=redacted]";
    }
}
