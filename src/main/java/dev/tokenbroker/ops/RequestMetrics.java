package dev.tokenbroker.ops;

import dev.tokenbroker.audit.AuditEvent;
import dev.tokenbroker.audit.AuditListener;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.CredentialRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.regex.Pattern;

/**
 * {@code tokenbroker.requests} ({@code credential}, {@code grant}, {@code outcome}): one count per audited issuance or
 * refusal. Tags are bounded: {@code credential} is a configured credential name or {@code unknown}, {@code grant} a
 * known grant or {@code none}, {@code outcome} {@code issued} or the refusal's problem type (e.g.
 * {@code credential-forbidden}, {@code upstream-unavailable}, {@code http-404}). The caller id is never a tag.
 */
final class RequestMetrics implements AuditListener {

    private static final Pattern REASON = Pattern.compile("[a-z0-9-]{1,40}");

    private final MeterRegistry meters;
    private final CredentialRegistry registry;

    RequestMetrics(MeterRegistry meters, CredentialRegistry registry) {
        this.meters = meters;
        this.registry = registry;
    }

    @Override
    public void onEvent(AuditEvent event) {
        String credential =
                event.credential() != null && registry.find(event.credential()).isPresent()
                        ? event.credential()
                        : "unknown";
        String grant = event.grant() == null
                ? "none"
                : Grant.fromId(event.grant()).map(Grant::id).orElse("none");
        String outcome = "issued".equals(event.outcome()) ? "issued" : reason(event.reason());
        Counter.builder("tokenbroker.requests")
                .description("Caller requests by credential, grant and outcome (issued or the refusal's problem type)")
                .tag("credential", credential)
                .tag("grant", grant)
                .tag("outcome", outcome)
                .register(meters)
                .increment();
    }

    private static String reason(String reason) {
        return reason != null && REASON.matcher(reason).matches() ? reason : "refused";
    }
}
