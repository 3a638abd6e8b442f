package dev.tokenbroker.audit;

/**
 * Told about every audit event after it is written, e.g. to count requests by outcome. Beans of this type are picked
 * up by {@link AuditLog}. Called on the request's thread (often an event loop): must be cheap, must not block or
 * throw. The event holds the caller id: a listener must not use it where cardinality or privacy matters (metric
 * tags).
 */
@FunctionalInterface
public interface AuditListener {

    /** One issuance or refusal. */
    void onEvent(AuditEvent event);
}
